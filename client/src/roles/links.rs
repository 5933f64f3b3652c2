//! SMART Health Links from the patient's side: share chosen records with anyone, for a while,
//! for a number of openings, optionally behind a passcode; list and revoke them.
//!
//! The records are decrypted on the patient's machine, put in one FHIR bundle, and encrypted
//! with a fresh key that only the link carries (compact JWE). The host stores that file and
//! never sees the key; the chain holds the link's terms and counts its use.

use subxt::utils::AccountId32;

use super::{Patient, Session};
use crate::{
	crypto::envelope,
	runtime::medchain::{self as api, runtime_types::bounded_collections::bounded_vec::BoundedVec},
	share::{bundle, host, jwe, link, ShLink},
	storage::ContentStore,
	ClientError,
};

/// The longest recipient name the host records (the runtime's `RECIPIENT_NAME_LEN`).
pub const RECIPIENT_NAME_LEN: usize = 64;
/// A recipient name sealed to the patient (the runtime's `SEALED_NAME_LEN`).
pub const SEALED_NAME_LEN: usize = 32 + RECIPIENT_NAME_LEN + 16;
/// The most openings one link may allow (the runtime's `MaxUses`).
pub const MAX_USES: u32 = 100;
/// The deposit held while a link lives (the runtime's `LinkDeposit`): 0.1 MED, in plancks.
pub const LINK_DEPOSIT: u128 = 100_000_000_000;
/// Seconds per block on MedChain's chains, to turn a link's expiry block into a time.
const BLOCK_SECONDS: u64 = 6;

/// What a patient asks for when sharing.
#[derive(Debug, Clone)]
pub struct ShareRequest {
	/// The records to share (the patient's own).
	pub records: Vec<u64>,
	/// How long the link lives.
	pub hours: u32,
	/// How long it lives in blocks instead, when given (integrators and tests).
	pub blocks: Option<u32>,
	/// How many times it may be opened.
	pub uses: u32,
	/// A passcode the recipient must type, if any.
	pub passcode: Option<String>,
	/// What a viewer shows (at most 80 characters).
	pub label: Option<String>,
	/// The share host's base URL, e.g. `https://share.example-hospital.org`.
	pub host: String,
	/// A `U` link: viewers fetch its one file directly, without a manifest request (never with
	/// a passcode).
	pub direct: bool,
}

/// A link just created.
#[derive(Debug, Clone)]
pub struct SharedLink {
	/// The link, key included: give it to the recipient, and keep it from everyone else.
	pub link: ShLink,
	/// Its on-chain id, hex.
	pub id: String,
	/// The block from which it no longer opens.
	pub expires_at: u32,
}

/// A live link, as its patient sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkInfo {
	/// On-chain id, hex.
	pub id: String,
	pub host: String,
	pub created_at: u32,
	pub expires_at: u32,
	pub uses_left: u32,
	pub passcode: bool,
	pub attempts_left: u32,
	pub opened: u32,
	pub failed: u32,
	/// What it shares, opened from the sealed description (`None` if it does not open).
	pub label: Option<String>,
	pub records: Vec<u64>,
}

/// What the chain keeps of a link's contents, sealed to the patient.
#[derive(serde::Serialize, serde::Deserialize)]
struct Description {
	label: Option<String>,
	records: Vec<u64>,
}

fn description_context(id: &[u8; 32]) -> Vec<u8> {
	[b"share link|".as_slice(), id].concat()
}

fn recipient_context(id: &[u8; 32]) -> Vec<u8> {
	[b"share link recipient|".as_slice(), id].concat()
}

/// Seals `name` (cut to [`RECIPIENT_NAME_LEN`] bytes, padded so its length does not show) to
/// the patient whose encryption key is `patient_key`, bound to link `id`: what a host records.
pub fn seal_recipient(
	patient_key: &[u8; 32],
	id: &[u8; 32],
	name: &str,
) -> Result<[u8; SEALED_NAME_LEN], ClientError> {
	let mut padded = [0u8; RECIPIENT_NAME_LEN];
	let mut end = name.len().min(RECIPIENT_NAME_LEN);
	while !name.is_char_boundary(end) {
		end -= 1;
	}
	padded[..end].copy_from_slice(&name.as_bytes()[..end]);
	let sealed = envelope::seal_note(patient_key, &recipient_context(id), &padded)?;
	sealed
		.try_into()
		.map_err(|_| ClientError::Invalid("a sealed recipient name has the wrong size".into()))
}

/// Seals `name` to `patient`'s registered encryption key for link `id`: what a host records
/// with each opening and failure.
pub async fn seal_recipient_for(
	chain: &crate::chain::Chain,
	patient: &AccountId32,
	id: &[u8; 32],
	name: &str,
) -> Result<[u8; SEALED_NAME_LEN], ClientError> {
	let key = chain
		.view(api::view_functions().registry().account(*patient))
		.await?
		.map(|info| info.encryption_key)
		.ok_or(ClientError::NotRegistered { who: *patient })?;
	seal_recipient(&key, id, name)
}

/// Opens a recipient name sealed by [`seal_recipient`], as the patient.
pub fn open_recipient(
	patient: &x25519_dalek::StaticSecret,
	id: &[u8; 32],
	sealed: &[u8],
) -> Result<String, ClientError> {
	let padded = envelope::open_note(patient, &recipient_context(id), sealed)?;
	let end = padded.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
	Ok(String::from_utf8_lossy(&padded[..end]).into_owned())
}

/// Parses a link id given as hex.
pub fn parse_link_id(hex_id: &str) -> Result<[u8; 32], ClientError> {
	let bytes = hex::decode(hex_id.trim_start_matches("0x"))
		.map_err(|_| ClientError::Invalid(format!("{hex_id} is not a link id (64 hex digits)")))?;
	bytes
		.try_into()
		.map_err(|_| ClientError::Invalid(format!("{hex_id} is not a link id (64 hex digits)")))
}

impl<S: ContentStore> Patient<'_, S> {
	/// Creates a SMART Health Link to `request.records` on the host at `request.host`: builds
	/// and encrypts the bundle, records the link on chain (holding [`LINK_DEPOSIT`]), then
	/// uploads the file, signed. If the upload fails the link is revoked again, so no link is
	/// left that opens nothing.
	pub async fn share_link(&self, request: &ShareRequest) -> Result<SharedLink, ClientError> {
		let session: &Session<S> = self.0;
		if request.records.is_empty() {
			return Err(ClientError::Invalid("choose at least one record to share".into()));
		}
		if request.uses == 0 || request.uses > MAX_USES {
			return Err(ClientError::Invalid(format!(
				"a link opens between 1 and {MAX_USES} times, not {}",
				request.uses
			)));
		}
		if request.direct && request.passcode.is_some() {
			return Err(ClientError::Invalid(
				"a direct (U) link cannot have a passcode: choose one or the other".into(),
			));
		}
		if request.hours == 0 {
			return Err(ClientError::Invalid("a link must live at least one hour".into()));
		}
		let host = host::HostClient::new(&request.host)?;
		let host_info = host.info().await?;
		let me = session.account_id();

		// The records, decrypted here and nowhere else.
		let scratch = tempfile::tempdir()?;
		let mut documents = Vec::new();
		for &id in &request.records {
			let info = session.record(id).await?;
			if info.patient != me.to_string() {
				return Err(ClientError::Invalid(format!("record {id} is not yours to share")));
			}
			let out = scratch.path().join(id.to_string());
			session.patient_view(id, &out).await?;
			documents.push(bundle::Document { info, content: std::fs::read(&out)? });
		}
		let person = self.profile_resource().await?;
		let bundle = bundle::documents_bundle(&me, person, &documents);
		let body = serde_json::to_vec(&bundle).map_err(|e| ClientError::Invalid(e.to_string()))?;

		let key = link::random_key();
		let manifest_id = link::random_manifest_id();
		let id = link::link_id(&manifest_id);
		let file = jwe::encrypt(&key, &body, bundle::FHIR_JSON, true)?;

		let blocks = request
			.blocks
			.unwrap_or_else(|| request.hours.saturating_mul(3600 / BLOCK_SECONDS as u32));
		if blocks == 0 {
			return Err(ClientError::Invalid("a link must live at least one block".into()));
		}
		let expires_at =
			session.chain.best_number().await?.checked_add(blocks).ok_or_else(|| {
				ClientError::Invalid("that expiry lies past the chain's last block".into())
			})?;
		let exp = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_secs())
			.unwrap_or(0)
			.saturating_add(u64::from(blocks) * BLOCK_SECONDS);
		let link = ShLink {
			url: host.manifest_url(&manifest_id),
			key,
			exp: Some(exp),
			flags: link::Flags {
				long_term: false,
				passcode: request.passcode.is_some(),
				direct: request.direct,
			},
			label: request.label.clone(),
			v: None,
		};
		// Checked before anything is signed: a link no viewer accepts is no use.
		link.validate()?;
		let description =
			Description { label: request.label.clone(), records: request.records.clone() };
		let plain =
			serde_json::to_vec(&description).map_err(|e| ClientError::Invalid(e.to_string()))?;
		let sealed = envelope::seal_note(
			&session.me.encryption_public(),
			&description_context(&id),
			&plain,
		)?;
		session
			.submit(api::tx().share_links().create(
				id,
				host_info.account,
				expires_at,
				request.uses,
				request.passcode.is_some(),
				BoundedVec(sealed),
			))
			.await?;

		let upload = host::Upload::new(request.passcode.as_deref(), vec![file]);
		if let Err(e) = host.upload(&id, &upload, session.me.signer()).await {
			// Best effort: the upload's error is the one to report.
			let _ = session.submit(api::tx().share_links().revoke(id)).await;
			return Err(e);
		}
		Ok(SharedLink { link, id: hex::encode(id), expires_at })
	}

	/// This patient's live links, oldest first, with what each shares.
	pub async fn links(&self) -> Result<Vec<LinkInfo>, ClientError> {
		let session = self.0;
		let links = session
			.chain
			.view(api::view_functions().share_links().patient_links(session.account_id()))
			.await?;
		Ok(links
			.into_iter()
			.map(|(id, link)| {
				let description = envelope::open_note(
					session.me.encryption_secret(),
					&description_context(&id),
					&link.sealed.0,
				)
				.ok()
				.and_then(|plain| serde_json::from_slice::<Description>(&plain).ok());
				LinkInfo {
					id: hex::encode(id),
					host: link.host.to_string(),
					created_at: link.created_at,
					expires_at: link.expires_at,
					uses_left: link.uses_left,
					passcode: link.passcode,
					attempts_left: link.attempts_left,
					opened: link.opened,
					failed: link.failed,
					label: description.as_ref().and_then(|d| d.label.clone()),
					records: description.map(|d| d.records).unwrap_or_default(),
				}
			})
			.collect())
	}

	/// Revokes link `id` (hex): its host answers 404 from the next block on.
	pub async fn revoke_link(&self, id: &str) -> Result<(), ClientError> {
		let id = parse_link_id(id)?;
		self.0.submit(api::tx().share_links().revoke(id)).await.map(drop)
	}

	/// The recipient name of an audit entry about link `id`, opened with this patient's key.
	pub fn recipient_name(&self, id: &[u8; 32], sealed: &[u8]) -> Option<String> {
		open_recipient(self.0.me.encryption_secret(), id, sealed).ok()
	}
}

/// The account the host at `url` records openings with, e.g. to check it before sharing.
pub async fn host_account(url: &str) -> Result<AccountId32, ClientError> {
	Ok(host::HostClient::new(url)?.info().await?.account)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_sealed_name_opens_to_the_name_and_has_one_size() {
		let patient = x25519_dalek::StaticSecret::from([9u8; 32]);
		let public = x25519_dalek::PublicKey::from(&patient).to_bytes();
		let id = [1u8; 32];
		let short = seal_recipient(&public, &id, "Dr Ada").unwrap();
		let long = seal_recipient(&public, &id, &"é".repeat(40)).unwrap();
		assert_eq!(short.len(), long.len());
		assert_eq!(open_recipient(&patient, &id, &short).unwrap(), "Dr Ada");
		// Cut at a character boundary, never inside one.
		assert_eq!(open_recipient(&patient, &id, &long).unwrap(), "é".repeat(32));
		// Bound to its link.
		assert!(open_recipient(&patient, &[2u8; 32], &short).is_err());
	}
}
