//! The SHL manifest request and one-time file locations.
//!
//! Per link, requests are decided one at a time (a lock per link), so `remainingAttempts`
//! counts down exactly under parallel requests; the chain keeps the count for the link's
//! lifetime. An opening is recorded on chain, and included in a block, before any file is
//! answered: a link whose use cannot be recorded serves nothing.

use std::{
	sync::Arc,
	time::{Duration, Instant},
};

use axum::{
	body::Bytes,
	extract::{Path, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	Json,
};
use medchain_client::{
	roles::links::seal_recipient_for,
	runtime::medchain as api,
	share::{
		host::UploadFile,
		link::{link_id, random_manifest_id},
		receive::{Manifest, ManifestFile, PasscodeRefused},
	},
	ClientError,
};
use serde::Deserialize;

use super::{refuse, HostState, Location};

/// How long a file's `location` answers (the specification's maximum).
const LOCATION_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestRequest {
	recipient: String,
	passcode: Option<String>,
	embedded_length_max: Option<u64>,
}

fn inactive() -> Response {
	refuse(StatusCode::NOT_FOUND, "this link is not active")
}

fn chain_down(e: ClientError) -> Response {
	refuse(StatusCode::SERVICE_UNAVAILABLE, format!("the chain cannot be reached: {e}"))
}

/// Whether the chain refused a call because the link is no longer live.
fn ended(e: &ClientError) -> bool {
	matches!(e, ClientError::Dispatch { error, .. } if error == "UnknownLink" || error == "LinkExpired")
}

pub(crate) async fn manifest(
	State(state): State<Arc<HostState>>,
	Path(manifest_id): Path<String>,
	body: Bytes,
) -> Response {
	let request: ManifestRequest = match serde_json::from_slice(&body) {
		Ok(request) => request,
		Err(e) => {
			return refuse(
				StatusCode::BAD_REQUEST,
				format!("the manifest request must be JSON with a recipient: {e}"),
			)
		}
	};
	let files =
		match open(&state, &manifest_id, &request.recipient, request.passcode.as_deref()).await {
			Ok(files) => files,
			Err(refused) => return refused,
		};
	let files = files
		.into_iter()
		.map(|file| {
			let embed = request.embedded_length_max.is_none_or(|max| file.jwe.len() as u64 <= max);
			if embed {
				ManifestFile {
					content_type: file.content_type,
					embedded: Some(file.jwe),
					location: None,
				}
			} else {
				let token = random_manifest_id();
				let mut locations = state.locations.lock().unwrap_or_else(|e| e.into_inner());
				let now = Instant::now();
				locations.retain(|_, l| l.until > now);
				locations.insert(
					token.clone(),
					Location { jwe: file.jwe, until: now + LOCATION_LIFETIME },
				);
				ManifestFile {
					content_type: file.content_type,
					embedded: None,
					location: Some(format!("{}/shl/file/{token}", state.url)),
				}
			}
		})
		.collect();
	Json(Manifest { files }).into_response()
}

/// Decides one request for link `manifest_id` from `recipient`: 404 unless live, 401 (recorded
/// on chain) for a wrong passcode, else the opening recorded on chain, then the link's files.
/// Requests for one link are decided one at a time.
async fn open(
	state: &HostState,
	manifest_id: &str,
	recipient: &str,
	passcode: Option<&str>,
) -> Result<Vec<UploadFile>, Response> {
	if recipient.trim().is_empty() {
		return Err(refuse(
			StatusCode::BAD_REQUEST,
			"say who you are: recipient must not be empty",
		));
	}
	let link = link_id(manifest_id);
	let lock = state.lock_for(link);
	let _one_at_a_time = lock.lock().await;

	let live = match state.live_link(link).await {
		Ok(Some(live)) => live,
		Ok(None) => {
			state.files.remove(&link);
			return Err(inactive());
		}
		Err(e) => return Err(chain_down(e)),
	};
	let upload = match state.files.get(&link) {
		Ok(Some(upload)) => upload,
		Ok(None) => return Err(inactive()),
		Err(e) => {
			return Err(refuse(
				StatusCode::INTERNAL_SERVER_ERROR,
				format!("cannot read files: {e}"),
			))
		}
	};
	let sealed = match seal_recipient_for(&state.chain, &live.patient, &link, recipient).await {
		Ok(sealed) => sealed,
		Err(e) => return Err(chain_down(e)),
	};

	if let Some(hash) = &upload.passcode {
		if !passcode.is_some_and(|p| hash.matches(p)) {
			return Err(
				match state.submit(api::tx().share_links().record_failure(link, sealed)).await {
					Ok(_) => {
						let remaining = match state
							.chain
							.view(api::view_functions().share_links().link(link))
							.await
						{
							Ok(Some(after)) => after.attempts_left,
							Ok(None) => {
								// Locked: its files are of no more use.
								state.files.remove(&link);
								0
							}
							Err(e) => return Err(chain_down(e)),
						};
						let mut response =
							Json(PasscodeRefused { remaining_attempts: remaining }).into_response();
						*response.status_mut() = StatusCode::UNAUTHORIZED;
						response
					}
					Err(e) if ended(&e) => inactive(),
					Err(e) => chain_down(e),
				},
			);
		}
	}

	match state.submit(api::tx().share_links().record_opening(link, sealed)).await {
		Ok(_) => {}
		Err(e) if ended(&e) => return Err(inactive()),
		Err(e) => return Err(chain_down(e)),
	}
	if live.uses_left <= 1 {
		// That was the last use: what is served now is served from memory.
		state.files.remove(&link);
	}
	Ok(upload.files)
}

#[derive(Deserialize)]
pub(crate) struct DirectQuery {
	#[serde(default)]
	recipient: String,
}

/// `GET /shl/{manifest-id}?recipient=…`: a `U` link's one file, directly (no manifest, no
/// passcode: `U` is never given with `P`).
pub(crate) async fn direct(
	State(state): State<Arc<HostState>>,
	Path(manifest_id): Path<String>,
	axum::extract::Query(query): axum::extract::Query<DirectQuery>,
) -> Response {
	if query.recipient.trim().is_empty() {
		return refuse(StatusCode::BAD_REQUEST, "say who you are: ?recipient= must not be empty");
	}
	let link = link_id(&manifest_id);
	match state.files.get(&link) {
		Ok(Some(upload)) if upload.passcode.is_none() && upload.files.len() == 1 => {}
		// Direct access is for one file without a passcode; anything else is a manifest's.
		Ok(Some(_)) => {
			return refuse(
				StatusCode::BAD_REQUEST,
				"this link is opened with a manifest request (POST)",
			)
		}
		_ => return inactive(),
	}
	match open(&state, &manifest_id, &query.recipient, None).await {
		Ok(mut files) => match files.pop() {
			Some(file) => ([(header::CONTENT_TYPE, "application/jose")], file.jwe).into_response(),
			None => inactive(),
		},
		Err(refused) => refused,
	}
}

/// A file's one-time location: answered once, within the hour.
pub(crate) async fn file(
	State(state): State<Arc<HostState>>,
	Path(token): Path<String>,
) -> Response {
	let location = {
		let mut locations = state.locations.lock().unwrap_or_else(|e| e.into_inner());
		locations.remove(&token)
	};
	match location {
		Some(location) if location.until > Instant::now() => {
			([(header::CONTENT_TYPE, "application/jose")], location.jwe).into_response()
		}
		_ => inactive(),
	}
}
