//! `PUT /api/links/{id}`: a patient uploads a link's encrypted files.
//!
//! Accepted only when the chain has a live link with this id whose patient signed these exact
//! bytes; once per link (a link's files never change under its recipients).

use std::sync::Arc;

use axum::{
	body::Bytes,
	extract::{Path, State},
	http::{header, HeaderMap, StatusCode},
	response::Response,
};
use medchain_client::share::{
	bundle::FHIR_JSON,
	host::{verify_upload, Upload, SIGNATURE_HEADER},
};

use super::{refuse, HostState};

/// The most files one link carries.
const MAX_FILES: usize = 8;

pub(crate) async fn upload(
	State(state): State<Arc<HostState>>,
	Path(id): Path<String>,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let Some(link) = parse_id(&id) else {
		return refuse(StatusCode::NOT_FOUND, "not a link id: 64 hex digits expected");
	};
	let json = headers
		.get(header::CONTENT_TYPE)
		.and_then(|v| v.to_str().ok())
		.is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim() == "application/json"));
	if !json {
		return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the upload as application/json");
	}
	let Some(signature) = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()) else {
		return refuse(StatusCode::UNAUTHORIZED, "an upload must be signed by the link's patient");
	};
	let live = match state.live_link(link).await {
		Ok(Some(live)) => live,
		Ok(None) => {
			return refuse(
				StatusCode::NOT_FOUND,
				"no live link has this id: create it on chain first",
			)
		}
		Err(e) => {
			return refuse(StatusCode::SERVICE_UNAVAILABLE, format!("cannot read the chain: {e}"))
		}
	};
	if live.host != state.me.account_id() {
		return refuse(StatusCode::CONFLICT, "this link names another host on chain");
	}
	if !verify_upload(&live.patient, &link, &body, signature) {
		return refuse(StatusCode::FORBIDDEN, "the signature is not the link's patient's");
	}
	let upload: Upload = match serde_json::from_slice(&body) {
		Ok(upload) => upload,
		Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, format!("not an upload: {e}")),
	};
	if let Err(why) = check(&upload, live.passcode) {
		return refuse(StatusCode::UNPROCESSABLE_ENTITY, why);
	}
	match state.files.put_new(&link, &upload) {
		Ok(true) => refuse(StatusCode::CREATED, "stored"),
		Ok(false) => refuse(StatusCode::CONFLICT, "this link's files were uploaded already"),
		Err(e) => refuse(StatusCode::INSUFFICIENT_STORAGE, format!("cannot store the files: {e}")),
	}
}

fn parse_id(id: &str) -> Option<[u8; 32]> {
	hex::decode(id).ok()?.try_into().ok()
}

/// What the host can check without the key: a passcode exactly when the chain says so, one
/// to [`MAX_FILES`] files of a type SHL viewers accept, each a compact JWE of the kind the
/// specification names.
fn check(upload: &Upload, passcode_on_chain: bool) -> Result<(), String> {
	if upload.passcode.is_some() != passcode_on_chain {
		return Err("the link's passcode setting on chain and the upload disagree".into());
	}
	if upload.files.is_empty() || upload.files.len() > MAX_FILES {
		return Err(format!("a link carries 1 to {MAX_FILES} files"));
	}
	for file in &upload.files {
		if file.content_type != FHIR_JSON && file.content_type != "application/smart-health-card" {
			return Err(format!("files of type {} are not shared by links", file.content_type));
		}
		let header = medchain_client::share::jwe::protected_header(&file.jwe)
			.map_err(|e| format!("a file is not a compact JWE: {e}"))?;
		if header.cty.as_deref() != Some(file.content_type.as_str()) {
			return Err("a file's cty differs from its content type".into());
		}
	}
	Ok(())
}
