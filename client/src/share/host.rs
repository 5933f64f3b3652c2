//! Talking to a share host as a patient: what account it records openings with, and the signed
//! upload of a link's encrypted files. The host's side of this protocol is
//! `medchain share-host` (the dashboard crate's `share_host`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::{self, Keypair};

use crate::ClientError;

/// The header carrying the patient's signature of an upload.
pub const SIGNATURE_HEADER: &str = "x-medchain-signature";
/// The largest upload a host accepts, in bytes.
pub const MAX_UPLOAD: usize = 32 * 1024 * 1024;

/// What `GET /api/host` answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostInfo {
	/// The account the host signs openings and failures with: links name it on chain.
	pub account: AccountId32,
}

/// A passcode as the host keeps it: salted and hashed, so a copy of the host's disk does not
/// show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasscodeHash {
	pub salt: String,
	pub hash: String,
}

impl PasscodeHash {
	/// Hashes `passcode` with a fresh salt.
	pub fn new(passcode: &str) -> Self {
		use rand_core::{OsRng, RngCore};
		let mut salt = [0u8; 16];
		OsRng.fill_bytes(&mut salt);
		let salt = hex::encode(salt);
		let hash = Self::digest(&salt, passcode);
		PasscodeHash { salt, hash }
	}

	fn digest(salt: &str, passcode: &str) -> String {
		hex::encode(Sha256::digest([salt.as_bytes(), b"|", passcode.as_bytes()].concat()))
	}

	/// Whether `passcode` is the one hashed, compared in constant time.
	pub fn matches(&self, passcode: &str) -> bool {
		use subtle::ConstantTimeEq;
		Self::digest(&self.salt, passcode).as_bytes().ct_eq(self.hash.as_bytes()).into()
	}
}

/// One encrypted file of a link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadFile {
	pub content_type: String,
	/// Compact JWE.
	pub jwe: String,
}

/// What a patient uploads for a link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
	pub passcode: Option<PasscodeHash>,
	pub files: Vec<UploadFile>,
}

impl Upload {
	/// An upload of FHIR bundles `files` (compact JWEs), guarded by `passcode` if given.
	pub fn new(passcode: Option<&str>, files: Vec<String>) -> Self {
		Upload {
			passcode: passcode.map(PasscodeHash::new),
			files: files
				.into_iter()
				.map(|jwe| UploadFile { content_type: super::bundle::FHIR_JSON.into(), jwe })
				.collect(),
		}
	}
}

/// What the patient signs for an upload of `body` for link `id`: bound to the link and to the
/// exact bytes, so a signature cannot be replayed for other files or another link.
pub fn upload_message(id: &[u8; 32], body: &[u8]) -> Vec<u8> {
	[b"medchain share upload|".as_slice(), id, &Sha256::digest(body)].concat()
}

/// Whether `signature` (hex) is `patient`'s signature of [`upload_message`].
pub fn verify_upload(patient: &AccountId32, id: &[u8; 32], body: &[u8], signature: &str) -> bool {
	let Ok(bytes) = hex::decode(signature.trim_start_matches("0x")) else { return false };
	let Ok(bytes) = <[u8; 64]>::try_from(bytes) else { return false };
	sr25519::verify(
		&sr25519::Signature(bytes),
		upload_message(id, body),
		&sr25519::PublicKey(patient.0),
	)
}

/// A share host, by base URL.
pub struct HostClient {
	base: String,
	http: reqwest::Client,
}

impl HostClient {
	/// The host at `url` (`http://` or `https://`, without a path).
	pub fn new(url: &str) -> Result<Self, ClientError> {
		let base = url.trim_end_matches('/').to_string();
		if !(base.starts_with("https://") || base.starts_with("http://")) {
			return Err(ClientError::Invalid(format!(
				"{url} is not a share host's URL: give it as https://host[:port]"
			)));
		}
		Ok(HostClient { base, http: reqwest::Client::new() })
	}

	/// The manifest URL of a link whose random id is `manifest_id`.
	pub fn manifest_url(&self, manifest_id: &str) -> String {
		format!("{}/shl/{manifest_id}", self.base)
	}

	fn unreachable(&self, e: impl std::fmt::Display) -> ClientError {
		ClientError::Host { url: self.base.clone(), reason: e.to_string() }
	}

	/// The host's account.
	pub async fn info(&self) -> Result<HostInfo, ClientError> {
		let response = self
			.http
			.get(format!("{}/api/host", self.base))
			.send()
			.await
			.map_err(|e| self.unreachable(e))?;
		if !response.status().is_success() {
			return Err(self.unreachable(format!(
				"it answered {} to /api/host: is this a MedChain share host?",
				response.status()
			)));
		}
		response.json().await.map_err(|e| self.unreachable(e))
	}

	/// Uploads `upload` for link `id`, signed by `patient`.
	pub async fn upload(
		&self,
		id: &[u8; 32],
		upload: &Upload,
		patient: &Keypair,
	) -> Result<(), ClientError> {
		let body = serde_json::to_vec(upload).map_err(|e| ClientError::Invalid(e.to_string()))?;
		if body.len() > MAX_UPLOAD {
			return Err(ClientError::Invalid(format!(
				"the shared records make {} bytes; a host takes at most {MAX_UPLOAD}: share fewer \
				 records per link",
				body.len()
			)));
		}
		let signature = patient.sign(&upload_message(id, &body));
		let response = self
			.http
			.put(format!("{}/api/links/{}", self.base, hex::encode(id)))
			.header(reqwest::header::CONTENT_TYPE, "application/json")
			.header(SIGNATURE_HEADER, hex::encode(signature.0))
			.body(body)
			.send()
			.await
			.map_err(|e| self.unreachable(e))?;
		if response.status().is_success() {
			return Ok(());
		}
		let status = response.status();
		let text = response.text().await.unwrap_or_default();
		Err(ClientError::Host {
			url: self.base.clone(),
			reason: format!("upload refused ({status}): {text}"),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_passcode_matches_only_itself() {
		let hashed = PasscodeHash::new("1234");
		assert!(hashed.matches("1234"));
		assert!(!hashed.matches("1235"));
		assert_ne!(PasscodeHash::new("1234").salt, hashed.salt);
	}

	#[test]
	fn an_upload_signature_binds_patient_link_and_bytes() {
		let patient = Keypair::from_secret_key([7u8; 32]).unwrap();
		let who = AccountId32(patient.public_key().0);
		let id = [1u8; 32];
		let sig = hex::encode(patient.sign(&upload_message(&id, b"files")).0);
		assert!(verify_upload(&who, &id, b"files", &sig));
		assert!(!verify_upload(&who, &id, b"other files", &sig));
		assert!(!verify_upload(&who, &[2u8; 32], b"files", &sig));
		let other = Keypair::from_secret_key([8u8; 32]).unwrap();
		assert!(!verify_upload(&AccountId32(other.public_key().0), &id, b"files", &sig));
		assert!(!verify_upload(&who, &id, b"files", "not hex"));
	}
}
