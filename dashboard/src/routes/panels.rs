//! The data behind each panel, read through the role APIs and shaped for display. Each panel
//! is a template of its own, included in the home page and served alone when the page
//! refreshes it after a live event.

use std::collections::HashMap;

use askama::Template;
use medchain_client::{
	roles::{directory, Session},
	storage::Backend,
	ClientError,
};
use subxt::utils::AccountId32;

use crate::format::{self, short};

pub type Sess = Session<Backend>;

/// Parses an SS58 address typed into a form.
pub fn account(text: &str) -> Result<AccountId32, crate::page::Problem> {
	text.trim().parse().map_err(|_| {
		crate::page::Problem::input(format!(
			"\u{201c}{}\u{201d} is not a MedChain account address (they start with 5 and are 48 characters long)",
			text.trim()
		))
	})
}

/// Display names of accounts, looked up once per page.
pub struct Names<'a> {
	session: &'a Sess,
	cache: HashMap<String, String>,
}

impl<'a> Names<'a> {
	pub fn new(session: &'a Sess) -> Self {
		Names { session, cache: HashMap::new() }
	}

	/// "Dr. Ada (doctor)" for a practitioner, "you", or the short address.
	pub async fn label(&mut self, account: &str) -> String {
		if let Some(known) = self.cache.get(account) {
			return known.clone();
		}
		let label = if account == self.session.account_id().to_string() {
			"you".to_string()
		} else {
			match account.parse::<AccountId32>() {
				Ok(who) => match self.session.account(&who).await {
					Ok(view) => match (view.name, view.role) {
						(Some(name), Some(role)) => format!("{name} ({role})"),
						// A patient is named only to those their profile is sealed to.
						(None, Some(role)) if role == "patient" => {
							match self.session.patient_name(&who).await {
								Some(name) => format!("{name} ({})", short(account)),
								None => format!("{} ({role})", short(account)),
							}
						}
						(None, Some(role)) => format!("{} ({role})", short(account)),
						_ => short(account),
					},
					Err(_) => short(account),
				},
				Err(_) => short(account),
			}
		};
		self.cache.insert(account.to_string(), label.clone());
		label
	}
}

pub struct ApptRow {
	pub id: u64,
	pub other: String,
	pub other_account: String,
	pub when: String,
	pub reason: String,
	pub status: String,
	pub requested: bool,
	pub accepted: bool,
	/// A request from a patient the doctor does not treat, which may be reported as spam.
	pub reportable: bool,
}

#[derive(Template)]
#[template(path = "parts/appointments.html")]
pub struct AppointmentsPanel {
	pub appointments: Vec<ApptRow>,
	pub doctor_view: bool,
}

pub async fn appointments(
	s: &Sess,
	names: &mut Names<'_>,
	doctor: bool,
) -> Result<Vec<ApptRow>, ClientError> {
	let list =
		if doctor { s.doctor().appointments().await? } else { s.patient().appointments().await? };
	let mut rows = Vec::new();
	for a in list.into_iter().rev() {
		let other_account = if doctor { a.patient.clone() } else { a.doctor.clone() };
		rows.push(ApptRow {
			id: a.id,
			other: names.label(&other_account).await,
			other_account,
			when: format::when(a.at),
			reason: a.reason,
			requested: a.status == "requested",
			reportable: a.status == "requested" && !a.known_patient,
			accepted: a.status == "accepted",
			status: a.status,
		});
	}
	Ok(rows)
}

pub struct RequestRow {
	pub id: u64,
	pub requester: String,
	pub requester_account: String,
	pub requester_status: String,
	pub verified: bool,
	pub scope: String,
	pub purpose: String,
	pub duration: String,
	pub hours: u32,
	/// The records the request covers, any of which the patient may grant alone.
	pub records: Vec<AskedRecord>,
}

/// A record a request covers, offered for a narrower grant.
pub struct AskedRecord {
	pub id: u64,
	pub label: String,
}

#[derive(Template)]
#[template(path = "parts/requests.html")]
pub struct RequestsPanel {
	pub requests: Vec<RequestRow>,
}

/// The requests still waiting for this patient's answer, with the requester's verified details.
pub async fn requests(s: &Sess, names: &mut Names<'_>) -> Result<Vec<RequestRow>, ClientError> {
	let mut rows = Vec::new();
	for r in s.patient().requests().await?.into_iter().filter(|r| r.status == "pending") {
		let who: AccountId32 =
			r.requester.parse().map_err(|_| ClientError::Chain("bad requester".into()))?;
		let view = s.account(&who).await?;
		let status = view.status.clone().unwrap_or_else(|| "not registered".into());
		let hours = (u64::from(r.duration) * format::BLOCK_SECONDS).div_ceil(3600).max(1) as u32;
		let records = s
			.patient()
			.records_asked(r.id)
			.await?
			.into_iter()
			.map(|record| AskedRecord {
				id: record.id,
				label: format!(
					"{} ({}, record {})",
					record.title.unwrap_or_else(|| "title unreadable".into()),
					record.kind,
					record.id
				),
			})
			.collect();
		rows.push(RequestRow {
			id: r.id,
			requester: names.label(&r.requester).await,
			requester_account: r.requester,
			verified: status.starts_with("Verified"),
			requester_status: status,
			scope: r.scope,
			purpose: r.purpose,
			duration: if hours == 1 { "1 hour".into() } else { format!("{hours} hours") },
			hours,
			records,
		});
	}
	Ok(rows)
}

pub struct GrantRow {
	pub id: u64,
	pub grantee: String,
	pub scope: String,
	pub keys: usize,
	pub expires: String,
	pub uses: String,
	pub emergency: bool,
}

#[derive(Template)]
#[template(path = "parts/grants.html")]
pub struct GrantsPanel {
	pub grants: Vec<GrantRow>,
}

fn uses(left: Option<u32>) -> String {
	match left {
		None => "unlimited uses".into(),
		Some(1) => "1 use left".into(),
		Some(n) => format!("{n} uses left"),
	}
}

pub async fn grants(
	s: &Sess,
	names: &mut Names<'_>,
	now: u32,
) -> Result<Vec<GrantRow>, ClientError> {
	let mut rows = Vec::new();
	for g in s.patient().grants().await? {
		rows.push(GrantRow {
			id: g.id,
			grantee: names.label(&g.grantee).await,
			scope: g.scope,
			keys: g.records.len(),
			expires: format::block(g.expires_at, now),
			uses: uses(g.uses_left),
			emergency: g.emergency,
		});
	}
	Ok(rows)
}

pub struct RecordRow {
	pub id: u64,
	pub title: String,
	pub kind: String,
	pub author: String,
	pub author_account: String,
	pub added: String,
	pub size: String,
	pub supersedes: Option<u64>,
	pub superseded_by: Option<u64>,
	/// In the patient's emergency summary.
	pub in_summary: bool,
}

#[derive(Template)]
#[template(path = "parts/records.html")]
pub struct RecordsPanel {
	pub records: Vec<RecordRow>,
}

pub async fn records(
	s: &Sess,
	names: &mut Names<'_>,
	now: u32,
) -> Result<Vec<RecordRow>, ClientError> {
	let mut rows = Vec::new();
	let summary = s.patient().summary().await?;
	for r in s.patient().records().await?.into_iter().rev() {
		rows.push(RecordRow {
			id: r.id,
			title: r.title.unwrap_or_else(|| "(title unreadable)".into()),
			kind: r.kind,
			author: names.label(&r.author).await,
			author_account: r.author,
			added: format::block(r.created_at, now),
			size: format::size(r.size),
			supersedes: r.supersedes,
			superseded_by: r.superseded_by,
			in_summary: summary.contains(&r.id),
		});
	}
	Ok(rows)
}

pub struct AuditRow {
	pub when: String,
	pub actor: String,
	pub actor_account: String,
	pub action: String,
	pub urgent: bool,
}

#[derive(Template)]
#[template(path = "parts/audit.html")]
pub struct AuditPanel {
	pub audit: Vec<AuditRow>,
}

/// Newest first; emergency access and reads of records are marked.
pub async fn audit(
	s: &Sess,
	names: &mut Names<'_>,
	now: u32,
) -> Result<Vec<AuditRow>, ClientError> {
	let mut rows = Vec::new();
	for e in s.patient().audit().await?.into_iter().rev() {
		let urgent = e.action.contains("emergency") || e.action.starts_with("read record");
		rows.push(AuditRow {
			when: format::block(e.block, now),
			actor: names.label(&e.actor).await,
			actor_account: e.actor,
			action: e.action,
			urgent,
		});
	}
	Ok(rows)
}

pub struct HeldRecord {
	pub id: u64,
	pub title: String,
	pub kind: String,
	pub prescription: bool,
	pub remaining: String,
}

pub struct HeldRow {
	pub grant: u64,
	pub patient: String,
	pub scope: String,
	pub expires: String,
	pub uses: String,
	pub emergency: bool,
	pub records: Vec<HeldRecord>,
}

#[derive(Template)]
#[template(path = "parts/held.html")]
pub struct HeldPanel {
	pub held: Vec<HeldRow>,
	pub pharmacy: bool,
}

/// The grants this practitioner holds, with the records each opens.
pub async fn held(
	s: &Sess,
	names: &mut Names<'_>,
	now: u32,
	pharmacy: bool,
) -> Result<Vec<HeldRow>, ClientError> {
	let mut rows = Vec::new();
	for g in s.held_grants().await? {
		let mut records = Vec::new();
		for id in &g.records {
			let Ok(r) = s.record(*id).await else { continue };
			let prescription = r.kind == "prescription";
			let remaining = if prescription && pharmacy {
				match s.pharmacy().dispensing(*id).await {
					Ok(d) => format!("{} of {} left", d.remaining, d.prescribed),
					Err(_) => String::new(),
				}
			} else {
				String::new()
			};
			records.push(HeldRecord {
				id: *id,
				title: r.title.unwrap_or_else(|| "(title unreadable)".into()),
				kind: r.kind,
				prescription,
				remaining,
			});
		}
		rows.push(HeldRow {
			grant: g.id,
			patient: names.label(&g.patient).await,
			scope: g.scope,
			expires: format::block(g.expires_at, now),
			uses: uses(g.uses_left),
			emergency: g.emergency,
			records,
		});
	}
	Ok(rows)
}

pub struct PractitionerRow {
	pub account: String,
	pub name: String,
	pub role: String,
	pub specialization: String,
	pub licence: String,
	pub credentials: String,
	pub status: String,
}

#[derive(Template)]
#[template(path = "parts/verifier.html")]
pub struct VerifierPanel {
	pub pending: Vec<PractitionerRow>,
	pub practitioners: Vec<PractitionerRow>,
	pub verifiers: Vec<String>,
}

pub async fn verifier(s: &Sess) -> Result<VerifierPanel, ClientError> {
	let all = directory::practitioners(&s.chain).await?;
	let row = |p: medchain_client::roles::views::AccountView| PractitionerRow {
		account: p.account,
		name: p.name.unwrap_or_default(),
		role: p.role.unwrap_or_default(),
		specialization: p.specialization.unwrap_or_default(),
		licence: p.licence.unwrap_or_default(),
		credentials: p.credentials.unwrap_or_default(),
		status: p.status.unwrap_or_default(),
	};
	let (pending, decided): (Vec<_>, Vec<_>) =
		all.into_iter().partition(|p| p.status.as_deref() == Some("Pending"));
	Ok(VerifierPanel {
		pending: pending.into_iter().map(row).collect(),
		practitioners: decided
			.into_iter()
			.filter(|p| {
				p.status.as_deref().is_some_and(|s| s.starts_with("Verified") || s == "Suspended")
			})
			.map(row)
			.collect(),
		verifiers: s.verifier().verifiers().await?.iter().map(|v| v.to_string()).collect(),
	})
}

pub struct PatientOption {
	pub account: String,
	pub label: String,
}

/// The patients this doctor treats (accepted appointments), for the upload form.
pub async fn patients(s: &Sess, names: &mut Names<'_>) -> Result<Vec<PatientOption>, ClientError> {
	let mut out = Vec::new();
	for p in s.doctor().patients().await? {
		let account = p.to_string();
		let name = names.label(&account).await;
		// A patient has no public name: then the short address is the label, shown once.
		let label = if name.contains(&short(&account)) {
			name
		} else {
			format!("{name} ({})", short(&account))
		};
		out.push(PatientOption { label, account });
	}
	Ok(out)
}

pub struct DoctorOption {
	pub account: String,
	pub label: String,
}

#[derive(Template)]
#[template(path = "parts/doctors.html")]
pub struct DoctorsList {
	pub doctors: Vec<DoctorOption>,
}

pub async fn doctors(s: &Sess, query: &str) -> Result<DoctorsList, ClientError> {
	let found = directory::find_doctors(&s.chain, query).await?;
	Ok(DoctorsList {
		doctors: found
			.into_iter()
			.map(|d| DoctorOption {
				label: format!(
					"{} · {}",
					d.name.unwrap_or_default(),
					d.specialization.unwrap_or_default()
				),
				account: d.account,
			})
			.collect(),
	})
}

pub struct LinkRow {
	/// On-chain id, hex.
	pub id: String,
	/// Its first eight hex digits, for element ids.
	pub short: String,
	pub label: String,
	pub records: String,
	pub expires: String,
	pub uses_left: u32,
	pub opened: u32,
	pub failed: u32,
}

#[derive(Template)]
#[template(path = "parts/links.html")]
pub struct LinksPanel {
	pub links: Vec<LinkRow>,
}

/// The patient's live SMART Health Links.
pub async fn links(s: &Sess, now: u32) -> Result<Vec<LinkRow>, ClientError> {
	Ok(s.patient()
		.links()
		.await?
		.into_iter()
		.map(|l| LinkRow {
			short: l.id[..8].to_string(),
			label: l.label.clone().unwrap_or_else(|| "Shared records".into()),
			records: l.records.iter().map(|r| format!("#{r}")).collect::<Vec<_>>().join(", "),
			expires: format::block(l.expires_at, now),
			uses_left: l.uses_left,
			opened: l.opened,
			failed: l.failed,
			id: l.id,
		})
		.collect())
}
