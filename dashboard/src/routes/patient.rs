//! The patient's actions: find a doctor and book, answer access requests, revoke grants.

use axum::{extract::Path, response::Response, Form};
use medchain_client::roles::patient::GrantTerms;

use super::{panels, Done, Search, Q};
use crate::{
	format,
	guard::Unlocked,
	page::{html, Problem},
};

/// Verified doctors matching the search, as the booking form's choices.
pub async fn doctors(
	Unlocked { user, .. }: Unlocked,
	Q(search): Q<Search>,
) -> Result<Response, Problem> {
	Ok(html(&panels::doctors(&user.session, &search.q).await?))
}

#[derive(serde::Deserialize)]
pub struct BookForm {
	#[serde(default)]
	doctor: String,
	at: String,
	reason: String,
}

pub async fn book(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<BookForm>,
) -> Result<Response, Problem> {
	if form.doctor.trim().is_empty() {
		return Err(Problem::input("Choose a doctor: search by name or specialization first."));
	}
	let doctor = panels::account(&form.doctor)?;
	let at = format::parse_when(&form.at).ok_or_else(|| {
		Problem::input("Give the appointment's date and time (e.g. 2027-01-15 09:30).")
	})?;
	if at <= format::now_ms() {
		return Err(Problem::input("Choose a date and time in the future."));
	}
	let id = user.session.patient().book(&doctor, at, form.reason.trim()).await?;
	Ok(Done::say(format!(
		"Appointment {id} requested for {}; the doctor will answer.",
		format::when(at)
	)))
}

/// Cancels an appointment; the pallet lets either the patient or the doctor do it.
pub async fn cancel(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.patient().cancel_appointment(id).await?;
	Ok(Done::say(format!("Appointment {id} cancelled.")))
}

#[derive(serde::Deserialize)]
pub struct GrantForm {
	hours: String,
	#[serde(default)]
	uses: String,
	/// `record-<id>` for each record ticked: grant only those.
	#[serde(flatten)]
	ticked: std::collections::BTreeMap<String, String>,
}

impl GrantForm {
	/// The ids of the records ticked, if any.
	fn only(&self) -> Result<Vec<u64>, Problem> {
		self.ticked
			.keys()
			.filter_map(|key| key.strip_prefix("record-"))
			.map(|id| {
				id.parse().map_err(|_| {
					Problem::input(format!(
						"\u{201c}{id}\u{201d} is not a record id; reload the page."
					))
				})
			})
			.collect()
	}
}

/// Hours of access typed into a form: 1 hour to a year, 24 when left empty.
pub fn hours(text: &str) -> Result<u32, Problem> {
	let hours: u32 = number(text, "Hours")?.unwrap_or(24);
	if hours == 0 || hours > 24 * 365 {
		return Err(Problem::input("Access lasts 1 hour to 365 days (8760 hours)."));
	}
	Ok(hours)
}

/// A number typed into a form, or a message saying which field is wrong.
pub fn number<T: std::str::FromStr>(text: &str, field: &str) -> Result<Option<T>, Problem> {
	let text = text.trim();
	if text.is_empty() {
		return Ok(None);
	}
	text.parse().map(Some).map_err(|_| {
		Problem::input(format!("{field} must be a whole number, not \u{201c}{text}\u{201d}."))
	})
}

pub async fn grant(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
	Form(form): Form<GrantForm>,
) -> Result<Response, Problem> {
	let hours = hours(&form.hours)?;
	let max_uses: Option<u32> = number(&form.uses, "Uses")?;
	if max_uses == Some(0) {
		return Err(Problem::input("Allow at least one use, or leave Uses empty for unlimited."));
	}
	let only = form.only()?;
	let terms = GrantTerms { blocks: format::hours_to_blocks(hours), max_uses };
	let patient = user.session.patient();
	let granted = if only.is_empty() {
		patient.grant(id, terms).await?
	} else {
		patient.grant_records(id, &only, terms).await?
	};
	let mut message = format!(
		"Granted (grant {}{}): {} record key(s) shared for {hours} h{}.",
		granted.grant,
		match only.as_slice() {
			[] => String::new(),
			ids => format!(
				", only record{} {}",
				if ids.len() == 1 { "" } else { "s" },
				ids.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
			),
		},
		granted.keys,
		match max_uses {
			Some(1) => ", one use".to_string(),
			Some(n) => format!(", {n} uses"),
			None => String::new(),
		}
	);
	if !granted.unreadable.is_empty() {
		message.push_str(&format!(
			" Records {:?} could not be shared: their key is unreadable.",
			granted.unreadable
		));
	}
	Ok(Done::say(message))
}

#[derive(serde::Deserialize)]
pub struct DenyForm {
	#[serde(default)]
	reason: String,
}

pub async fn deny(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
	Form(form): Form<DenyForm>,
) -> Result<Response, Problem> {
	user.session.patient().deny(id, form.reason.trim()).await?;
	Ok(Done::say(format!("Request {id} denied.")))
}

pub async fn revoke(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.patient().revoke(id).await?;
	Ok(Done::say(format!("Grant {id} revoked: no further read is allowed.")))
}

/// Puts a record in the emergency summary: a doctor under emergency access can open it while
/// the patient cannot answer.
pub async fn add_to_summary(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.patient().add_to_summary(id).await?;
	Ok(Done::say(format!(
		"Record {id} is in your emergency summary. A verified doctor who opens emergency \
		 access can read it without you; a threshold of colluding validators could too."
	)))
}

pub async fn remove_from_summary(
	Unlocked { user, .. }: Unlocked,
	Path(id): Path<u64>,
) -> Result<Response, Problem> {
	user.session.patient().remove_from_summary(id).await?;
	Ok(Done::say(format!("Record {id} left your emergency summary.")))
}

#[derive(serde::Deserialize)]
pub struct ProfileForm {
	name: String,
	birth_date: String,
	#[serde(default)]
	sex: String,
	#[serde(default)]
	phone: String,
}

/// Writes the profile, sealed to the patient and the practitioners who treat them.
pub async fn profile(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<ProfileForm>,
) -> Result<Response, Problem> {
	let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
	let profile = medchain_client::roles::profile::Profile {
		name: form.name.trim().to_string(),
		birth_date: form.birth_date.trim().to_string(),
		sex: optional(&form.sex),
		phone: optional(&form.phone),
	};
	user.session.patient().set_profile(&profile).await?;
	Ok(Done::say(
		"Profile saved: the doctors who treat you and the practitioners you granted can read it.",
	))
}
