//! Long steps (uploads) run in the background; the page polls their stage.
//!
//! An upload (one file, or several in one transaction) goes through: encrypting and storing
//! (with bytes done), submitted, in a block (with each record's id and CID), finalized.

use std::{
	path::PathBuf,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

use medchain_client::{
	roles::{uploads, Session},
	storage::Backend,
	ClientError,
};

use crate::page::Problem;

/// Where a job is.
#[derive(Debug, Clone)]
pub enum Stage {
	Encrypting,
	Submitted,
	InBlock { records: Vec<Added>, block: u32 },
	Finalized { records: Vec<Added>, block: u32 },
	Failed(String, Option<String>),
}

/// A record an upload added.
#[derive(Debug, Clone)]
pub struct Added {
	pub record: u64,
	pub cid: String,
	pub title: String,
}

/// One upload.
pub struct Job {
	pub id: u64,
	pub what: String,
	pub total: u64,
	pub done: AtomicU64,
	stage: Mutex<Stage>,
}

impl Job {
	pub fn new(id: u64, what: String, total: u64) -> Arc<Self> {
		Arc::new(Job {
			id,
			what,
			total,
			done: AtomicU64::new(0),
			stage: Mutex::new(Stage::Encrypting),
		})
	}

	pub fn stage(&self) -> Stage {
		self.stage.lock().unwrap_or_else(|e| e.into_inner()).clone()
	}

	fn set(&self, stage: Stage) {
		*self.stage.lock().unwrap_or_else(|e| e.into_inner()) = stage;
	}

	/// Percent of the file encrypted and stored.
	pub fn percent(&self) -> u64 {
		(self.done.load(Ordering::Relaxed) * 100).checked_div(self.total).unwrap_or(100).min(100)
	}

	/// Whether the page should stop polling.
	pub fn finished(&self) -> bool {
		matches!(self.stage(), Stage::Finalized { .. } | Stage::Failed(..))
	}
}

/// One file to upload, in the private scratch directory until it is encrypted.
pub struct File {
	pub path: tempfile::TempPath,
	pub title: String,
}

/// What to upload: one file, or several that go in one transaction, all of one kind.
pub struct Upload {
	pub patient: subxt::utils::AccountId32,
	pub files: Vec<File>,
	/// `Some(quantity)` for prescriptions.
	pub quantity: Option<u32>,
	pub supersedes: Option<u64>,
}

/// Runs `upload` as `session`'s doctor, moving `job` through its stages.
pub fn spawn_upload(job: Arc<Job>, session: Arc<crate::state::User>, upload: Upload) {
	tokio::spawn(async move {
		if let Err(err) = run_upload(&job, &session.session, upload).await {
			let problem = Problem::from(err);
			job.set(Stage::Failed(problem.detail, problem.hint));
		}
	});
}

async fn run_upload(
	job: &Arc<Job>,
	session: &Session<Backend>,
	upload: Upload,
) -> Result<(), ClientError> {
	let progress_job = job.clone();
	let total = job.total;
	let progress: medchain_client::storage::Progress = Arc::new(move |bytes| {
		let done = progress_job.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
		// Everything encrypted and stored: what remains is the chain.
		if done >= total {
			progress_job.set(Stage::Submitted);
		}
	});
	let doctor = session.doctor();
	let records = match upload.files.as_slice() {
		[file] => {
			let path: PathBuf = file.path.to_path_buf();
			let record = match upload.quantity {
				Some(quantity) => {
					doctor
						.upload_prescription(
							&upload.patient,
							&path,
							&file.title,
							quantity,
							upload.supersedes,
							progress,
						)
						.await?
				}
				None => {
					doctor
						.upload_report(
							&upload.patient,
							&path,
							&file.title,
							upload.supersedes,
							progress,
						)
						.await?
				}
			};
			vec![record]
		}
		files => {
			let batch: Vec<uploads::Upload> = files
				.iter()
				.map(|f| uploads::Upload {
					file: f.path.to_path_buf(),
					title: f.title.clone(),
					quantity: upload.quantity,
					supersedes: upload.supersedes,
				})
				.collect();
			doctor.upload_many(&upload.patient, &batch, progress).await?
		}
	};
	let titles: Vec<String> = upload.files.iter().map(|f| f.title.clone()).collect();
	// The plaintext is gone from disk as soon as it is encrypted and stored.
	drop(upload.files);
	let mut added = Vec::with_capacity(records.len());
	let mut block = 0;
	for (record, title) in records.into_iter().zip(titles) {
		let info = session.record(record).await?;
		// One extrinsic: every record has the same block.
		block = info.created_at;
		added.push(Added { record, cid: info.cid, title });
	}
	job.set(Stage::InBlock { records: added.clone(), block });
	loop {
		if finalized_number(session).await? >= block {
			job.set(Stage::Finalized { records: added, block });
			return Ok(());
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// The latest finalized block's number.
async fn finalized_number(session: &Session<Backend>) -> Result<u32, ClientError> {
	let at = session
		.chain
		.api()
		.at_current_block()
		.await
		.map_err(|e| ClientError::Chain(e.to_string()))?;
	Ok(at.block_number() as u32)
}
