//! Every route of the dashboard. Pages are GETs; every change is a POST that the guard
//! checks for CSRF and that answers with a message for the page's message area.

mod account;
mod clinician;
mod files;
mod links;
mod panels;
mod patient;
mod verifier;

use std::sync::Arc;

use askama::Template;
use axum::{
	extract::{DefaultBodyLimit, Path, State},
	http::{header, StatusCode},
	middleware,
	response::{IntoResponse, Redirect, Response},
	routing::{get, post},
	Router,
};
use medchain_client::{crypto::keystore::KeystoreFile, roles::MAX_WRITE_BATCH};

use crate::{
	alerts,
	format::short,
	guard::{self, Browser, Unlocked},
	jobs::{Added, Job, Stage},
	page::{self, html, Problem},
	state::{AppState, WebSession},
};
use panels::Names;

pub fn router(state: Arc<AppState>) -> Router {
	let limit = state.config.max_upload;
	Router::new()
		.route("/", get(home))
		.route("/login/{token}", get(login))
		.route("/static/{file}", get(asset))
		.route("/events", get(events))
		.route("/panel/{name}", get(panel))
		.route("/jobs/{id}", get(job))
		.route("/downloads/{id}", get(files::download))
		.route("/credentials/{cid}", get(files::credentials))
		.route("/account/unlock", post(account::unlock))
		.route("/account/create", post(account::create))
		.route("/account/import", post(account::import))
		.route("/account/lock", post(account::lock))
		.route("/register/patient", post(account::register_patient))
		.route("/register/practitioner", post(account::apply))
		.route("/doctors", get(patient::doctors))
		.route("/appointments", post(patient::book))
		.route("/appointments/{id}/cancel", post(patient::cancel))
		.route("/appointments/{id}/accept", post(clinician::accept))
		.route("/appointments/{id}/decline", post(clinician::decline))
		.route("/appointments/{id}/spam", post(clinician::report_spam))
		.route("/requests/{id}/grant", post(patient::grant))
		.route("/requests/{id}/deny", post(patient::deny))
		.route("/grants/{id}/revoke", post(patient::revoke))
		.route("/links", post(links::create))
		.route("/links/{id}/revoke", post(links::revoke))
		.route("/links/open", post(links::open))
		.route("/records/{id}/open", post(files::open))
		.route("/records/{id}/summary", post(patient::add_to_summary))
		.route("/records/{id}/summary/remove", post(patient::remove_from_summary))
		.route("/records/{id}/export", post(files::export))
		.route("/records/export-all", post(files::export_all))
		.route("/records/export-fhir", post(files::export_fhir))
		.route("/profile", post(patient::profile))
		.route("/records/{id}/dispense", post(clinician::dispense))
		.route("/upload", post(clinician::upload))
		.route("/access", post(clinician::request_access))
		.route("/emergency", post(clinician::emergency))
		.route("/lookup", get(clinician::lookup))
		.route("/prescriptions/request", post(clinician::request_prescriptions))
		.route("/practitioners/{account}/{decision}", post(verifier::decide))
		.route("/verifiers", post(verifier::add))
		.route("/verifiers/{account}/remove", post(verifier::remove))
		.fallback(not_found)
		.layer(DefaultBodyLimit::max(limit.saturating_add(account::DRAIN)))
		.layer(middleware::from_fn_with_state(state.clone(), guard::protect))
		.with_state(state)
}

async fn not_found() -> Problem {
	Problem::new(StatusCode::NOT_FOUND, "No such page", "Go back to the dashboard's home page.")
}

/// The vendored scripts and the stylesheet, compiled into the binary.
async fn asset(Path(file): Path<String>) -> Response {
	let (body, kind): (&'static str, &str) = match file.as_str() {
		"htmx.min.js" => (include_str!("../../static/htmx.min.js"), "text/javascript"),
		"sse.js" => (include_str!("../../static/sse.js"), "text/javascript"),
		"style.css" => (include_str!("../../static/style.css"), "text/css"),
		_ => return not_found().await.into_response(),
	};
	([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// Trades the one-time link for the session cookie.
async fn login(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
	match state.redeem(&token) {
		Some(id) => {
			([(header::SET_COOKIE, guard::session_cookie(&state, &id))], Redirect::to("/"))
				.into_response()
		}
		None => Problem::new(
			StatusCode::FORBIDDEN,
			"This sign-in link does not work",
			"Each link works once, and only the one `medchain ui` printed last. Run `medchain ui` again for a new one.",
		)
		.into_response(),
	}
}

/// What every full page shows about the signed-in account.
pub struct Me {
	pub display: String,
	pub role: String,
	pub status: String,
	pub account: String,
}

struct KeyRow {
	name: String,
	short: String,
}

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockPage {
	csrf: String,
	me: Option<Me>,
	keystores: Vec<KeyRow>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
	csrf: String,
	me: Option<Me>,
	phrase: Option<String>,
	role: String,
	role_title: String,
	status: String,
	verified: bool,
	verifier: bool,
	needs_funds: bool,
	account: String,
	doctor_view: bool,
	pharmacy: bool,
	appointments: Vec<panels::ApptRow>,
	requests: Vec<panels::RequestRow>,
	grants: Vec<panels::GrantRow>,
	records: Vec<panels::RecordRow>,
	links: Vec<panels::LinkRow>,
	share_host: String,
	profile: medchain_client::roles::profile::Profile,
	audit: Vec<panels::AuditRow>,
	held: Vec<panels::HeldRow>,
	patients: Vec<panels::PatientOption>,
	/// The most files one upload takes (one transaction).
	max_batch: u32,
	pending: Vec<panels::PractitionerRow>,
	practitioners: Vec<panels::PractitionerRow>,
	verifiers: Vec<String>,
}

/// The keystores in `<home>/keys`, by name.
fn keystores(state: &AppState) -> Vec<KeyRow> {
	let mut rows: Vec<KeyRow> = std::fs::read_dir(state.config.home.join("keys"))
		.into_iter()
		.flatten()
		.flatten()
		.filter_map(|entry| {
			let path = entry.path();
			let name = path.file_stem()?.to_str()?.to_string();
			(path.extension()? == "json").then_some(())?;
			let file = KeystoreFile::load(&path).ok()?;
			Some(KeyRow { name, short: short(&file.account) })
		})
		.collect();
	rows.sort_by(|a, b| a.name.cmp(&b.name));
	rows
}

async fn home(State(state): State<Arc<AppState>>, Browser(browser): Browser) -> Response {
	let Some(user) = browser.user() else {
		return html(&UnlockPage {
			csrf: browser.csrf.clone(),
			me: None,
			keystores: keystores(&state),
		});
	};
	let share_host = state.config.share_host.clone().unwrap_or_default();
	match build_home(&browser, &user, &share_host).await {
		Ok(home) => html(&home),
		Err(problem) => problem.into_response(),
	}
}

async fn build_home(
	browser: &WebSession,
	user: &crate::state::User,
	share_host: &str,
) -> Result<Home, Problem> {
	let s = &user.session;
	let me = s.account_id();
	let view = s.account(&me).await?;
	let verifiers = s.verifier().verifiers().await?;
	let verifier = verifiers.contains(&me);
	let role = view.role.clone().unwrap_or_else(|| "none".into());
	let status = view.status.clone().unwrap_or_default();
	let now = s.chain.best_number().await?;
	let mut names = Names::new(s);
	let display = view.name.clone().unwrap_or_else(|| user.name.clone());
	let role_title = match (role.as_str(), verifier) {
		("none", true) => "Verifier".to_string(),
		("none", false) => "Not registered".to_string(),
		(r, _) => format!("{}{}", r[..1].to_uppercase(), &r[1..]),
	};
	let mut home = Home {
		csrf: browser.csrf.clone(),
		me: Some(Me {
			display,
			role: if verifier && role == "none" { "verifier".into() } else { role.clone() },
			status: status.clone(),
			account: me.to_string(),
		}),
		phrase: browser.take_fresh_phrase().map(|p| p.to_string()),
		verified: status.starts_with("Verified"),
		verifier,
		needs_funds: view.balance == 0,
		account: me.to_string(),
		doctor_view: role == "doctor",
		pharmacy: role == "pharmacy",
		appointments: vec![],
		requests: vec![],
		grants: vec![],
		records: vec![],
		links: vec![],
		share_host: share_host.to_string(),
		profile: medchain_client::roles::profile::Profile {
			name: String::new(),
			birth_date: String::new(),
			sex: None,
			phone: None,
		},
		audit: vec![],
		held: vec![],
		patients: vec![],
		max_batch: MAX_WRITE_BATCH,
		pending: vec![],
		practitioners: vec![],
		verifiers: vec![],
		role_title,
		status,
		role,
	};
	match home.role.as_str() {
		"patient" => {
			home.appointments = panels::appointments(s, &mut names, false).await?;
			home.requests = panels::requests(s, &mut names).await?;
			home.grants = panels::grants(s, &mut names, now).await?;
			home.records = panels::records(s, &mut names, now).await?;
			home.links = panels::links(s, now).await?;
			if let Some(profile) = s.patient().profile().await? {
				home.profile = profile;
			}
			home.audit = panels::audit(s, &mut names, now).await?;
		}
		"doctor" => {
			home.appointments = panels::appointments(s, &mut names, true).await?;
			home.patients = panels::patients(s, &mut names).await?;
			home.held = panels::held(s, &mut names, now, false).await?;
		}
		"hospital" | "pharmacy" => {
			home.held = panels::held(s, &mut names, now, home.pharmacy).await?;
		}
		_ => {}
	}
	if verifier {
		let v = panels::verifier(s).await?;
		home.pending = v.pending;
		home.practitioners = v.practitioners;
		home.verifiers = v.verifiers;
	}
	Ok(home)
}

/// One panel alone, for a refresh after a live event or an action.
async fn panel(
	Unlocked { user, .. }: Unlocked,
	Path(name): Path<String>,
) -> Result<Response, Problem> {
	let s = &user.session;
	let mut names = Names::new(s);
	let now = s.chain.best_number().await?;
	let role = s.account(&s.account_id()).await?.role.unwrap_or_default();
	Ok(match name.as_str() {
		"appointments" => html(&panels::AppointmentsPanel {
			appointments: panels::appointments(s, &mut names, role == "doctor").await?,
			doctor_view: role == "doctor",
		}),
		"requests" => {
			html(&panels::RequestsPanel { requests: panels::requests(s, &mut names).await? })
		}
		"grants" => {
			html(&panels::GrantsPanel { grants: panels::grants(s, &mut names, now).await? })
		}
		"records" => {
			html(&panels::RecordsPanel { records: panels::records(s, &mut names, now).await? })
		}
		"links" => html(&panels::LinksPanel { links: panels::links(s, now).await? }),
		"audit" => html(&panels::AuditPanel { audit: panels::audit(s, &mut names, now).await? }),
		"held" => html(&panels::HeldPanel {
			held: panels::held(s, &mut names, now, role == "pharmacy").await?,
			pharmacy: role == "pharmacy",
		}),
		"verifier" => html(&panels::verifier(s).await?),
		_ => return Err(not_found().await),
	})
}

/// Live alerts for the unlocked account (server-sent events).
async fn events(Unlocked { browser, user }: Unlocked) -> Response {
	let watched = Arc::downgrade(&user);
	let still_unlocked = move || {
		let current = browser.user();
		matches!((current, watched.upgrade()), (Some(a), Some(b)) if Arc::ptr_eq(&a, &b))
	};
	alerts::stream(user, still_unlocked).into_response()
}

/// How one upload job is displayed.
pub struct JobView {
	pub id: u64,
	pub what: String,
	pub percent: u64,
	pub s1: &'static str,
	pub s2: &'static str,
	pub s3: &'static str,
	pub s4: &'static str,
	/// The record of a one-file upload, shown in its stages.
	pub cid: String,
	pub block: u32,
	pub record: u64,
	/// Every record of a several-file upload, listed under its stages (empty for one file).
	pub batch: Vec<Added>,
	pub finished: bool,
	pub error: String,
}

#[derive(Template)]
#[template(path = "parts/job.html")]
pub struct JobPart {
	pub job: JobView,
}

pub fn job_view(job: &Job) -> JobPart {
	let stage = job.stage();
	let (s1, s2, s3, s4) = match &stage {
		Stage::Encrypting => ("now", "todo", "todo", "todo"),
		Stage::Submitted => ("done", "now", "todo", "todo"),
		Stage::InBlock { .. } => ("done", "done", "done", "now"),
		Stage::Finalized { .. } => ("done", "done", "done", "done"),
		Stage::Failed(..) => ("todo", "todo", "todo", "todo"),
	};
	let (records, block) = match &stage {
		Stage::InBlock { records, block } | Stage::Finalized { records, block } => {
			(records.clone(), *block)
		}
		_ => (Vec::new(), 0),
	};
	let (cid, record) = match records.as_slice() {
		[one] => (one.cid.clone(), one.record),
		_ => (String::new(), 0),
	};
	let batch = if records.len() > 1 { records } else { Vec::new() };
	let error = match &stage {
		Stage::Failed(detail, Some(hint)) => format!("{detail} ({hint})"),
		Stage::Failed(detail, None) => detail.clone(),
		_ => String::new(),
	};
	JobPart {
		job: JobView {
			id: job.id,
			what: job.what.clone(),
			percent: if matches!(stage, Stage::Encrypting) { job.percent() } else { 100 },
			s1,
			s2,
			s3,
			s4,
			cid,
			block,
			record,
			batch,
			finished: job.finished(),
			error,
		},
	}
}

async fn job(Browser(browser): Browser, Path(id): Path<u64>) -> Result<Response, Problem> {
	let job = browser.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned().ok_or_else(
		|| {
			Problem::new(
				StatusCode::NOT_FOUND,
				"No such upload",
				"It belongs to a locked session, or never existed.",
			)
		},
	)?;
	let mut response = html(&job_view(&job));
	if job.finished() {
		// Lists that show the new record reload.
		reload_panels(&mut response);
	}
	Ok(response)
}

/// Makes the panels listening for `changed` reload once `response` is swapped in.
///
/// After the swap, not before (`HX-Trigger`): a live refresh may replace the panel holding
/// the button while its request is under way. `HX-Trigger` then fires on the detached button,
/// where no panel hears it; an after-swap trigger falls back to the page's body.
pub fn reload_panels(response: &mut Response) {
	response
		.headers_mut()
		.insert("hx-trigger-after-swap", header::HeaderValue::from_static("changed"));
}

/// A success message for the message area; panels listening for `changed` reload.
#[derive(Template)]
#[template(path = "parts/done.html")]
pub struct Done {
	pub message: String,
	pub link: Option<String>,
	pub link_text: String,
}

impl Done {
	pub fn say(message: impl Into<String>) -> Response {
		Done { message: message.into(), link: None, link_text: String::new() }.changed()
	}

	pub fn changed(self) -> Response {
		let mut response = self.shown();
		reload_panels(&mut response);
		response
	}

	/// Into the message area, whatever swap the form inherits from its panel.
	pub fn shown(self) -> Response {
		let mut response = html(&self);
		response.headers_mut().insert("hx-reswap", header::HeaderValue::from_static("innerHTML"));
		response
	}
}

/// Query of the doctor search.
#[derive(serde::Deserialize)]
pub struct Search {
	#[serde(default)]
	pub q: String,
}

pub(crate) use axum::extract::Query as Q;
pub(crate) use page::go;
