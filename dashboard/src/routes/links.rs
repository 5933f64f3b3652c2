//! SMART Health Links in the dashboard: a patient shares ticked records through a share host
//! and revokes links; a practitioner's dashboard opens a link it was given, as any SHL viewer
//! would.

use std::sync::Arc;

use askama::Template;
use axum::{
	extract::{Path, State},
	response::Response,
	Form,
};
use medchain_client::{
	roles::links::ShareRequest,
	share::{qr, receive, ShLink},
};

use super::{patient::number, Done};
use crate::{
	guard::Unlocked,
	page::{html, Problem},
	state::AppState,
};

#[derive(serde::Deserialize)]
pub struct ShareForm {
	#[serde(default)]
	hours: String,
	#[serde(default)]
	uses: String,
	#[serde(default)]
	passcode: String,
	#[serde(default)]
	label: String,
	#[serde(default)]
	host: String,
	/// `record-<id>` for each record ticked.
	#[serde(flatten)]
	ticked: std::collections::BTreeMap<String, String>,
}

/// The link just made: shown once, with its QR code.
#[derive(Template)]
#[template(path = "parts/shared.html")]
struct Shared {
	uri: String,
	/// Inline SVG markup of the QR code.
	qr: String,
	uses: u32,
	passcode: bool,
	hours: u32,
}

pub async fn create(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<ShareForm>,
) -> Result<Response, Problem> {
	let records: Vec<u64> = form
		.ticked
		.keys()
		.filter_map(|key| key.strip_prefix("record-"))
		.map(|id| {
			id.parse()
				.map_err(|_| Problem::input("A ticked record is not a record id; reload the page."))
		})
		.collect::<Result<_, _>>()?;
	if records.is_empty() {
		return Err(Problem::input("Tick the records to share first."));
	}
	let hours: u32 = number(&form.hours, "Hours")?.unwrap_or(24);
	if hours == 0 || hours > 24 * 90 {
		return Err(Problem::input("A link lives 1 hour to 90 days (2160 hours)."));
	}
	let uses: u32 = number(&form.uses, "Uses")?.unwrap_or(1);
	if uses == 0 || uses > 100 {
		return Err(Problem::input("A link opens 1 to 100 times."));
	}
	let host = form.host.trim();
	if host.is_empty() {
		return Err(Problem::input(
			"Give the share host's address, e.g. https://share.your-hospital.org.",
		));
	}
	let passcode = Some(form.passcode.trim().to_string()).filter(|p| !p.is_empty());
	let label = Some(form.label.trim().to_string()).filter(|l| !l.is_empty());
	let request = ShareRequest {
		records,
		hours,
		blocks: None,
		uses,
		passcode: passcode.clone(),
		label,
		host: host.to_string(),
		direct: false,
	};
	let shared = user.session.patient().share_link(&request).await?;
	let uri = shared.link.to_uri();
	let svg = qr::svg(&uri).map_err(medchain_client::ClientError::from)?;
	// Inline in the page: the XML prolog has no place in HTML.
	let qr = match svg.find("<svg") {
		Some(start) => svg[start..].to_string(),
		None => svg,
	};
	let mut response = html(&Shared { uri, qr, uses, passcode: passcode.is_some(), hours });
	// Into the message area, and the panels reload (the new link is listed).
	super::reload_panels(&mut response);
	response.headers_mut().insert("hx-reswap", axum::http::HeaderValue::from_static("innerHTML"));
	Ok(response)
}

pub async fn revoke(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<String>,
) -> Result<Response, Problem> {
	user.session.patient().revoke_link(&id).await?;
	Ok(Done::say(format!("Link {} revoked: it opens no more.", &id[..id.len().min(8)])))
}

#[derive(serde::Deserialize)]
pub struct OpenForm {
	link: String,
	#[serde(default)]
	passcode: String,
	#[serde(default)]
	recipient: String,
}

/// Opens a link as its recipient and offers the bundle (and each document) as downloads.
pub async fn open(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, .. }: Unlocked,
	Form(form): Form<OpenForm>,
) -> Result<Response, Problem> {
	let link = ShLink::parse(&form.link).map_err(|e| Problem::input(e.to_string()))?;
	let recipient = form.recipient.trim();
	if recipient.is_empty() {
		return Err(Problem::input("Say who you are: the patient sees this name."));
	}
	let passcode = Some(form.passcode.trim()).filter(|p| !p.is_empty());
	let files = receive::open(&link, recipient, passcode).await?;
	let bundle =
		files.into_iter().next().ok_or_else(|| Problem::input("The link holds no file."))?;
	let out = state.scratch()?;
	std::fs::write(out.path(), &bundle.plaintext).map_err(medchain_client::ClientError::from)?;
	let documents = serde_json::from_slice::<serde_json::Value>(&bundle.plaintext)
		.ok()
		.and_then(|b| {
			b["entry"].as_array().map(|e| {
				e.iter().filter(|x| x["resource"]["resourceType"] == "DocumentReference").count()
			})
		})
		.unwrap_or(0);
	let download = browser.offer("shared-records.fhir.json".into(), out.into_temp_path());
	Ok(Done {
		message: format!(
			"{}: a FHIR bundle with {documents} document(s), decrypted here.",
			link.label.as_deref().unwrap_or("Shared records")
		),
		link: Some(download),
		link_text: "Save the FHIR bundle".into(),
	}
	.shown())
}
