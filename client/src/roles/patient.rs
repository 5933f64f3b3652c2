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
		runtime_types::{bounded_collections::bounded_vec::BoundedVec, medchain_primitives::Scope},
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

/// The chain's `MaxEnvelopes`: envelopes per `grant`/`add_envelopes` call.
const ENVELOPES_PER_CALL: usize = 64;

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
		Ok(list.iter().map(|(id, r)| RequestInfo::new(*id, r)).collect())
	}

	/// One access request.
	pub async fn request(&self, id: u64) -> Result<RequestInfo, ClientError> {
		let request = self
			.0
			.chain
			.view(api::view_functions().consent().request(id))
			.await?
			.ok_or(ClientError::UnknownRequest(id))?;
		Ok(RequestInfo::new(id, &request))
	}

	/// Grants request `request` on `terms`, sealing the key of every record its scope covers
	/// to the requester. Returns the grant's id.
	pub async fn grant(&self, request: u64, terms: GrantTerms) -> Result<u64, ClientError> {
		let req = self
			.0
			.chain
			.view(api::view_functions().consent().request(request))
			.await?
			.ok_or(ClientError::UnknownRequest(request))?;
		let envelopes = self.envelopes_for(&req.requester, &req.scope, &[]).await?;
		let expires_at = self.0.chain.best_number().await? + terms.blocks;
		let mut batches = envelopes.chunks(ENVELOPES_PER_CALL);
		let first = batches.next().map(<[_]>::to_vec).unwrap_or_default();
		let call =
			api::tx().consent().grant(request, expires_at, terms.max_uses, BoundedVec(first));
		let included = self.0.submit(call).await?;
		let grant = first_event::<api::consent::events::AccessGranted>(&included)?.grant;
		for batch in batches {
			self.0
				.submit(api::tx().consent().add_envelopes(grant, BoundedVec(batch.to_vec())))
				.await?;
		}
		Ok(grant)
	}

	/// Grants `grantee` access without a request (e.g. a pharmacy the patient walks into).
	pub async fn grant_access(
		&self,
		grantee: &AccountId32,
		scope: Scope,
		terms: GrantTerms,
	) -> Result<u64, ClientError> {
		let envelopes = self.envelopes_for(grantee, &scope, &[]).await?;
		if envelopes.len() > ENVELOPES_PER_CALL {
			return Err(ClientError::Invalid(format!(
				"{} records are in scope; grant at most {ENVELOPES_PER_CALL} at once",
				envelopes.len()
			)));
		}
		let expires_at = self.0.chain.best_number().await? + terms.blocks;
		let call = api::tx().consent().grant_access(
			*grantee,
			scope,
			expires_at,
			terms.max_uses,
			BoundedVec(envelopes),
		);
		let included = self.0.submit(call).await?;
		first_event::<api::consent::events::AccessGranted>(&included).map(|e| e.grant)
	}

	/// The key of every record of this patient that `scope` covers, sealed to `grantee`,
	/// except the records in `held` (the grantee has their keys already).
	async fn envelopes_for(
		&self,
		grantee: &AccountId32,
		scope: &Scope,
		held: &[u64],
	) -> Result<Vec<(u64, [u8; 80])>, ClientError> {
		let grantee_key = self.0.encryption_key_of(grantee).await?;
		let mut envelopes = Vec::new();
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
			let cid = record_cid(&record.cid.0)?;
			let key = self.0.record_key(id, &cid).await?;
			envelopes.push((id, envelope::seal(&grantee_key, &key, &cid)?));
		}
		Ok(envelopes)
	}

	/// Seals to the grantee the keys of every record `grant` covers that it holds no envelope
	/// for yet: records added after the grant, or an emergency grant. Returns how many.
	pub async fn share(&self, grant: u64) -> Result<usize, ClientError> {
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
		let envelopes = self.envelopes_for(&live.grantee, &live.scope, &live.envelopes.0).await?;
		for batch in envelopes.chunks(ENVELOPES_PER_CALL) {
			self.0
				.submit(api::tx().consent().add_envelopes(grant, BoundedVec(batch.to_vec())))
				.await?;
		}
		Ok(envelopes.len())
	}

	/// Denies request `request`, telling the requester why.
	pub async fn deny(&self, request: u64, reason: &str) -> Result<(), ClientError> {
		self.0
			.submit(api::tx().consent().deny(request, BoundedVec(reason.as_bytes().to_vec())))
			.await
			.map(drop)
	}

	/// Ends a grant now. What the grantee already downloaded stays with them (see
	/// docs/security.md); no new read is allowed.
	pub async fn revoke(&self, grant: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().consent().revoke(grant)).await.map(drop)
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

	/// This patient's records, titles decrypted.
	pub async fn records(&self) -> Result<Vec<RecordInfo>, ClientError> {
		let mut records = Vec::new();
		for id in self.0.record_ids(&self.0.account_id()).await? {
			records.push(self.0.record(id).await?);
		}
		Ok(records)
	}

	/// Who did what with this patient's data, oldest first.
	pub async fn audit(&self) -> Result<Vec<AuditInfo>, ClientError> {
		let trail = self
			.0
			.chain
			.view(api::view_functions().consent().audit_trail(self.0.account_id()))
			.await?;
		Ok(trail.iter().map(AuditInfo::new).collect())
	}
}
