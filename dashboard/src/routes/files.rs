//! Files out of the dashboard: decrypted records, CAR exports and credentials documents, always
//! as attachments (never rendered on the dashboard's origin), each prepared by a POST and
//! served once.

use std::sync::Arc;

use axum::{
	extract::{Path, State},
	http::StatusCode,
	response::Response,
};
use medchain_client::{
	storage::{no_progress, ContentStore},
	ClientError,
};

use super::Done;
use crate::{
	guard::{Browser, Unlocked},
	page::{attachment, Problem},
	state::AppState,
};

/// Decrypts a record for this user: the patient's own, or one a grant covers (that read is
/// recorded on chain and uses one use of the grant).
pub async fn open(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	let out = state.scratch()?.into_temp_path();
	let read = user.session.read_record(id, &out, no_progress()).await?;
	let title = read.record.title.clone().unwrap_or_else(|| format!("record {id}"));
	let link = browser.offer(format!("record-{id}"), out);
	// A two-lock record read by a grantee went through three stages; say each.
	let stages = match &read.release {
		Some(r) => format!(
			" Read recorded in block #{} \u{2192} finalized \u{2192} keys released by {} of {} \
			 validators.{}",
			r.read_block,
			r.released_by,
			r.members,
			if r.faulty.is_empty() {
				String::new()
			} else {
				format!(" Wrong shares from validator(s) {:?} were caught and skipped.", r.faulty)
			}
		),
		None => String::new(),
	};
	Ok(Done {
		message: format!(
			"\u{201c}{title}\u{201d} decrypted and verified ({} bytes).{stages}",
			read.bytes
		),
		link: Some(link),
		link_text: "Save the file".into(),
	}
	.changed())
}

/// A record's encrypted blocks as a CARv1 (`ipfs dag import` takes it).
pub async fn export(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	let s = &user.session;
	let record = s.record(id).await?;
	let cid = record
		.cid
		.parse()
		.map_err(|e| ClientError::Chain(format!("record {id} has a bad CID: {e}")))?;
	let out = state.scratch()?.into_temp_path();
	let blocks =
		s.store.export_car(vec![cid], out.to_path_buf()).await.map_err(ClientError::from)?;
	let link = browser.offer(format!("record-{id}.car"), out);
	Ok(Done {
		message: format!("Record {id} exported: {blocks} encrypted blocks, root {}.", record.cid),
		link: Some(link),
		link_text: "Save the CAR file".into(),
	}
	.shown())
}

/// Every record of the signed-in patient as one CARv1, one root per record.
pub async fn export_all(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
) -> Result<Response, Problem> {
	let out = state.scratch()?.into_temp_path();
	let export = user.session.patient().export_history(out.to_path_buf()).await?;
	let link = browser.offer("medical-history.car".into(), out);
	Ok(Done {
		message: format!(
			"All {} records exported in one CAR file: {} encrypted blocks, one root per record.",
			export.records.len(),
			export.blocks
		),
		link: Some(link),
		link_text: "Save the CAR file".into(),
	}
	.shown())
}

/// The patient's whole history as one FHIR R4 bundle, records decrypted inline.
pub async fn export_fhir(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
) -> Result<Response, Problem> {
	let (bundle, summary) = user.session.patient().export_fhir(false).await?;
	let out = state.scratch()?;
	let json =
		serde_json::to_vec_pretty(&bundle).map_err(|e| ClientError::Invalid(e.to_string()))?;
	std::fs::write(out.path(), json).map_err(ClientError::from)?;
	let link = browser.offer("medical-history.fhir.json".into(), out.into_temp_path());
	Ok(Done {
		message: format!(
			"FHIR R4 bundle ready: {} documents, {} consents, {} audit events.",
			summary.documents, summary.consents, summary.audit_events
		),
		link: Some(link),
		link_text: "Download FHIR bundle".into(),
	}
	.shown())
}

/// Serves a prepared file once.
pub async fn download(
	Browser(browser): Browser,
	Path(id): Path<String>,
) -> Result<Response, Problem> {
	let prepared = browser.take_download(&id).ok_or_else(|| {
		Problem::new(
			StatusCode::NOT_FOUND,
			"Nothing to download",
			"Each prepared file is served once, and forgotten when the account locks. Open the record again.",
		)
	})?;
	let bytes = tokio::fs::read(&prepared.file).await.map_err(ClientError::from)?;
	Ok(attachment(&prepared.name, bytes))
}

/// A practitioner's credentials document, for the verifier to review.
pub async fn credentials(
	Unlocked { user, .. }: Unlocked,
	Path(cid): Path<String>,
) -> Result<Response, Problem> {
	let parsed: cid::Cid =
		cid.parse().map_err(|_| Problem::input(format!("{cid:?} is not a CID.")))?;
	let (bytes, _) = user
		.session
		.store
		.get(&parsed, Vec::new(), no_progress())
		.await
		.map_err(ClientError::from)?;
	Ok(attachment(&format!("credentials-{cid}"), bytes))
}
