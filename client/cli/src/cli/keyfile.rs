//! Keystores on disk (<home>/keys/<name>.json) and the password that opens them.

use std::path::{Path, PathBuf};

use medchain_client::{crypto::keys::Identity, crypto::keystore::KeystoreFile, ClientError};

/// `--home`, else `$HOME/.medchain`.
pub fn home(arg: &Option<PathBuf>) -> PathBuf {
	arg.clone().unwrap_or_else(|| {
		std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| ".".into()).join(".medchain")
	})
}

pub fn path(home: &Path, name: &str) -> Result<PathBuf, ClientError> {
	if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
		return Err(ClientError::Invalid(format!(
			"account name {name:?}: use letters, digits, '-' and '_' only"
		)));
	}
	Ok(home.join("keys").join(format!("{name}.json")))
}

/// `MEDCHAIN_PASSWORD`, else a prompt (twice when `confirm`).
pub fn password(prompt: &str, confirm: bool) -> Result<String, ClientError> {
	if let Ok(password) = std::env::var("MEDCHAIN_PASSWORD") {
		return Ok(password);
	}
	let first = rpassword::prompt_password(prompt).map_err(|e| {
		ClientError::Invalid(format!("cannot read a password ({e}); set MEDCHAIN_PASSWORD"))
	})?;
	if confirm && rpassword::prompt_password("Repeat the password: ")? != first {
		return Err(ClientError::Invalid("the passwords differ".into()));
	}
	Ok(first)
}

/// Seals `identity` under a new password into keystore `name`.
pub fn save(home: &Path, name: &str, identity: &Identity) -> Result<PathBuf, ClientError> {
	let path = path(home, name)?;
	if path.exists() {
		return Err(ClientError::Invalid(format!(
			"keystore {} exists; choose another --name (nothing was overwritten)",
			path.display()
		)));
	}
	let password = password("New keystore password: ", true)?;
	KeystoreFile::seal(identity, &password)?.save(&path)?;
	Ok(path)
}

/// The keystore `name`, without opening it.
pub fn load(home: &Path, name: &str) -> Result<(PathBuf, KeystoreFile), ClientError> {
	let path = path(home, name)?;
	if !path.exists() {
		return Err(ClientError::Invalid(format!(
			"no keystore {} (create one with `medchain account create --name {name}`)",
			path.display()
		)));
	}
	let file = KeystoreFile::load(&path)?;
	Ok((path, file))
}

/// Opens keystore `name` with the password.
pub fn open(home: &Path, name: &str) -> Result<Identity, ClientError> {
	let (path, file) = load(home, name)?;
	let password = password(&format!("Password for {name}: "), false)?;
	Ok(file.open(&password, &path.display().to_string())?)
}
