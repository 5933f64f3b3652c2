//! Hospitals and pharmacies: they ask patients for prescriptions; pharmacies dispense them.

use std::path::Path;

use subxt::utils::AccountId32;

use super::{doctor::request_access, first_event, record_cid, Application, ReadRecord, Session};
use crate::{
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::medchain_primitives::{Role, Scope},
	},
	storage::{ContentStore, Progress},
};

/// What hospitals and pharmacies share: applying, asking patients for their prescriptions,
/// reading what was granted. A hospital is exactly this; a pharmacy also dispenses.
pub struct Institution<'a, S> {
	pub(crate) session: &'a Session<S>,
	pub(crate) role: Role,
}

/// The hospital's API.
pub type Hospital<'a, S> = Institution<'a, S>;

impl<S: ContentStore> Institution<'_, S> {
	/// "hospital" or "pharmacy".
	pub fn role_name(&self) -> &'static str {
		super::views::role_name(&self.role)
	}

	/// Applies as this kind of institution; a verifier reviews the credentials and verifies.
	pub async fn apply(&self, application: &Application) -> Result<(), ClientError> {
		self.session.apply(self.role, application).await
	}

	/// Asks `patient` for their prescriptions for `blocks` blocks. Returns the request id.
	pub async fn request_prescriptions(
		&self,
		patient: &AccountId32,
		purpose: &str,
		blocks: u32,
	) -> Result<u64, ClientError> {
		self.session.ensure_verified(self.role).await?;
		request_access(self.session, patient, Scope::Prescriptions, purpose, blocks).await
	}

	/// Reads and decrypts a record this institution was granted (one use of the grant).
	pub async fn view(
		&self,
		record: u64,
		out: &Path,
		progress: Progress,
	) -> Result<ReadRecord, ClientError> {
		self.session.read_record(record, out, progress).await
	}

	/// Reads several records of one patient this institution was granted into `dir`, with one
	/// extrinsic recording all the reads (one use of the grant each).
	pub async fn view_records(
		&self,
		records: &[u64],
		dir: &Path,
		progress: Progress,
	) -> Result<Vec<ReadRecord>, ClientError> {
		self.session.read_records(records, dir, progress).await
	}
}

/// The pharmacy's API: an institution that also dispenses.
pub struct Pharmacy<'a, S>(pub(crate) Institution<'a, S>);

impl<'a, S> std::ops::Deref for Pharmacy<'a, S> {
	type Target = Institution<'a, S>;

	fn deref(&self) -> &Self::Target {
		&self.0
	}
}

/// How much of a prescription is left.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct DispenseState {
	pub prescribed: u32,
	pub dispensed: u32,
	pub remaining: u32,
}

/// A dispense as the chain recorded it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dispensed {
	pub record: u64,
	pub quantity: u32,
	pub remaining: u32,
}

impl<S: ContentStore> Pharmacy<'_, S> {
	/// How much of prescription `record` was prescribed and dispensed.
	pub async fn dispensing(&self, record: u64) -> Result<DispenseState, ClientError> {
		let state = self
			.session
			.chain
			.view(api::view_functions().records().dispensing(record))
			.await?
			.ok_or(ClientError::Invalid(format!("record {record} is not a prescription")))?;
		Ok(DispenseState {
			prescribed: state.prescribed,
			dispensed: state.dispensed,
			remaining: state.prescribed.saturating_sub(state.dispensed),
		})
	}

	/// Dispenses `quantity` of prescription `record`. The prescription is decrypted to `out`
	/// first, so the pharmacist sees what they hand out; the dispense itself is the audited use
	/// of the grant (a one-time grant covers exactly one dispense).
	pub async fn dispense(
		&self,
		record: u64,
		quantity: u32,
		out: &Path,
		progress: Progress,
	) -> Result<Dispensed, ClientError> {
		self.session.ensure_verified(Role::Pharmacy).await?;
		let allowed = self
			.session
			.chain
			.view(api::view_functions().records().can_read(self.session.account_id(), record))
			.await?;
		let entry = self
			.session
			.chain
			.view(api::view_functions().records().record(record))
			.await?
			.ok_or(ClientError::UnknownRecord(record))?;
		if !allowed {
			return Err(ClientError::Dispatch {
				pallet: "Records".into(),
				error: "NoAccess".into(),
				docs: "no live grant covers this prescription: ask the patient".into(),
			});
		}
		// Refuse what the chain would refuse before anything is decrypted.
		if let Some(newer) = entry.superseded_by {
			return Err(ClientError::Invalid(format!(
				"prescription {record} was corrected by record {newer}: dispense that one"
			)));
		}
		let state = self.dispensing(record).await?;
		if quantity == 0 || quantity > state.remaining {
			return Err(ClientError::Invalid(format!(
				"{quantity} requested, {} of {} remain on prescription {record}",
				state.remaining, state.prescribed
			)));
		}
		let cid = record_cid(&entry.cid.0)?;
		let keys = self.session.record_keys(record, &cid, &entry.patient, &entry.author).await?;
		let event = match keys.file_key() {
			Some(key) => {
				self.session.fetch_decrypted(&cid, &key, out, progress).await?;
				let call = api::tx().records().dispense(record, quantity, None);
				let included = self.session.submit(call).await?;
				first_event::<api::records::events::Dispensed>(&included)?
			}
			None => {
				// A two-lock prescription: verify the ciphertext, dispense with a one-time
				// key, and open the file with the part the validators release once final.
				let ciphertext = self.session.fetch_ciphertext(&cid, out, progress).await?;
				let (secret, public) = super::release::one_time_key();
				let call = api::tx().records().dispense(record, quantity, Some(public));
				let included = self
					.session
					.chain
					.submit(&call, self.session.me.signer(), crate::chain::Wait::Finalized)
					.await?;
				let block = self.session.chain.block_number(included.block).await?;
				let (keys, _, _) =
					self.session.keys_after_read(&[(record, keys)], block, &secret).await?;
				let key = keys.into_iter().next().ok_or(ClientError::NoEnvelope { record })?;
				super::Session::<S>::decrypt_file(ciphertext, &key, out)?;
				first_event::<api::records::events::Dispensed>(&included)?
			}
		};
		Ok(Dispensed { record, quantity: event.quantity, remaining: event.remaining })
	}
}
