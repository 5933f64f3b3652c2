//! The patient: owns their history, books appointments, answers access requests, audits.

use subxt::utils::AccountId32;

use super::{
	first_event, record_cid,
	views::{covers, AppointmentInfo, AuditInfo, GrantInfo, RecordInfo, RequestInfo},
	Session,
};
use crate::{
	crypto::envelope,
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, medchain_primitives::Scope,
			pallet_consent::types::Request,
		},
	},
	storage::ContentStore,
};

/// The appointments pallet's `MaxReasonLen`: a reason is sealed twice (doctor, patient).
const MAX_REASON: usize = 1024;

/// What an appointment reason is bound to: this patient asking this doctor.
pub(crate) fn reason_context(patient: &AccountId32, doctor: &AccountId32) -> Vec<u8> {
	[patient.0.as_slice(), &doctor.0].concat()
}

/// Opens an appointment's sealed reason: the first half is the doctor's copy, the second the
/// patient's.
pub(crate) fn open_reason(
	me: &x25519_dalek::StaticSecret,
	appointment: &crate::runtime::medchain::runtime_types::pallet_appointments::pallet::Appointment,
	doctor: bool,
) -> String {
	let sealed = &appointment.reason.0;
	let half = sealed.len() / 2;
	let copy = if doctor { &sealed[..half] } else { &sealed[half..] };
	envelope::open_note(me, &reason_context(&appointment.patient, &appointment.doctor), copy)
		.map(|text| String::from_utf8_lossy(&text).into_owned())
		.unwrap_or_else(|_| "(unreadable)".into())
}

/// The chain's `MaxEnvelopes`: the most record keys one grant carries.
const MAX_ENVELOPES: usize = 64;

/// The chain's `MAX_LISTED_RECORDS`: the most records one scope lists.
pub const MAX_LISTED_RECORDS: usize = 32;

/// A grant the patient gave, and the records whose keys could not be shared.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Granted {
	/// The grant's id.
	pub grant: u64,
	/// How many record keys it carries (or, for `share`, were added).
	pub keys: usize,
	/// Records in scope whose key this patient could not open (a record written with a
	/// broken patient envelope): skipped, so that one bad record cannot block the rest.
	pub unreadable: Vec<u64>,
}

/// A patient's whole history written as one CAR file.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct HistoryExport {
	/// The records in it, oldest first; the CAR lists their CIDs as its roots in this order.
	pub records: Vec<u64>,
	/// Encrypted blocks written.
	pub blocks: u64,
}

/// The keys sealed for a scope, and the records skipped.
struct Sealed {
	envelopes: Vec<(u64, [u8; 80])>,
	unreadable: Vec<u64>,
}

impl Sealed {
	/// Refuses, before anything is submitted, more keys than one grant can carry.
	fn fit(&self, already: usize) -> Result<(), ClientError> {
		let total = already + self.envelopes.len();
		if total > MAX_ENVELOPES {
			return Err(ClientError::Invalid(format!(
				"{total} records would be in this grant; one grant carries at most \
				 {MAX_ENVELOPES} record keys: grant listed records, or several grants"
			)));
		}
		Ok(())
	}
}

/// How long a grant lasts and how often it may be used.
#[derive(Debug, Clone, Copy)]
pub struct GrantTerms {
	/// Blocks from now until the grant expires (6 s blocks: 600 = one hour).
	pub blocks: u32,
	/// Reads or dispenses allowed; `Some(1)` is a one-time grant, `None` unlimited.
	pub max_uses: Option<u32>,
}

/// The patient's API.
pub struct Patient<'a, S>(pub(crate) &'a Session<S>);

impl<S: ContentStore> Patient<'_, S> {
	/// Registers this account as a patient with its encryption key.
	pub async fn register(&self) -> Result<(), ClientError> {
		self.0
			.submit(api::tx().registry().register_patient(self.0.me.encryption_public(), None))
			.await
			.map(drop)
	}

	/// Asks `doctor` for an appointment at `at_ms` (Unix milliseconds). The reason is health
	/// information: it is sealed to the doctor and to the patient, never stored in the clear.
	/// Returns the appointment's id.
	pub async fn book(
		&self,
		doctor: &AccountId32,
		at_ms: u64,
		reason: &str,
	) -> Result<u64, ClientError> {
		let fits = MAX_REASON / 2 - envelope::NOTE_OVERHEAD;
		if reason.len() > fits {
			return Err(ClientError::Invalid(format!(
				"the reason is {} bytes; at most {fits} fit",
				reason.len()
			)));
		}
		let doctor_key = self.0.encryption_key_of(doctor).await?;
		let context = reason_context(&self.0.account_id(), doctor);
		let sealed = [
			envelope::seal_note(&doctor_key, &context, reason.as_bytes())?,
			envelope::seal_note(&self.0.me.encryption_public(), &context, reason.as_bytes())?,
		]
		.concat();
		let call = api::tx().appointments().request(*doctor, at_ms, BoundedVec(sealed));
		let included = self.0.submit(call).await?;
		first_event::<api::appointments::events::Requested>(&included).map(|e| e.id)
	}

	/// Cancels an appointment.
	pub async fn cancel_appointment(&self, id: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().appointments().cancel(id)).await.map(drop)
	}

	/// Removes a closed appointment from the chain and releases its deposit.
	pub async fn clear_appointment(&self, id: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().appointments().clear(id)).await.map(drop)
	}

	/// This patient's appointments.
	pub async fn appointments(&self) -> Result<Vec<AppointmentInfo>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().appointments().patient_appointments(self.0.account_id()))
			.await?;
		let me = self.0.me.encryption_secret();
		Ok(list
			.iter()
			.map(|(id, a)| AppointmentInfo::new(*id, a, open_reason(me, a, false)))
			.collect())
	}

	/// Access requests waiting for an answer.
	pub async fn requests(&self) -> Result<Vec<RequestInfo>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().consent().pending_requests(self.0.account_id()))
			.await?;
		let me = self.0.me.encryption_secret();
		Ok(list.iter().map(|(id, r)| RequestInfo::new(*id, r, Some(me))).collect())
	}

	/// One access request.
	pub async fn request(&self, id: u64) -> Result<RequestInfo, ClientError> {
		let request = self.request_entry(id).await?;
		Ok(RequestInfo::new(id, &request, Some(self.0.me.encryption_secret())))
	}

	/// The request's entry on chain.
	async fn request_entry(&self, request: u64) -> Result<Request, ClientError> {
		self.0
			.chain
			.view(api::view_functions().consent().request(request))
			.await?
			.ok_or(ClientError::UnknownRequest(request))
	}

	/// Grants request `request` on `terms`, sealing the key of every record its scope covers
	/// to the requester. Returns the grant's id.
	pub async fn grant(&self, request: u64, terms: GrantTerms) -> Result<Granted, ClientError> {
		self.answer(request, None, terms).await
	}

	/// Grants request `request` for only the records `records`, each of which the request
	/// must cover (a grant narrows a request, never widens it), and seals their keys to the
	/// requester.
	pub async fn grant_records(
		&self,
		request: u64,
		records: &[u64],
		terms: GrantTerms,
	) -> Result<Granted, ClientError> {
		if records.is_empty() {
			return Err(ClientError::Invalid(
				"choose at least one record to grant, or grant the request as asked".into(),
			));
		}
		if records.len() > MAX_LISTED_RECORDS {
			return Err(ClientError::Invalid(format!(
				"{} records chosen; a grant lists at most {MAX_LISTED_RECORDS}: grant the \
				 request as asked instead",
				records.len()
			)));
		}
		self.answer(request, Some(records), terms).await
	}

	async fn answer(
		&self,
		request: u64,
		only: Option<&[u64]>,
		terms: GrantTerms,
	) -> Result<Granted, ClientError> {
		let req = self.request_entry(request).await?;
		let only = only.map(|ids| BoundedVec(ids.to_vec()));
		let scope = match &only {
			Some(ids) => Scope::Records(BoundedVec(ids.0.clone())),
			None => req.scope,
		};
		let sealed = self.envelopes_for(&req.requester, &scope, &[]).await?;
		sealed.fit(0)?;
		let expires_at = expiry(self.0.chain.best_number().await?, terms.blocks)?;
		let keys = sealed.envelopes.len();
		let call = api::tx().consent().grant(
			request,
			expires_at,
			terms.max_uses,
			only,
			BoundedVec(sealed.envelopes),
		);
		let included = self.0.submit(call).await?;
		let grant = first_event::<api::consent::events::AccessGranted>(&included)?.grant;
		self.reseal_profile().await;
		Ok(Granted { grant, keys, unreadable: sealed.unreadable })
	}

	/// Grants `grantee` access without a request (e.g. a pharmacy the patient walks into).
	pub async fn grant_access(
		&self,
		grantee: &AccountId32,
		scope: Scope,
		terms: GrantTerms,
	) -> Result<Granted, ClientError> {
		let sealed = self.envelopes_for(grantee, &scope, &[]).await?;
		sealed.fit(0)?;
		let expires_at = expiry(self.0.chain.best_number().await?, terms.blocks)?;
		let keys = sealed.envelopes.len();
		let call = api::tx().consent().grant_access(
			*grantee,
			scope,
			expires_at,
			terms.max_uses,
			BoundedVec(sealed.envelopes),
		);
		let included = self.0.submit(call).await?;
		let grant = first_event::<api::consent::events::AccessGranted>(&included)?.grant;
		self.reseal_profile().await;
		Ok(Granted { grant, keys, unreadable: sealed.unreadable })
	}

	/// The key of every record of this patient that `scope` covers, sealed to `grantee`,
	/// except the records in `held` (the grantee has their keys already).
	async fn envelopes_for(
		&self,
		grantee: &AccountId32,
		scope: &Scope,
		held: &[u64],
	) -> Result<Sealed, ClientError> {
		let grantee_key = self.0.encryption_key_of(grantee).await?;
		let mut envelopes = Vec::new();
		let mut unreadable = Vec::new();
		for id in self.0.record_ids(&self.0.account_id()).await? {
			if held.contains(&id) {
				continue;
			}
			let Some(record) =
				self.0.chain.view(api::view_functions().records().record(id)).await?
			else {
				continue;
			};
			if !covers(scope, id, &record.kind) {
				continue;
			}
			let Ok(cid) = record_cid(&record.cid.0) else {
				unreadable.push(id);
				continue;
			};
			let keys = self.0.record_keys(id, &cid, &record.patient, &record.author).await;
			let key = match keys.map(|k| k.for_grantee()) {
				Ok(Some(key)) => key,
				Ok(None) => {
					unreadable.push(id);
					continue;
				}
				// A key this patient cannot open (its author sealed garbage): skip the record
				// and say so, rather than let it block every other record in scope.
				Err(ClientError::Crypto(_) | ClientError::NoEnvelope { .. }) => {
					unreadable.push(id);
					continue;
				}
				Err(other) => return Err(other),
			};
			envelopes.push((id, envelope::seal(&grantee_key, &key, &cid)?));
		}
		Ok(Sealed { envelopes, unreadable })
	}

	/// Seals to the grantee the keys of every record `grant` covers that it holds no envelope
	/// for yet: records added after the grant, or an emergency grant.
	pub async fn share(&self, grant: u64) -> Result<Granted, ClientError> {
		let (_, live) = self
			.0
			.chain
			.view(api::view_functions().consent().patient_grants(self.0.account_id()))
			.await?
			.into_iter()
			.find(|(id, _)| *id == grant)
			.ok_or_else(|| {
				ClientError::Invalid(format!("grant {grant} is not one of your live grants"))
			})?;
		// The chain refuses keys for a grant that no longer holds; say so before sealing any.
		if live.expires_at <= self.0.chain.best_number().await? || live.uses_left == Some(0) {
			return Err(ClientError::Invalid(format!(
				"grant {grant} has expired or its uses are spent: give a new grant instead"
			)));
		}
		let verified =
			self.0.chain.view(api::view_functions().registry().is_verified(live.grantee)).await?;
		if !verified {
			return Err(ClientError::Invalid(format!(
				"the grantee of grant {grant} is not verified right now: no keys are shared"
			)));
		}
		let sealed = self.envelopes_for(&live.grantee, &live.scope, &live.envelopes.0).await?;
		sealed.fit(live.envelopes.0.len())?;
		let keys = sealed.envelopes.len();
		if keys > 0 {
			self.0
				.submit(api::tx().consent().add_envelopes(grant, BoundedVec(sealed.envelopes)))
				.await?;
		}
		Ok(Granted { grant, keys, unreadable: sealed.unreadable })
	}

	/// Denies request `request`, telling the requester why. The reason may name a condition,
	/// so it is sealed to the requester.
	pub async fn deny(&self, request: u64, reason: &str) -> Result<(), ClientError> {
		let req = self.request_entry(request).await?;
		let requester_key = self.0.encryption_key_of(&req.requester).await?;
		let context = super::notes::deny_context(request, &self.0.account_id(), &req.requester);
		let sealed = envelope::seal_note(&requester_key, &context, reason.as_bytes())?;
		self.0.submit(api::tx().consent().deny(request, BoundedVec(sealed))).await.map(drop)
	}

	/// Ends a grant now. What the grantee already downloaded stays with them (see
	/// docs/security.md); no new read is allowed.
	pub async fn revoke(&self, grant: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().consent().revoke(grant)).await?;
		self.reseal_profile().await;
		Ok(())
	}

	/// Puts record `id` in this patient's emergency summary: its envelope part is encrypted
	/// to the validators' committee, bound to the record, so a verified doctor under
	/// emergency access can open it with no patient online. `t` colluding validators could
	/// open it too: put only what an emergency needs here (allergies, medications, problems).
	pub async fn add_to_summary(&self, id: u64) -> Result<(), ClientError> {
		let record = self
			.0
			.chain
			.view(api::view_functions().records().record(id))
			.await?
			.ok_or(ClientError::UnknownRecord(id))?;
		let cid = record_cid(&record.cid.0)?;
		let keys = self.0.record_keys(id, &cid, &record.patient, &record.author).await?;
		let envelope = match keys {
			super::release::RecordKeys::Both { envelope, .. } => envelope,
			_ => {
				return Err(ClientError::Invalid(format!(
					"record {id} is not a two-lock record of yours: only those join the \
					 emergency summary"
				)))
			}
		};
		let (epoch, public) = self.0.committee_key().await?.ok_or_else(|| {
			ClientError::Invalid("the validators have no committee key yet".into())
		})?;
		let sealed = crate::crypto::two_lock::lock_part(
			&public,
			epoch,
			medchain_threshold::Purpose::Emergency,
			(&record.patient.0, &record.author.0, &cid.to_bytes()),
			&envelope,
		)
		.map_err(|e| ClientError::Invalid(format!("the committee key: {e}")))?;
		let call =
			api::tx().key_release().add_to_summary(id, super::release::chain_ciphertext(&sealed));
		self.0.submit(call).await.map(drop)
	}

	/// Takes record `id` out of this patient's emergency summary (the deposit comes back).
	pub async fn remove_from_summary(&self, id: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().key_release().remove_from_summary(id)).await.map(drop)
	}

	/// The records of this patient's emergency summary.
	pub async fn summary(&self) -> Result<Vec<u64>, ClientError> {
		let ids = self.0.record_ids(&self.0.account_id()).await?;
		self.0.chain.view(api::view_functions().key_release().in_summary(ids)).await
	}

	/// After the readers of the profile changed: seals it to the new set. Best effort, after
	/// the call that changed them succeeded; a failure leaves the previous readers, and the
	/// next sync (`patient profile sync`, the dashboard's alerts) retries.
	async fn reseal_profile(&self) {
		let _ = self.sync_profile().await;
	}

	/// The grants this patient has given that are still live.
	pub async fn grants(&self) -> Result<Vec<GrantInfo>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().consent().patient_grants(self.0.account_id()))
			.await?;
		Ok(list.iter().map(|(id, g)| GrantInfo::new(*id, g)).collect())
	}

	/// This patient's records that request `request` asks for: the ones a grant of it may
	/// list with [`grant_records`](Self::grant_records). Titles decrypted.
	pub async fn records_asked(&self, request: u64) -> Result<Vec<RecordInfo>, ClientError> {
		let req = self.request_entry(request).await?;
		let mut asked = Vec::new();
		for id in self.0.record_ids(&self.0.account_id()).await? {
			let record = self.0.chain.view(api::view_functions().records().record(id)).await?;
			if record.is_some_and(|r| covers(&req.scope, id, &r.kind)) {
				asked.push(self.0.record(id).await?);
			}
		}
		Ok(asked)
	}

	/// Writes every record of this patient (corrections and the records they correct alike)
	/// as one CARv1 file at `path`, one root per record, for `ipfs dag import` on any IPFS
	/// node. The blocks stay encrypted: the file is a backup, not a disclosure.
	pub async fn export_history(
		&self,
		path: std::path::PathBuf,
	) -> Result<HistoryExport, ClientError> {
		let mut records = Vec::new();
		let mut roots = Vec::new();
		for id in self.0.record_ids(&self.0.account_id()).await? {
			if let Some(record) =
				self.0.chain.view(api::view_functions().records().record(id)).await?
			{
				roots.push(record_cid(&record.cid.0)?);
				records.push(id);
			}
		}
		if roots.is_empty() {
			return Err(ClientError::Invalid(
				"you have no records yet: there is nothing to export".into(),
			));
		}
		let blocks = self.0.store.export_car(roots, path).await?;
		Ok(HistoryExport { records, blocks })
	}

	/// This patient's records, titles decrypted.
	pub async fn records(&self) -> Result<Vec<RecordInfo>, ClientError> {
		let mut records = Vec::new();
		for id in self.0.record_ids(&self.0.account_id()).await? {
			records.push(self.0.record(id).await?);
		}
		Ok(records)
	}

	/// Who did what with this patient's data, oldest first, read a page at a time (the chain
	/// serves at most `MaxAuditPage` entries a call).
	pub async fn audit(&self) -> Result<Vec<AuditInfo>, ClientError> {
		let secret = self.0.me.encryption_secret();
		Ok(self.audit_entries().await?.iter().map(|entry| AuditInfo::new(entry, secret)).collect())
	}

	/// The audit trail as the chain stores it, oldest first.
	pub(crate) async fn audit_entries(
		&self,
	) -> Result<Vec<api::runtime_types::pallet_consent::types::AuditEntry>, ClientError> {
		let mut trail = Vec::new();
		loop {
			let from = trail.len() as u32;
			let (len, page) = self
				.0
				.chain
				.view(api::view_functions().consent().audit_page(
					self.0.account_id(),
					from,
					AUDIT_PAGE,
				))
				.await?;
			let last = page.is_empty() || from + page.len() as u32 >= len;
			trail.extend(page);
			if last {
				return Ok(trail);
			}
		}
	}
}

/// How many audit entries the client asks for at once: the runtime's `MaxAuditPage`.
const AUDIT_PAGE: u32 = 256;

/// The block a grant of `blocks` blocks starting after `best` expires at. Refused before
/// anything is signed when it lies past the last block number the chain can count, rather than
/// wrapping round to a block in the past.
fn expiry(best: u32, blocks: u32) -> Result<u32, ClientError> {
	best.checked_add(blocks).ok_or_else(|| {
		ClientError::Invalid(format!(
			"a grant of {blocks} blocks would end past the chain's last block number: ask for \
			 less time"
		))
	})
}

#[cfg(test)]
mod expiry_tests {
	use super::*;

	#[test]
	fn an_expiry_past_the_last_block_is_refused_not_wrapped() {
		assert_eq!(expiry(100, 600).unwrap(), 700);
		match expiry(100, u32::MAX) {
			Err(ClientError::Invalid(message)) => assert!(message.contains("less time")),
			other => panic!("expected a clear refusal, got {other:?}"),
		}
	}
}
