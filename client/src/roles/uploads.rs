//! Writing records: one file, or several for one patient in one extrinsic (`add_records`), each
//! encrypted under its own data key, stored, and sealed to the patient and the author.

use std::path::PathBuf;

use subxt::utils::AccountId32;

use medchain_threshold::Purpose;

use super::{
	first_event, open_source, release, seal_title, Session, MAX_SEALED_TITLE, MAX_TITLE,
	MAX_WRITE_BATCH, TITLE_OVERHEAD,
};
use crate::{
	crypto::{
		envelope, stream,
		two_lock::{self, RecordSecret},
	},
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, medchain_primitives::RecordKind,
			pallet_records::types::NewRecord,
		},
	},
	storage::{source::FileSource, ContentStore, Progress},
};

/// One file of a batch: a report, or a prescription of `quantity` units.
#[derive(Debug, Clone)]
pub struct Upload {
	pub file: PathBuf,
	pub title: String,
	/// `Some(quantity)` for a prescription, `None` for a report.
	pub quantity: Option<u32>,
	/// The record this one corrects.
	pub supersedes: Option<u64>,
}

impl Upload {
	/// A report titled `title`, correcting nothing.
	pub fn report(file: impl Into<PathBuf>, title: impl Into<String>) -> Self {
		Upload { file: file.into(), title: title.into(), quantity: None, supersedes: None }
	}

	/// A prescription of `quantity` units titled `title`, correcting nothing.
	pub fn prescription(file: impl Into<PathBuf>, title: impl Into<String>, quantity: u32) -> Self {
		Upload { quantity: Some(quantity), ..Upload::report(file, title) }
	}

	fn kind(&self) -> RecordKind {
		if self.quantity.is_some() {
			RecordKind::Prescription
		} else {
			RecordKind::Report
		}
	}
}

/// The title of one file of a batch that shares one title: `<title> (<file name>)`, so the
/// records can be told apart; the name is cut to fit the longest title.
pub fn batch_title(title: &str, name: &str) -> String {
	let room = MAX_TITLE.saturating_sub(title.len() + " ()".len());
	let mut end = name.len().min(room);
	while !name.is_char_boundary(end) {
		end -= 1;
	}
	format!("{title} ({})", &name[..end])
}

/// Refuses, before anything is read or signed, a batch the chain would refuse.
pub(crate) fn check_batch(len: usize) -> Result<(), ClientError> {
	match len {
		0 => Err(ClientError::EmptyBatch),
		n if n > MAX_WRITE_BATCH as usize => {
			Err(ClientError::BatchTooLarge { given: n, max: MAX_WRITE_BATCH })
		}
		_ => Ok(()),
	}
}

/// Refuses a title that would not fit on chain once sealed.
pub(crate) fn check_title(title: &str) -> Result<(), ClientError> {
	if title.len() + TITLE_OVERHEAD > MAX_SEALED_TITLE {
		return Err(ClientError::Invalid(format!(
			"the title is {} bytes; at most {MAX_TITLE} fit",
			title.len()
		)));
	}
	Ok(())
}

impl<S: ContentStore> Session<S> {
	/// Encrypts `upload`'s file and stores it, then adds the record for `patient`, with one
	/// envelope for the patient and one for the author. Returns the new record's id.
	pub(crate) async fn add_record(
		&self,
		patient: &AccountId32,
		upload: &Upload,
		progress: Progress,
	) -> Result<u64, ClientError> {
		check_title(&upload.title)?;
		let patient_key = self.encryption_key_of(patient).await?;
		// The declared size is the file's size when opened; the read fails if it changes.
		let plain = open_source(&upload.file)?;
		let committee = self.committee_key().await?;
		let r = self.seal_record(patient, &patient_key, committee, upload, plain, progress).await?;
		let call = api::tx().records().add_record(
			*patient,
			r.kind,
			r.cid,
			r.size,
			r.title,
			r.quantity,
			r.patient_envelope,
			r.author_envelope,
			r.supersedes,
			r.lock,
		);
		let included = self.submit(call).await?;
		first_event::<api::records::events::RecordAdded>(&included).map(|e| e.record)
	}

	/// Encrypts and stores each of `uploads`, then adds them all to `patient`'s records in one
	/// extrinsic: all or nothing. Returns the new record ids, in the order of `uploads`. The
	/// caller ([`Doctor::upload_many`](super::Doctor::upload_many)) checked the batch's size.
	pub(crate) async fn add_records(
		&self,
		patient: &AccountId32,
		uploads: &[Upload],
		progress: Progress,
	) -> Result<Vec<u64>, ClientError> {
		for upload in uploads {
			check_title(&upload.title)?;
		}
		let patient_key = self.encryption_key_of(patient).await?;
		// Every file is opened before any is stored, so an unreadable one fails the batch
		// early. The declared sizes are the files' sizes now; a read fails if one changes.
		let sources =
			uploads.iter().map(|u| open_source(&u.file)).collect::<Result<Vec<_>, _>>()?;
		let committee = self.committee_key().await?;
		let mut records = Vec::with_capacity(uploads.len());
		for (upload, plain) in uploads.iter().zip(sources) {
			records.push(
				self.seal_record(patient, &patient_key, committee, upload, plain, progress.clone())
					.await?,
			);
		}
		let call = api::tx().records().add_records(*patient, BoundedVec(records));
		let included = self.submit(call).await?;
		// One `RecordAdded` per record, in the order given.
		let ids = included
			.events
			.find::<api::records::events::RecordAdded>()
			.map(|e| e.map(|e| e.record).map_err(ClientError::chain))
			.collect::<Result<Vec<_>, _>>()?;
		if ids.len() != uploads.len() {
			return Err(ClientError::chain(format!(
				"the batch of {} records emitted {} results",
				uploads.len(),
				ids.len()
			)));
		}
		Ok(ids)
	}

	/// The committee key new records are locked to (its epoch and key), once the chain's
	/// validators have made one.
	pub(crate) async fn committee_key(&self) -> Result<Option<(u32, [u8; 32])>, ClientError> {
		Ok(self
			.chain
			.view(api::view_functions().key_release().committee())
			.await?
			.and_then(|c| c.key.map(|key| (c.epoch, key.public))))
	}

	/// Encrypts `plain` and stores it; returns the record as the chain takes it.
	///
	/// With a `committee` key the record has two locks: a fresh secret `S` is sealed to the
	/// patient and to this author, the file key needs both parts derived from it, and the
	/// committee part is encrypted to the committee, bound to this record. Without one, a
	/// fresh data key is sealed to both as before.
	async fn seal_record(
		&self,
		patient: &AccountId32,
		patient_key: &[u8; 32],
		committee: Option<(u32, [u8; 32])>,
		upload: &Upload,
		plain: FileSource,
		progress: Progress,
	) -> Result<NewRecord, ClientError> {
		let size = stream::encrypted_size(plain.len());
		let secret = RecordSecret::generate();
		let (sealed, file, title) = match committee {
			Some(_) => {
				let envelope = secret.envelope_part();
				let file = two_lock::file_key(&envelope, &secret.committee_part());
				(secret.as_key(), file, two_lock::title_key(&envelope))
			}
			None => (secret.as_key(), secret.as_key(), secret.as_key()),
		};
		let reader = stream::EncryptingReader::new(plain, &file);
		let cid = self.store.add(Box::new(reader), self.cid_version, progress).await?;
		let lock = match committee {
			Some((epoch, public)) => Some(release::chain_ciphertext(
				&two_lock::lock_part(
					&public,
					epoch,
					Purpose::Record,
					(&patient.0, &self.account_id().0, &cid.to_bytes()),
					&secret.committee_part(),
				)
				.map_err(|e| ClientError::Invalid(format!("the committee key: {e}")))?,
			)),
			None => None,
		};
		Ok(NewRecord {
			kind: upload.kind(),
			cid: BoundedVec(cid.to_bytes()),
			size,
			title: BoundedVec(seal_title(&title, &cid, &upload.title)),
			quantity: upload.quantity,
			patient_envelope: envelope::seal(patient_key, &sealed, &cid)?,
			author_envelope: envelope::seal(&self.me.encryption_public(), &sealed, &cid)?,
			supersedes: upload.supersedes,
			lock,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_batch_holds_one_to_max_write_batch_files() {
		assert!(matches!(check_batch(0), Err(ClientError::EmptyBatch)));
		assert!(check_batch(1).is_ok() && check_batch(MAX_WRITE_BATCH as usize).is_ok());
		let err = check_batch(17).unwrap_err();
		assert!(matches!(err, ClientError::BatchTooLarge { given: 17, max: 16 }), "{err:?}");
		assert_eq!(err.exit_code(), 2);
		assert!(err.hint().unwrap().contains("at most 16"));
	}

	#[test]
	fn a_shared_title_names_each_file_and_always_fits() {
		assert_eq!(batch_title("Labs", "glucose.csv"), "Labs (glucose.csv)");
		let long = batch_title("Labs", &"é".repeat(300));
		assert_eq!(long.len(), MAX_TITLE - 1, "cut on a character boundary, never past it");
		assert!(check_title(&long).is_ok());
		assert!(check_title(&"x".repeat(MAX_TITLE + 1)).is_err());
	}
}
