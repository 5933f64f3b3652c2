//! `medchain share-host`: the public HTTP server that hosts SMART Health Links.
//!
//! Any hospital or node operator can run one. It is separate from the dashboard (its own
//! router and port, none of the dashboard's routes) and it never learns a key or plaintext:
//! patients upload compact JWEs whose key only the link carries.
//!
//! - `GET /api/host`: the account it records openings with (links name it on chain).
//! - `PUT /api/links/{id}`: a patient's signed upload of a link's files, accepted only for a
//!   live link of that patient on chain ([`upload`]).
//! - `POST /shl/{manifest-id}`: the SHL manifest request ([`manifest`]): 404 unless the link
//!   is live on chain; 401 with `remainingAttempts` for a wrong passcode, recorded on chain;
//!   otherwise the opening is recorded on chain *before* any file is served.
//! - `GET /shl/{manifest-id}?recipient=…`: a `U` link's single file, directly;
//! - `GET /shl/file/{token}`: a file's one-time `location`, valid for an hour.
//!
//! Every answer carries `Access-Control-Allow-Origin: *` (any SHL viewer may call it) and
//! `Cache-Control: no-store`. Links are looked up by the SHA-256 of their manifest id, as the
//! chain knows them, so the host's disk and logs never show a manifest URL.

mod manifest;
mod store;
mod upload;

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Instant};

use axum::{
	extract::DefaultBodyLimit,
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post, put},
	Router,
};
use medchain_client::{
	chain::{Chain, Wait},
	crypto::keys::Identity,
	runtime::medchain as api,
	share::host::{HostInfo, MAX_UPLOAD},
	ClientError,
};
use tokio::sync::Mutex;

use store::FileStore;

/// How the host is served.
#[derive(Debug, Clone)]
pub struct HostConfig {
	/// The MedChain node's WebSocket RPC endpoint.
	pub node: String,
	/// Where it listens, e.g. `0.0.0.0:8443` (behind a TLS proxy) or `127.0.0.1:0`.
	pub listen: SocketAddr,
	/// The URL recipients reach it at (what links name); default `http://{listen}`.
	pub public_url: Option<String>,
	/// Where uploaded files are kept.
	pub dir: PathBuf,
}

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
	#[error("cannot listen on {addr}: {source} (choose another --listen)")]
	Bind { addr: SocketAddr, source: std::io::Error },
	#[error("cannot use {dir}: {source}")]
	Dir { dir: String, source: std::io::Error },
	#[error(transparent)]
	Client(#[from] ClientError),
}

/// A running host.
pub struct ShareHost {
	url: String,
	task: tokio::task::JoinHandle<()>,
}

impl ShareHost {
	/// The base URL links name.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// Serves until the process ends.
	pub async fn wait(self) {
		let _ = self.task.await;
	}
}

/// A file's one-time location: the file itself, since the link may have ended (its last
/// use) and its stored files gone by the time the location is fetched.
struct Location {
	jwe: String,
	until: Instant,
}

pub(crate) struct HostState {
	chain: Chain,
	me: Identity,
	url: String,
	files: FileStore,
	/// One lock per link: openings and failures of a link are decided one at a time, so the
	/// count of attempts holds under parallel requests.
	locks: std::sync::Mutex<HashMap<[u8; 32], Arc<Mutex<()>>>>,
	locations: std::sync::Mutex<HashMap<String, Location>>,
}

impl HostState {
	fn lock_for(&self, link: [u8; 32]) -> Arc<Mutex<()>> {
		let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
		locks.entry(link).or_default().clone()
	}

	/// The link's on-chain entry if it is live at the best block.
	async fn live_link(
		&self,
		id: [u8; 32],
	) -> Result<Option<api::runtime_types::pallet_share_links::types::Link>, ClientError> {
		let Some(link) = self.chain.view(api::view_functions().share_links().link(id)).await?
		else {
			return Ok(None);
		};
		// The next block is the first the recorded opening could land in.
		let next = self.chain.best_number().await?.saturating_add(1);
		Ok((next < link.expires_at).then_some(link))
	}

	async fn submit<C: subxt::transactions::Payload>(
		&self,
		call: C,
	) -> Result<medchain_client::chain::Included, ClientError> {
		self.chain.submit(&call, self.me.signer(), Wait::InBlock).await
	}
}

/// Starts a host acting as `me` (its account pays for recording openings).
pub async fn start(config: HostConfig, me: Identity) -> Result<ShareHost, HostError> {
	let files = FileStore::open(&config.dir)
		.map_err(|source| HostError::Dir { dir: config.dir.display().to_string(), source })?;
	let chain = Chain::connect(&config.node).await?;
	let listener = tokio::net::TcpListener::bind(config.listen)
		.await
		.map_err(|source| HostError::Bind { addr: config.listen, source })?;
	let local =
		listener.local_addr().map_err(|source| HostError::Bind { addr: config.listen, source })?;
	let url = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
	let url = url.trim_end_matches('/').to_string();
	let state = Arc::new(HostState {
		chain,
		me,
		url: url.clone(),
		files,
		locks: Default::default(),
		locations: Default::default(),
	});
	let app = router(state);
	let task = tokio::spawn(async move {
		let _ = axum::serve(listener, app).await;
	});
	Ok(ShareHost { url, task })
}

fn router(state: Arc<HostState>) -> Router {
	Router::new()
		.route("/api/host", get(host_info).options(preflight))
		.route(
			"/api/links/{id}",
			put(upload::upload).options(preflight).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
		)
		.route(
			"/shl/{manifest_id}",
			post(manifest::manifest).get(manifest::direct).options(preflight),
		)
		.route("/shl/file/{token}", get(manifest::file).options(preflight))
		.fallback(not_found)
		.layer(axum::middleware::map_response(open_to_any_origin))
		.with_state(state)
}

async fn host_info(
	axum::extract::State(state): axum::extract::State<Arc<HostState>>,
) -> axum::Json<HostInfo> {
	axum::Json(HostInfo { account: state.me.account_id() })
}

/// A CORS preflight: an empty answer, with the headers every answer gets.
async fn preflight() -> StatusCode {
	StatusCode::NO_CONTENT
}

async fn not_found() -> Response {
	refuse(StatusCode::NOT_FOUND, "not found")
}

/// SHL viewers run in browsers on other origins: every answer is open to any origin, and
/// nothing a host answers may be cached (a revoked link must stop at once).
async fn open_to_any_origin(mut response: Response) -> Response {
	let headers = response.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers.insert(
		header::ACCESS_CONTROL_ALLOW_METHODS,
		HeaderValue::from_static("GET, POST, PUT, OPTIONS"),
	);
	headers.insert(
		header::ACCESS_CONTROL_ALLOW_HEADERS,
		HeaderValue::from_static("content-type, x-medchain-signature"),
	);
	headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
	response
}

/// A plain-text error answer.
pub(crate) fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
	(status, message.into()).into_response()
}
