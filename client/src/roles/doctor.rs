//! The doctor: applies, takes appointments, writes records for their patients, asks for access
//! to other doctors' reports.

use std::path::Path;

use subxt::utils::AccountId32;

use super::{
	first_event,
	uploads::{check_batch, Upload},
	views::AppointmentInfo,
	Application, ReadRecord, Session,
};
use crate::{
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			medchain_primitives::{Role, Scope},
		},
	},
	storage::{ContentStore, Progress},
};

/// The doctor's API.
pub struct Doctor<'a, S>(pub(crate) &'a Session<S>);

impl<S: ContentStore> Doctor<'_, S> {
	/// Applies as a doctor; a verifier reviews `application.credentials` and verifies.
	pub async fn apply(&self, application: &Application) -> Result<(), ClientError> {
		self.0.apply(Role::Doctor, application).await
	}

	/// All of this doctor's appointments.
	pub async fn appointments(&self) -> Result<Vec<AppointmentInfo>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().appointments().doctor_appointments(self.0.account_id()))
			.await?;
		let me = self.0.me.encryption_secret();
		let mut out = Vec::new();
		for (id, a) in &list {
			let mut info = AppointmentInfo::new(*id, a, super::patient::open_reason(me, a, true));
			info.patient_name = self.0.patient_name(&a.patient).await;
			out.push(info);
		}
		Ok(out)
	}

	/// Appointment requests waiting for this doctor's answer.
	pub async fn pending_appointments(&self) -> Result<Vec<AppointmentInfo>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().appointments().pending_requests(self.0.account_id()))
			.await?;
		let me = self.0.me.encryption_secret();
		Ok(list
			.iter()
			.map(|(id, a)| AppointmentInfo::new(*id, a, super::patient::open_reason(me, a, true)))
			.collect())
	}

	/// The patients this doctor treats (open appointments or a follow-up window).
	pub async fn patients(&self) -> Result<Vec<AccountId32>, ClientError> {
		let list = self
			.0
			.chain
			.view(api::view_functions().appointments().doctor_patients(self.0.account_id()))
			.await?;
		Ok(list.into_iter().map(|(patient, _)| patient).collect())
	}

	/// Whether this doctor treats `patient` now (and so may add records for them).
	pub async fn is_treating(&self, patient: &AccountId32) -> Result<bool, ClientError> {
		self.0
			.chain
			.view(api::view_functions().appointments().is_treating(self.0.account_id(), *patient))
			.await
	}

	/// Accepts an appointment: from now on this doctor treats the patient.
	pub async fn accept(&self, id: u64) -> Result<(), ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		self.0.submit(api::tx().appointments().accept(id)).await.map(drop)
	}

	/// Declines an appointment, optionally saying why.
	/// The note may name a condition, so it is sealed to the patient.
	pub async fn decline(&self, id: u64, note: Option<&str>) -> Result<(), ClientError> {
		let note = match note {
			Some(note) => {
				let appointment = self
					.0
					.chain
					.view(api::view_functions().appointments().appointment(id))
					.await?
					.ok_or(ClientError::UnknownAppointment(id))?;
				let patient_key = self.0.encryption_key_of(&appointment.patient).await?;
				let context =
					super::notes::decline_context(id, &self.0.account_id(), &appointment.patient);
				Some(BoundedVec(crate::crypto::envelope::seal_note(
					&patient_key,
					&context,
					note.as_bytes(),
				)?))
			}
			None => None,
		};
		self.0.submit(api::tx().appointments().decline(id, note)).await.map(drop)
	}

	/// Declines a request from a patient this doctor does not treat as spam: the patient's
	/// deposit comes to this doctor.
	pub async fn report_spam(&self, id: u64) -> Result<(), ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		self.0.submit(api::tx().appointments().report_spam(id)).await.map(drop)
	}

	/// Marks an accepted appointment as done.
	pub async fn complete(&self, id: u64) -> Result<(), ClientError> {
		self.0.submit(api::tx().appointments().complete(id)).await.map(drop)
	}

	/// Encrypts and uploads a report for `patient` (whom this doctor treats). Returns the
	/// record id.
	pub async fn upload_report(
		&self,
		patient: &AccountId32,
		file: &Path,
		title: &str,
		supersedes: Option<u64>,
		progress: Progress,
	) -> Result<u64, ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		let upload = Upload { supersedes, ..Upload::report(file, title) };
		self.0.add_record(patient, &upload, progress).await
	}

	/// Encrypts and uploads a prescription of `quantity` units for `patient`.
	pub async fn upload_prescription(
		&self,
		patient: &AccountId32,
		file: &Path,
		title: &str,
		quantity: u32,
		supersedes: Option<u64>,
		progress: Progress,
	) -> Result<u64, ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		let upload = Upload { supersedes, ..Upload::prescription(file, title, quantity) };
		self.0.add_record(patient, &upload, progress).await
	}

	/// Encrypts and uploads several files for `patient` in one extrinsic (at most
	/// [`MAX_WRITE_BATCH`](super::MAX_WRITE_BATCH)): each its own record, with its own data
	/// key, title, kind and quantity; all are added or none. Returns the new record ids, in the
	/// order of `uploads`. An empty or too large batch is refused before anything is read.
	pub async fn upload_many(
		&self,
		patient: &AccountId32,
		uploads: &[Upload],
		progress: Progress,
	) -> Result<Vec<u64>, ClientError> {
		check_batch(uploads.len())?;
		self.0.ensure_verified(Role::Doctor).await?;
		self.0.add_records(patient, uploads, progress).await
	}

	/// Asks `patient` for access to `scope` for `blocks` blocks. Returns the request id.
	pub async fn request_access(
		&self,
		patient: &AccountId32,
		scope: Scope,
		purpose: &str,
		blocks: u32,
	) -> Result<u64, ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		request_access(self.0, patient, scope, purpose, blocks).await
	}

	/// Break-glass access to an unconscious patient's records; always audited.
	pub async fn emergency_access(
		&self,
		patient: &AccountId32,
		justification: &str,
	) -> Result<u64, ClientError> {
		self.0.ensure_verified(Role::Doctor).await?;
		// The justification may name a condition: it is sealed to the patient.
		let patient_key = self.0.encryption_key_of(patient).await?;
		let context = [b"emergency|".as_slice(), &self.0.account_id().0, &patient.0].concat();
		let sealed =
			crate::crypto::envelope::seal_note(&patient_key, &context, justification.as_bytes())?;
		let call = api::tx().consent().emergency_access(*patient, BoundedVec(sealed));
		let included = self.0.submit(call).await?;
		first_event::<api::consent::events::EmergencyAccessOpened>(&included).map(|e| e.grant)
	}

	/// Reads and decrypts a record this doctor wrote or was granted.
	pub async fn view(
		&self,
		record: u64,
		out: &Path,
		progress: Progress,
	) -> Result<ReadRecord, ClientError> {
		self.0.read_record(record, out, progress).await
	}

	/// Reads several records of one patient this doctor was granted into `dir`, with one
	/// extrinsic recording all the reads (one use of the grant each).
	pub async fn view_records(
		&self,
		records: &[u64],
		dir: &Path,
		progress: Progress,
	) -> Result<Vec<ReadRecord>, ClientError> {
		self.0.read_records(records, dir, progress).await
	}
}

pub(crate) async fn request_access<S: ContentStore>(
	session: &Session<S>,
	patient: &AccountId32,
	scope: Scope,
	purpose: &str,
	blocks: u32,
) -> Result<u64, ClientError> {
	// The purpose may name a condition: only the patient can open it.
	let patient_key = session.encryption_key_of(patient).await?;
	let context = super::notes::purpose_context(&session.account_id(), patient);
	let sealed = crate::crypto::envelope::seal_note(&patient_key, &context, purpose.as_bytes())?;
	let call = api::tx().consent().request_access(*patient, scope, BoundedVec(sealed), blocks);
	let included = session.submit(call).await?;
	first_event::<api::consent::events::AccessRequested>(&included).map(|e| e.request)
}
