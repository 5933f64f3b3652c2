//! Unlock, create, import and lock accounts; register as a patient or apply as a practitioner.

use std::{collections::HashMap, sync::Arc};

use axum::{
	extract::{multipart::MultipartError, Multipart, State},
	http::StatusCode,
	response::Response,
	Form,
};
use medchain_client::{
	crypto::{keys::Identity, keystore::KeystoreFile},
	roles::Application,
	storage::{no_progress, ContentStore},
	ClientError,
};
use zeroize::Zeroizing;

use super::go;
use crate::{
	guard::{Browser, Unlocked},
	page::Problem,
	state::{AppState, User, WebSession},
};

/// The smallest password a new keystore accepts.
const MIN_PASSWORD: usize = 8;

#[derive(serde::Deserialize)]
pub struct UnlockForm {
	name: String,
	password: String,
}

#[derive(serde::Deserialize)]
pub struct CreateForm {
	name: String,
	password: String,
	confirm: String,
}

#[derive(serde::Deserialize)]
pub struct ImportForm {
	name: String,
	phrase: String,
	password: String,
}

/// `<home>/keys/<name>.json`, for a name made of letters, digits, `-` and `_`.
fn keystore_path(state: &AppState, name: &str) -> Result<std::path::PathBuf, Problem> {
	let name = name.trim();
	if name.is_empty()
		|| name.len() > 64
		|| !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
	{
		return Err(Problem::input(
			"An account name uses letters, digits, '-' and '_' only (at most 64).",
		));
	}
	Ok(state.config.home.join("keys").join(format!("{name}.json")))
}

/// Argon2 takes a while: it runs off the async workers.
async fn blocking<T: Send + 'static>(
	job: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, Problem> {
	tokio::task::spawn_blocking(job)
		.await
		.map_err(|e| {
			Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Something failed", e.to_string())
		})?
		.map_err(Problem::from)
}

async fn sign_in(
	state: &AppState,
	browser: &WebSession,
	name: &str,
	me: Identity,
) -> Result<Response, Problem> {
	let session = state.open_session(me).await?;
	browser.unlock(User { name: name.trim().to_string(), session });
	Ok(go("/"))
}

pub async fn unlock(
	State(state): State<Arc<AppState>>,
	Browser(browser): Browser,
	Form(form): Form<UnlockForm>,
) -> Result<Response, Problem> {
	let path = keystore_path(&state, &form.name)?;
	if !path.exists() {
		return Err(Problem::input(format!(
			"There is no account named {} on this computer.",
			form.name.trim()
		)));
	}
	let password = Zeroizing::new(form.password);
	let me = blocking(move || {
		let file = KeystoreFile::load(&path)?;
		Ok(file.open(&password, &path.display().to_string())?)
	})
	.await?;
	sign_in(&state, &browser, &form.name, me).await
}

/// Seals `me` into a new keystore `name` (never overwriting one).
async fn save(
	state: &AppState,
	name: &str,
	me: &Identity,
	password: String,
) -> Result<(), Problem> {
	let path = keystore_path(state, name)?;
	if path.exists() {
		return Err(Problem::input(format!(
			"An account named {} exists already; choose another name (nothing was overwritten).",
			name.trim()
		)));
	}
	if password.chars().count() < MIN_PASSWORD {
		return Err(Problem::input(format!(
			"Choose a password of at least {MIN_PASSWORD} characters."
		)));
	}
	let password = Zeroizing::new(password);
	let phrase = Zeroizing::new(me.phrase().to_string());
	blocking(move || {
		let me = Identity::from_secret(&phrase)?;
		KeystoreFile::seal(&me, &password)?.save(&path)?;
		Ok(())
	})
	.await
}

pub async fn create(
	State(state): State<Arc<AppState>>,
	Browser(browser): Browser,
	Form(form): Form<CreateForm>,
) -> Result<Response, Problem> {
	if form.password != form.confirm {
		return Err(Problem::input("The two passwords differ."));
	}
	let me = Identity::generate();
	save(&state, &form.name, &me, form.password).await?;
	// Shown once on the next page, then forgotten.
	browser.set_fresh_phrase(me.phrase());
	sign_in(&state, &browser, &form.name, me).await
}

pub async fn import(
	State(state): State<Arc<AppState>>,
	Browser(browser): Browser,
	Form(form): Form<ImportForm>,
) -> Result<Response, Problem> {
	let phrase = Zeroizing::new(form.phrase);
	let me = Identity::from_phrase(&phrase).map_err(|e| {
		Problem::input(format!(
			"That recovery phrase is not valid ({e}). Check each word and their order."
		))
	})?;
	save(&state, &form.name, &me, form.password).await?;
	sign_in(&state, &browser, &form.name, me).await
}

pub async fn lock(Browser(browser): Browser) -> Response {
	browser.lock();
	go("/")
}

pub async fn register_patient(Unlocked { user, .. }: Unlocked) -> Result<Response, Problem> {
	user.session.patient().register().await?;
	Ok(go("/"))
}

/// The fields of a multipart form: text fields as strings, the files as bytes (a field
/// `<input type=file multiple>` sends one part per file).
pub struct Fields {
	pub text: HashMap<String, String>,
	pub files: Vec<(String, Vec<u8>)>,
}

/// How far past the upload limit a body is still read, and thrown away, before the answer.
///
/// A server that answers 413 and closes while the browser is still sending resets the
/// connection, and the browser shows a network error instead of the message (a lingering
/// close, as web servers do). Bodies beyond this are cut off.
pub const DRAIN: usize = 64 * 1024 * 1024;

/// Reads a multipart form whose one file field is `file_field`, of at most `limit` bytes of
/// content in all.
pub async fn fields(
	mut multipart: Multipart,
	file_field: &str,
	limit: usize,
) -> Result<Fields, Problem> {
	let too_big = || {
		Problem::new(
			StatusCode::PAYLOAD_TOO_LARGE,
			"File too large",
			format!(
				"The dashboard accepts files of up to {} MiB in one upload.",
				limit / (1024 * 1024)
			),
		)
	};
	let unreadable =
		|e: MultipartError| Problem::input(format!("The form could not be read ({e})."));
	let mut out = Fields { text: HashMap::new(), files: Vec::new() };
	let mut read = 0usize;
	loop {
		let over = read > limit;
		let mut field = match multipart.next_field().await {
			Ok(Some(field)) => field,
			Ok(None) if over => return Err(too_big()),
			Ok(None) => break,
			Err(e) if over || e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
			Err(e) => return Err(unreadable(e)),
		};
		let name = field.name().unwrap_or_default().to_string();
		let file_name = field.file_name().unwrap_or("file").to_string();
		let mut bytes = Vec::new();
		loop {
			match field.chunk().await {
				Ok(Some(chunk)) => {
					read = read.saturating_add(chunk.len());
					// Past the limit, the rest is only drained.
					if read <= limit {
						bytes.extend_from_slice(&chunk);
					}
				}
				Ok(None) => break,
				Err(e) if read > limit || e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
					return Err(too_big())
				}
				Err(e) => return Err(unreadable(e)),
			}
		}
		if read > limit {
			continue;
		}
		if name == file_field {
			out.files.push((file_name, bytes));
		} else {
			let value = String::from_utf8(bytes).map_err(|_| {
				Problem::input(format!("The {name} field is not text. Type it again."))
			})?;
			out.text.insert(name, value);
		}
	}
	Ok(out)
}

impl Fields {
	pub fn get(&self, name: &str) -> Result<&str, Problem> {
		match self.text.get(name).map(|v| v.trim()) {
			Some(v) if !v.is_empty() => Ok(v),
			_ => Err(Problem::input(format!("Fill in the {name} field."))),
		}
	}

	pub fn file(&self, what: &str) -> Result<&(String, Vec<u8>), Problem> {
		match self.files.first() {
			Some(file) if !file.1.is_empty() => Ok(file),
			_ => {
				Err(Problem::input(format!("Choose the {what} to upload (it must not be empty).")))
			}
		}
	}

	/// Every file sent, in order: at least one, and none empty.
	pub fn files(&self, what: &str) -> Result<&[(String, Vec<u8>)], Problem> {
		if self.files.is_empty() || self.files.iter().any(|(_, bytes)| bytes.is_empty()) {
			return Err(Problem::input(format!(
				"Choose the {what} to upload (none may be empty)."
			)));
		}
		Ok(self.files.as_slice())
	}
}

pub async fn apply(
	State(state): State<Arc<AppState>>,
	Unlocked { user, .. }: Unlocked,
	multipart: Multipart,
) -> Result<Response, Problem> {
	let form = fields(multipart, "credentials", state.config.max_upload).await?;
	let (_, document) = form.file("credentials document")?;
	let s = &user.session;
	// The verifier reads the document from storage, named by its CID on chain.
	let credentials = s
		.store
		.add(Box::new(std::io::Cursor::new(document.clone())), s.cid_version, no_progress())
		.await
		.map_err(ClientError::from)?;
	let application = Application {
		name: form.get("name")?.into(),
		specialization: form.get("specialization")?.into(),
		licence: form.get("licence")?.into(),
		credentials,
	};
	match form.get("role")? {
		"doctor" => s.doctor().apply(&application).await?,
		"hospital" => s.hospital().apply(&application).await?,
		"pharmacy" => s.pharmacy().apply(&application).await?,
		other => {
			return Err(Problem::input(format!(
				"{other:?} is not a role: choose doctor, hospital or pharmacy."
			)))
		}
	}
	Ok(go("/"))
}
