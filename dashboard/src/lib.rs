//! # MedChain dashboard
//!
//! The web dashboard patients, clinicians and verifiers open every day. It is served by the
//! user's own `medchain ui` process on 127.0.0.1 (the way Kubo serves its WebUI), so keys
//! stay in the local keystore and the browser only ever sees HTML.
//!
//! - Every action goes through [`medchain_client`]'s role APIs: no rule, crypto or storage
//!   code lives here.
//! - Pages are rendered on the server ([`askama`] templates); a vendored htmx 2 with its SSE
//!   extension swaps panels in place and shows live alerts from finalized chain events.
//! - A local web server is reachable by every page the browser opens, so [`guard`] checks
//!   the `Host` header (DNS rebinding), CSRF (Origin, `Sec-Fetch-Site` and a per-session
//!   token) and sets a strict Content-Security-Policy; the one-time login link becomes an
//!   `HttpOnly; SameSite=Strict` cookie, and an idle session locks itself, dropping the keys.
//!
//! ```no_run
//! # async fn demo() -> Result<(), medchain_dashboard::StartError> {
//! let config = medchain_dashboard::Config::new("ws://127.0.0.1:9944", "/home/me/.medchain".into());
//! let dashboard = medchain_dashboard::start(config).await?;
//! println!("open {}", dashboard.login_url());
//! dashboard.wait().await;
//! # Ok(()) }
//! ```

mod alerts;
mod format;
pub mod guard;
mod jobs;
mod page;
mod routes;
pub mod share_host;
mod state;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use medchain_client::storage::CidVersion;

pub use state::AppState;

/// How the dashboard is served.
#[derive(Debug, Clone)]
pub struct Config {
	/// The MedChain node's WebSocket RPC endpoint.
	pub node: String,
	/// Where keystores (`keys/`) and the embedded blockstore (`ipfs/`) live.
	pub home: PathBuf,
	/// `local`, or a Kubo RPC API URL, as the CLI's `--storage`.
	pub storage: String,
	/// CID version of uploads.
	pub cid_version: CidVersion,
	/// Port on 127.0.0.1; 0 picks a free one.
	pub port: u16,
	/// An unlocked account locks itself after this long without a request.
	pub idle_lock: Duration,
	/// The largest upload accepted, in bytes.
	pub max_upload: usize,
	/// The share host the "Share" form offers first (patients may type another).
	pub share_host: Option<String>,
}

impl Config {
	/// Defaults: embedded storage, CIDv0, a free port, a 15-minute idle lock, 256 MiB uploads.
	pub fn new(node: &str, home: PathBuf) -> Self {
		Config {
			node: node.into(),
			home,
			storage: "local".into(),
			cid_version: CidVersion::V0,
			port: 0,
			idle_lock: Duration::from_secs(15 * 60),
			max_upload: 256 * 1024 * 1024,
			share_host: None,
		}
	}
}

/// Why the dashboard could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
	#[error("cannot listen on 127.0.0.1:{port}: {source} (choose another --port)")]
	Bind { port: u16, source: std::io::Error },
	#[error("cannot use {home}: {reason}")]
	Home { home: String, reason: String },
}

/// A running dashboard.
pub struct Dashboard {
	addr: SocketAddr,
	login_url: String,
	state: Arc<AppState>,
	server: Option<tokio::task::JoinHandle<()>>,
}

impl Dashboard {
	/// `127.0.0.1:<port>`.
	pub fn addr(&self) -> SocketAddr {
		self.addr
	}

	/// `http://127.0.0.1:<port>`.
	pub fn origin(&self) -> String {
		format!("http://{}", self.addr)
	}

	/// The one-time link that signs the browser in.
	pub fn login_url(&self) -> &str {
		&self.login_url
	}

	/// The shared state (tests read the session count and the lock state).
	pub fn state(&self) -> &Arc<AppState> {
		&self.state
	}

	/// Serves until the process ends.
	pub async fn wait(mut self) {
		if let Some(server) = self.server.take() {
			let _ = server.await;
		}
	}

	/// Stops serving.
	pub fn stop(&self) {
		if let Some(server) = &self.server {
			server.abort();
		}
	}
}

impl Drop for Dashboard {
	fn drop(&mut self) {
		self.stop();
	}
}

/// Binds 127.0.0.1 and starts serving. The returned [`Dashboard`] holds the login link.
pub async fn start(config: Config) -> Result<Dashboard, StartError> {
	std::fs::create_dir_all(config.home.join("keys")).map_err(|e| StartError::Home {
		home: config.home.display().to_string(),
		reason: e.to_string(),
	})?;
	let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
		.await
		.map_err(|source| StartError::Bind { port: config.port, source })?;
	let addr =
		listener.local_addr().map_err(|source| StartError::Bind { port: config.port, source })?;
	let state = AppState::new(config, addr);
	let login_url = format!("http://{addr}/login/{}", state.login_token());
	state::spawn_idle_lock(state.clone());
	let app = routes::router(state.clone());
	let server = tokio::spawn(async move {
		let _ = axum::serve(listener, app).await;
	});
	Ok(Dashboard { addr, login_url, state, server: Some(server) })
}
