//! Doctors, hospitals and pharmacies: answer appointments, upload records, ask for access,
//! break the glass in an emergency, dispense.

use std::sync::{atomic::Ordering, Arc};

use askama::Template;
use axum::{
	extract::{Multipart, Path, State},
	response::Response,
	Form,
};
use medchain_client::{
	roles::{uploads::batch_title, MAX_WRITE_BATCH},
	runtime::medchain::runtime_types::medchain_primitives::Scope,
	storage::no_progress,
};

use super::{
	account::fields,
	job_view, panels,
	patient::{hours, number},
	Done, Q,
};
use crate::{
	format::{self, short},
	guard::Unlocked,
	jobs::{self, Job},
	page::{html, Problem},
	state::AppState,
};

pub async fn accept(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.doctor().accept(id).await?;
	Ok(Done::say(format!(
		"Appointment {id} accepted: you can now upload records for this patient."
	)))
}

pub async fn decline(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.doctor().decline(id, None).await?;
	Ok(Done::say(format!("Appointment {id} declined.")))
}

pub async fn report_spam(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.doctor().report_spam(id).await?;
	Ok(Done::say(format!("Appointment {id} declined as spam: its deposit is yours.")))
}

/// Starts an upload in the background and answers with its progress, which the page polls.
/// Several files go in one transaction, each its own record.
pub async fn upload(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
	multipart: Multipart,
) -> Result<Response, Problem> {
	let form = fields(multipart, "file", state.config.max_upload).await?;
	let patient = panels::account(form.get("patient")?)?;
	let title = form.get("title")?.to_string();
	let quantity = match form.get("kind")? {
		"report" => None,
		"prescription" => Some(
			number::<u32>(form.text.get("quantity").map(String::as_str).unwrap_or(""), "Quantity")?
				.filter(|q| *q > 0)
				.ok_or_else(|| Problem::input("A prescription needs a quantity of at least 1."))?,
		),
		other => {
			return Err(Problem::input(format!(
				"{other:?} is not a kind: choose report or prescription."
			)))
		}
	};
	let supersedes = number::<u64>(
		form.text.get("supersedes").map(String::as_str).unwrap_or(""),
		"Corrects record",
	)?;
	let chosen = form.files("file or files")?;
	if chosen.len() > MAX_WRITE_BATCH as usize {
		return Err(Problem::input(format!(
			"At most {MAX_WRITE_BATCH} files go in one upload; you chose {}.",
			chosen.len()
		)));
	}
	if chosen.len() > 1 && supersedes.is_some() {
		return Err(Problem::input(
			"A correction replaces one record: upload it on its own, without other files.",
		));
	}
	// The library encrypts from files; the plaintext lives in the private scratch directory
	// only until it is encrypted.
	let mut files = Vec::with_capacity(chosen.len());
	for (name, bytes) in chosen {
		let scratch = state.scratch()?;
		std::fs::write(scratch.path(), bytes).map_err(medchain_client::ClientError::from)?;
		// One title for several files: each record is told apart by its file's name.
		let title = if chosen.len() == 1 { title.clone() } else { batch_title(&title, name) };
		files.push(jobs::File { path: scratch.into_temp_path(), title });
	}
	let id = state.next_job.fetch_add(1, Ordering::Relaxed) + 1;
	let (one, many) =
		if quantity.is_some() { ("Prescription", "prescriptions") } else { ("Report", "reports") };
	let who = short(&patient.to_string());
	let what = match chosen.len() {
		1 => format!("{one} for {who}"),
		n => format!("{n} {many} for {who}, in one transaction"),
	};
	let total = chosen.iter().map(|(_, bytes)| bytes.len() as u64).sum();
	let job = Job::new(id, what, total);
	browser.jobs.lock().unwrap_or_else(|e| e.into_inner()).insert(id, job.clone());
	jobs::spawn_upload(job.clone(), user, jobs::Upload { patient, files, quantity, supersedes });
	Ok(html(&job_view(&job)))
}

#[derive(serde::Deserialize)]
pub struct AccessForm {
	patient: String,
	scope: String,
	purpose: String,
	hours: String,
}

pub async fn request_access(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<AccessForm>,
) -> Result<Response, Problem> {
	let patient = panels::account(&form.patient)?;
	let scope = match form.scope.as_str() {
		"reports" => Scope::Reports,
		"prescriptions" => Scope::Prescriptions,
		other => {
			return Err(Problem::input(format!(
				"{other:?} is not a scope: choose reports or prescriptions."
			)))
		}
	};
	let hours = hours(&form.hours)?;
	let id = user
		.session
		.doctor()
		.request_access(&patient, scope, form.purpose.trim(), format::hours_to_blocks(hours))
		.await?;
	Ok(Done::say(format!("Request {id} sent; the patient sees it now and decides.")))
}

#[derive(serde::Deserialize)]
pub struct EmergencyForm {
	patient: String,
	justification: String,
}

pub async fn emergency(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<EmergencyForm>,
) -> Result<Response, Problem> {
	let patient = panels::account(&form.patient)?;
	if form.justification.trim().is_empty() {
		return Err(Problem::input(
			"Emergency access needs a justification; the patient will read it.",
		));
	}
	let grant = user.session.doctor().emergency_access(&patient, form.justification.trim()).await?;
	Ok(Done::say(format!("Emergency access opened (grant {grant}); the patient has been alerted.")))
}

#[derive(serde::Deserialize)]
pub struct LookupQuery {
	#[serde(default)]
	account: String,
}

#[derive(Template)]
#[template(path = "parts/lookup.html")]
struct Lookup {
	text: String,
	patient: bool,
	account: String,
}

/// A hospital or pharmacy looks a patient up by account id.
pub async fn lookup(
	Unlocked { user, .. }: Unlocked,
	Q(query): Q<LookupQuery>,
) -> Result<Response, Problem> {
	let who = panels::account(&query.account)?;
	let view = user.session.account(&who).await?;
	let patient = view.role.as_deref() == Some("patient");
	let text = match view.role.as_deref() {
		Some("patient") => format!(
			"{} is a registered patient. Ask them for their prescriptions:",
			short(&view.account)
		),
		Some(role) => format!("{} is registered as a {role}, not a patient.", short(&view.account)),
		None => format!("{} is not registered on MedChain.", short(&view.account)),
	};
	Ok(html(&Lookup { text, patient, account: view.account }))
}

#[derive(serde::Deserialize)]
pub struct PrescriptionsForm {
	patient: String,
	purpose: String,
	hours: String,
}

pub async fn request_prescriptions(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<PrescriptionsForm>,
) -> Result<Response, Problem> {
	let patient = panels::account(&form.patient)?;
	let hours = hours(&form.hours)?;
	let s = &user.session;
	let role = s.account(&s.account_id()).await?.role.unwrap_or_default();
	let blocks = format::hours_to_blocks(hours);
	let id = match role.as_str() {
		"pharmacy" => {
			s.pharmacy().request_prescriptions(&patient, form.purpose.trim(), blocks).await?
		}
		_ => s.hospital().request_prescriptions(&patient, form.purpose.trim(), blocks).await?,
	};
	Ok(Done::say(format!("Request {id} sent; the patient sees it now and decides.")))
}

#[derive(serde::Deserialize)]
pub struct DispenseForm {
	quantity: String,
}

/// Dispenses and offers the decrypted prescription for the pharmacist to read.
pub async fn dispense(
	State(state): State<Arc<AppState>>,
	Unlocked { browser, user }: Unlocked,
	Path(id): Path<u64>,
	Form(form): Form<DispenseForm>,
) -> Result<Response, Problem> {
	let quantity: u32 = number(&form.quantity, "Quantity")?
		.filter(|q| *q > 0)
		.ok_or_else(|| Problem::input("Dispense a quantity of at least 1."))?;
	let out = state.scratch()?.into_temp_path();
	let done = user.session.pharmacy().dispense(id, quantity, &out, no_progress()).await?;
	let link = browser.offer(format!("prescription-{id}"), out);
	Ok(Done {
		message: format!(
			"Dispensed {} of prescription {id}; {} left.",
			done.quantity, done.remaining
		),
		link: Some(link),
		link_text: "Save the prescription".into(),
	}
	.changed())
}
