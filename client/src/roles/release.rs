//! Two-lock records as a reader holds them, and the validators' release of the committee
//! part: after a read is recorded and final, each committee member's node answers with its
//! share sealed to the read's one-time key; any `t` shares that pass their proofs give `K_c`.

use std::time::Duration;

use cid::Cid;
use codec::Decode;
use medchain_threshold::{combine, seal, verify_share, DecryptionShare, Purpose, RistrettoPoint};
use serde::Deserialize;
use subxt::{
	rpcs::{rpc_params, RpcClient},
	utils::AccountId32,
};
use x25519_dalek::{PublicKey, StaticSecret};

use super::Session;
use crate::{
	crypto::{
		envelope,
		two_lock::{file_key, title_key, Part, RecordSecret},
		DataKey,
	},
	error::ClientError,
	runtime::medchain as api,
	storage::ContentStore,
};

/// A record's keys as this user holds them.
#[derive(Clone)]
pub(crate) enum RecordKeys {
	/// A record whose envelopes carry the whole data key (written before two-lock records,
	/// or while the chain had no committee key).
	Whole(DataKey),
	/// A two-lock record as its patient or author holds it: both parts, no validators needed.
	Both { envelope: Part, committee: Part },
	/// A two-lock record as a grantee holds it: the envelope part; the committee part comes
	/// from the validators after a recorded read.
	EnvelopePart(Part),
	/// A record of the patient's emergency summary read under emergency access: both parts
	/// come from the validators.
	Emergency,
}

impl RecordKeys {
	/// The key the title is sealed under, if this user has it without the validators.
	pub(crate) fn title_key(&self) -> Option<DataKey> {
		match self {
			RecordKeys::Whole(key) => Some(key.clone()),
			RecordKeys::Both { envelope, .. } | RecordKeys::EnvelopePart(envelope) => {
				Some(title_key(envelope))
			}
			RecordKeys::Emergency => None,
		}
	}

	/// The file key, if this user has it without the validators.
	pub(crate) fn file_key(&self) -> Option<DataKey> {
		match self {
			RecordKeys::Whole(key) => Some(key.clone()),
			RecordKeys::Both { envelope, committee } => Some(file_key(envelope, committee)),
			RecordKeys::EnvelopePart(_) | RecordKeys::Emergency => None,
		}
	}

	/// What a grantee's envelope for this record seals: the whole key of a single-lock
	/// record, only the envelope part of a two-lock one.
	pub(crate) fn for_grantee(&self) -> Option<DataKey> {
		match self {
			RecordKeys::Whole(key) => Some(key.clone()),
			RecordKeys::Both { envelope, .. } | RecordKeys::EnvelopePart(envelope) => {
				Some(DataKey(envelope.0))
			}
			RecordKeys::Emergency => None,
		}
	}

	/// Whether the validators must release a part before the file opens.
	pub(crate) fn needs_release(&self) -> bool {
		matches!(self, RecordKeys::EnvelopePart(_) | RecordKeys::Emergency)
	}
}

/// How a release went, for the user to see.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReleaseReport {
	/// The block the read was recorded in (and waited for to be final).
	pub read_block: u32,
	/// How many validators' shares passed their proofs.
	pub released_by: u16,
	/// The committee's size.
	pub members: u16,
	/// How many shares open a record.
	pub threshold: u16,
	/// Members whose answers failed their proofs (a faulty or dishonest validator).
	pub faulty: Vec<u16>,
	/// Milliseconds from the read's block being final (to this client) to the key.
	pub after_final_ms: u64,
}

impl std::fmt::Display for ReleaseReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(
			f,
			"read recorded in block #{}, finalized; keys released by {} of {} validators \
			 ({} needed) {} ms after finality",
			self.read_block, self.released_by, self.members, self.threshold, self.after_final_ms
		)?;
		if !self.faulty.is_empty() {
			write!(
				f,
				"; wrong shares from validator(s) {:?} were caught and skipped",
				self.faulty
			)?;
		}
		Ok(())
	}
}

/// The committee as a reader's client needs it to collect shares.
pub(crate) struct CommitteeView {
	members: u16,
	threshold: u16,
	/// Each member's verifying share, by index from 1.
	verifying: Vec<[u8; 32]>,
	/// Where each member serves its shares.
	endpoints: Vec<(u16, String)>,
}

/// A validator's answer, as `keyRelease_share` sends it.
#[derive(Deserialize)]
struct Answer {
	index: u16,
	sealed: String,
}

/// The error code a validator gives for a read that is not final yet.
const NOT_FINAL: i32 = 4001;

/// A fresh one-time X25519 key for one read.
pub fn one_time_key() -> (StaticSecret, [u8; 32]) {
	let secret = StaticSecret::random_from_rng(rand_core::OsRng);
	let public = PublicKey::from(&secret).to_bytes();
	(secret, public)
}

impl<S: ContentStore> Session<S> {
	/// Record `id`'s keys as this user holds them (`cid` is its CID; `patient` and `author`
	/// are its patient and author).
	pub(crate) async fn record_keys(
		&self,
		id: u64,
		cid: &Cid,
		patient: &AccountId32,
		author: &AccountId32,
	) -> Result<RecordKeys, ClientError> {
		let envelope = self
			.chain
			.view(api::view_functions().records().envelope(id, self.account_id()))
			.await?;
		let lock = self.chain.view(api::view_functions().key_release().lock(id)).await?;
		let me = self.account_id();
		match (envelope, lock) {
			(Some(sealed), None) => {
				Ok(RecordKeys::Whole(envelope::open(self.me.encryption_secret(), &sealed, cid)?))
			}
			(Some(sealed), Some(_)) => {
				let opened = envelope::open(self.me.encryption_secret(), &sealed, cid)?;
				if me == *patient || me == *author {
					let secret = RecordSecret(opened.0);
					Ok(RecordKeys::Both {
						envelope: secret.envelope_part(),
						committee: secret.committee_part(),
					})
				} else {
					Ok(RecordKeys::EnvelopePart(Part(opened.0)))
				}
			}
			(None, Some(lock)) if lock.emergency.is_some() && me != *patient => {
				Ok(RecordKeys::Emergency)
			}
			(None, _) => Err(ClientError::NoEnvelope { record: id }),
		}
	}

	/// The committee as releases need it, fetched once for all the records of one read
	/// (`first` names the record an error is reported for).
	pub(crate) async fn committee_view(&self, first: u64) -> Result<CommitteeView, ClientError> {
		let not_released =
			|reason: &str| ClientError::NotReleased { record: first, reason: reason.into() };
		let committee = self
			.chain
			.view(api::view_functions().key_release().committee())
			.await?
			.ok_or_else(|| not_released("the chain has no committee"))?;
		let key = committee.key.ok_or_else(|| not_released("the committee has no key yet"))?;
		let endpoints = self.chain.view(api::view_functions().key_release().endpoints()).await?;
		Ok(CommitteeView {
			members: committee.members.0.len() as u16,
			threshold: committee.threshold,
			verifying: key.verifying.0,
			endpoints: endpoints
				.into_iter()
				.map(|(index, url)| (index, String::from_utf8_lossy(&url).into_owned()))
				.collect(),
		})
	}

	/// Asks every member of `committee` for its share of record `id`'s committee part (and
	/// its emergency part, for an emergency read) for this user's read recorded at `block`,
	/// until `t` shares pass their proofs. Waits for the validators to see the read as final.
	pub(crate) async fn release(
		&self,
		committee: &CommitteeView,
		id: u64,
		block: u32,
		one_time: &StaticSecret,
		emergency: bool,
	) -> Result<(Part, Option<Part>, ReleaseReport), ClientError> {
		let started = std::time::Instant::now();
		let not_released = |reason: String| ClientError::NotReleased { record: id, reason };
		let lock = self
			.chain
			.view(api::view_functions().key_release().lock(id))
			.await?
			.ok_or_else(|| not_released("the record has no committee part".into()))?;
		let members = committee.members;
		let reader = self.account_id();
		let reader_text = reader.to_string();
		let ciphertexts: Vec<(Purpose, medchain_threshold::Ciphertext)> =
			std::iter::once((Purpose::Record, threshold_ciphertext(&lock.committee)))
				.chain(
					lock.emergency
						.as_ref()
						.filter(|_| emergency)
						.map(|(ct, _)| (Purpose::Emergency, threshold_ciphertext(ct))),
				)
				.collect();

		// Every member is asked at once: the fastest `t` honest answers decide, and a faulty
		// member is caught by its proof rather than trusted.
		let asked = committee.endpoints.iter().map(|(index, url)| {
			let reader_text = reader_text.clone();
			async move { (*index, url.clone(), ask(url, id, &reader_text, block).await) }
		});
		let answers = futures::future::join_all(asked).await;
		let mut shares: Vec<Vec<(u16, RistrettoPoint)>> = vec![Vec::new(); ciphertexts.len()];
		let mut faulty = Vec::new();
		let mut reasons = Vec::new();
		for (index, url, answer) in answers {
			let answer = match answer {
				Ok(answer) if answer.index == index => answer,
				Ok(answer) => {
					reasons.push(format!("validator {index} answered as member {}", answer.index));
					faulty.push(index);
					continue;
				}
				Err(reason) => {
					reasons.push(format!("validator {index} ({url}): {reason}"));
					continue;
				}
			};
			let info = seal::answer_info(id, reader.as_ref(), index);
			let opened = hex::decode(answer.sealed.trim_start_matches("0x"))
				.ok()
				.and_then(|sealed| seal::open(&one_time.to_bytes(), &info, &sealed).ok())
				.and_then(|plain| Vec::<(Purpose, DecryptionShare)>::decode(&mut &plain[..]).ok());
			let Some(parts) = opened else {
				reasons.push(format!(
					"validator {index}: its answer does not open with this read's key"
				));
				faulty.push(index);
				continue;
			};
			let Some(verifying) = committee.verifying.get(index as usize - 1) else { continue };
			// Every part's share must pass its proof against this member's verifying share.
			let mut good = Vec::new();
			for (purpose, ct) in &ciphertexts {
				let share =
					parts.iter().find(|(p, s)| p == purpose && s.index == index).map(|(_, s)| s);
				match share.map(|s| verify_share(verifying, ct, s)) {
					Some(Ok(point)) => good.push(point),
					_ => break,
				}
			}
			if good.len() == ciphertexts.len() {
				for (list, point) in shares.iter_mut().zip(good) {
					list.push((index, point));
				}
			} else {
				faulty.push(index);
				reasons.push(format!("validator {index}: its share fails its proof"));
			}
		}
		let released_by = shares[0].len() as u16;
		if released_by < committee.threshold {
			return Err(not_released(format!(
				"{released_by} of the {} shares needed ({})",
				committee.threshold,
				reasons.join("; ")
			)));
		}
		let mut parts = Vec::new();
		for ((_, ct), list) in ciphertexts.iter().zip(&shares) {
			let message = combine(ct, list, committee.threshold, members)
				.map_err(|e| not_released(e.to_string()))?;
			parts.push(Part(message));
		}
		let kp = parts.get(1).cloned();
		let report = ReleaseReport {
			read_block: block,
			released_by,
			members,
			threshold: committee.threshold,
			faulty,
			after_final_ms: started.elapsed().as_millis() as u64,
		};
		Ok((parts.swap_remove(0), kp, report))
	}
}

/// The chain's ciphertext type as the threshold crate's.
pub(crate) fn threshold_ciphertext(
	ct: &api::runtime_types::medchain_threshold::tdh2::Ciphertext,
) -> medchain_threshold::Ciphertext {
	medchain_threshold::Ciphertext { c: ct.c, u: ct.u, u_bar: ct.u_bar, e: ct.e, f: ct.f }
}

/// The threshold crate's ciphertext as the chain's type.
pub(crate) fn chain_ciphertext(
	ct: &medchain_threshold::Ciphertext,
) -> api::runtime_types::medchain_threshold::tdh2::Ciphertext {
	api::runtime_types::medchain_threshold::tdh2::Ciphertext {
		c: ct.c,
		u: ct.u,
		u_bar: ct.u_bar,
		e: ct.e,
		f: ct.f,
	}
}

/// Asks the validator at `url` for its share, retrying while the read is not final there
/// (its node may finalize a little after the reader's).
async fn ask(url: &str, id: u64, reader: &str, block: u32) -> Result<Answer, String> {
	let client = tokio::time::timeout(Duration::from_secs(10), RpcClient::from_insecure_url(url))
		.await
		.map_err(|_| "no answer within 10 s".to_string())?
		.map_err(|e| e.to_string())?;
	let mut waited = Duration::ZERO;
	loop {
		let answer = client.request::<Answer>("keyRelease_share", rpc_params![id, reader, block]);
		match tokio::time::timeout(Duration::from_secs(10), answer).await {
			Ok(Ok(answer)) => return Ok(answer),
			Ok(Err(subxt::rpcs::Error::User(e)))
				if e.code == NOT_FINAL && waited < Duration::from_secs(60) =>
			{
				tokio::time::sleep(Duration::from_millis(500)).await;
				waited += Duration::from_millis(500);
			}
			Ok(Err(subxt::rpcs::Error::User(e))) => return Err(e.message),
			Ok(Err(e)) => return Err(e.to_string()),
			Err(_) => return Err("no answer within 10 s".into()),
		}
	}
}
