//! One API per role, over one [`Session`]: the chain connection, the user's keys, where their
//! encrypted files live and how long calls wait.
//!
//! ```no_run
//! # async fn demo() -> Result<(), medchain_client::ClientError> {
//! use medchain_client::{chain::{Chain, Wait}, crypto::keys::Identity, roles::Session,
//!     storage::{local::LocalStore, CidVersion}};
//! let chain = Chain::connect("ws://127.0.0.1:9944").await?;
//! let store = LocalStore::open(std::path::Path::new("/tmp/medchain-blocks"))?;
//! let me = Identity::generate();
//! let session = Session::new(chain, me, store, Wait::InBlock, CidVersion::V0);
//! session.patient().register().await?;
//! # Ok(()) }
//! ```

pub mod directory;
pub mod doctor;
pub mod export;
pub mod links;
pub mod notes;
pub mod patient;
pub mod pharmacy;
pub mod profile;
pub mod release;
pub mod uploads;
pub mod verifier;
pub mod views;

use std::{path::Path, sync::Arc};

use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use cid::Cid;
use rand_core::{OsRng, RngCore};
use subxt::utils::{AccountId32, MultiAddress};

use crate::{
	chain::{Chain, Included, Wait},
	crypto::{keys::Identity, stream, CryptoError, DataKey},
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			medchain_primitives::{Role, VerificationStatus},
			pallet_registry::pallet::PractitionerDetails,
		},
	},
	storage::{source::FileSource, CidVersion, ContentStore, Progress},
};
use views::{AccountView, RecordInfo};

pub use doctor::Doctor;
pub use patient::Patient;
pub use pharmacy::{Hospital, Pharmacy};
pub use uploads::Upload;
pub use verifier::Verifier;

/// One user's connection: who they are, which node, which storage.
pub struct Session<S> {
	pub chain: Chain,
	pub me: Arc<Identity>,
	pub store: S,
	pub wait: Wait,
	pub cid_version: CidVersion,
}

/// What a practitioner declares when applying.
#[derive(Debug, Clone)]
pub struct Application {
	pub name: String,
	pub specialization: String,
	pub licence: String,
	/// CID of the credentials document the verifier reviews.
	pub credentials: Cid,
}

/// A record read and decrypted to a file.
#[derive(Debug, Clone)]
pub struct ReadRecord {
	pub record: RecordInfo,
	/// Plaintext bytes written.
	pub bytes: u64,
	/// How the validators released a two-lock record's committee part, when they had to.
	pub release: Option<release::ReleaseReport>,
}

/// The most records one batch of reads may name (the pallet's `MaxReadBatch`).
pub const MAX_READ_BATCH: u32 = 32;

/// The most records one batch of writes may carry (the pallet's `MaxWriteBatch`).
pub const MAX_WRITE_BATCH: u32 = 16;

/// The deposit held for good from a record's author, per record (the runtime's
/// `RecordDeposit`): 0.01 MED, in plancks.
pub const RECORD_DEPOSIT: u128 = 10_000_000_000;

/// The chain-side bound of a sealed title (the pallet's `MaxTitleLen`).
const MAX_SEALED_TITLE: usize = 256;
const TITLE_OVERHEAD: usize = 24 + 16;
/// The longest title, in bytes, that fits once sealed.
const MAX_TITLE: usize = MAX_SEALED_TITLE - TITLE_OVERHEAD;

impl<S: ContentStore> Session<S> {
	pub fn new(chain: Chain, me: Identity, store: S, wait: Wait, cid_version: CidVersion) -> Self {
		Session { chain, me: Arc::new(me), store, wait, cid_version }
	}

	pub fn patient(&self) -> Patient<'_, S> {
		Patient(self)
	}

	pub fn doctor(&self) -> Doctor<'_, S> {
		Doctor(self)
	}

	pub fn hospital(&self) -> Hospital<'_, S> {
		pharmacy::Institution { session: self, role: Role::Hospital }
	}

	pub fn pharmacy(&self) -> Pharmacy<'_, S> {
		Pharmacy(pharmacy::Institution { session: self, role: Role::Pharmacy })
	}

	pub fn verifier(&self) -> Verifier<'_, S> {
		Verifier(self)
	}

	/// This user's account.
	pub fn account_id(&self) -> AccountId32 {
		self.me.account_id()
	}

	pub(crate) async fn submit<C: subxt::transactions::Payload>(
		&self,
		call: C,
	) -> Result<Included, ClientError> {
		self.chain.submit(&call, self.me.signer(), self.wait).await
	}

	/// Sends `amount` (in plancks, 10^-12 MED) to `to`, e.g. to pay a new user's fees.
	pub async fn transfer(&self, to: &AccountId32, amount: u128) -> Result<(), ClientError> {
		let dest: MultiAddress<AccountId32, ()> = MultiAddress::Id(*to);
		self.submit(api::tx().balances().transfer_keep_alive(dest, amount)).await.map(drop)
	}

	/// What the chain knows about `who`.
	pub async fn account(&self, who: &AccountId32) -> Result<AccountView, ClientError> {
		account_view(&self.chain, who).await
	}

	/// Replaces this practitioner's credentials and details; the application goes back to
	/// `Pending` until a verifier checks it again.
	pub async fn update_credentials(&self, application: &Application) -> Result<(), ClientError> {
		let details = PractitionerDetails {
			name: BoundedVec(application.name.as_bytes().to_vec()),
			specialization: BoundedVec(application.specialization.as_bytes().to_vec()),
			licence: BoundedVec(application.licence.as_bytes().to_vec()),
		};
		let call = api::tx()
			.registry()
			.update_credentials(BoundedVec(application.credentials.to_bytes()), details);
		self.submit(call).await.map(drop)
	}

	/// Publishes this identity's encryption key again (after restoring from a phrase on a
	/// registration made with other keys). Envelopes sealed to an old key stay sealed to it.
	pub async fn update_keys(&self) -> Result<(), ClientError> {
		// The profile pointer is kept: only the key moves.
		let profile = self
			.chain
			.view(api::view_functions().registry().account(self.account_id()))
			.await?
			.and_then(|info| info.profile);
		self.submit(api::tx().registry().update_keys(self.me.encryption_public(), profile))
			.await
			.map(drop)
	}

	/// Leaves the registry and releases the deposit.
	pub async fn deregister(&self) -> Result<(), ClientError> {
		self.submit(api::tx().registry().deregister()).await.map(drop)
	}

	/// Withdraws one of this user's pending access requests.
	pub async fn cancel_request(&self, request: u64) -> Result<(), ClientError> {
		self.submit(api::tx().consent().cancel_request(request)).await.map(drop)
	}

	/// Removes one of this user's closed access requests and releases its deposit.
	pub async fn clear_request(&self, request: u64) -> Result<(), ClientError> {
		self.submit(api::tx().consent().clear_request(request)).await.map(drop)
	}

	/// Gives up a grant this user holds (needed before leaving the registry).
	pub async fn renounce(&self, grant: u64) -> Result<(), ClientError> {
		self.submit(api::tx().consent().renounce(grant)).await.map(drop)
	}

	/// The live grants this user holds.
	pub async fn held_grants(&self) -> Result<Vec<views::GrantInfo>, ClientError> {
		let list =
			self.chain.view(api::view_functions().consent().held_grants(self.account_id())).await?;
		let mut out = Vec::new();
		for (id, g) in &list {
			let mut info = views::GrantInfo::new(*id, g);
			info.patient_name = self.patient_name(&g.patient).await;
			out.push(info);
		}
		Ok(out)
	}

	/// One appointment, with its reason if this user is the patient or the doctor.
	pub async fn appointment(
		&self,
		id: u64,
	) -> Result<Option<views::AppointmentInfo>, ClientError> {
		let Some(a) = self.chain.view(api::view_functions().appointments().appointment(id)).await?
		else {
			return Ok(None);
		};
		let doctor = a.doctor == self.account_id();
		let reason = patient::open_reason(self.me.encryption_secret(), &a, doctor);
		Ok(Some(views::AppointmentInfo::new(id, &a, reason)))
	}

	/// Whether `who` is a practitioner verified right now.
	pub async fn is_verified(&self, who: &AccountId32) -> Result<bool, ClientError> {
		self.chain.view(api::view_functions().registry().is_verified(*who)).await
	}

	/// The X25519 key `who` registered, to seal envelopes to.
	pub(crate) async fn encryption_key_of(
		&self,
		who: &AccountId32,
	) -> Result<[u8; 32], ClientError> {
		self.chain
			.view(api::view_functions().registry().account(*who))
			.await?
			.map(|info| info.encryption_key)
			.ok_or(ClientError::NotRegistered { who: *who })
	}

	/// Fails with a clear message unless this user is a verified practitioner of `role`.
	pub(crate) async fn ensure_verified(&self, role: Role) -> Result<(), ClientError> {
		let me = self.account_id();
		let name = views::role_name(&role).to_string();
		let info = self.chain.view(api::view_functions().registry().account(me)).await?;
		match info {
			None => return Err(ClientError::NotRegistered { who: me }),
			Some(info) if views::role_name(&info.role) != name => {
				return Err(ClientError::Invalid(format!(
					"{me} is registered as a {}, not a {name}",
					views::role_name(&info.role)
				)))
			}
			Some(_) => {}
		}
		let practitioner =
			self.chain.view(api::view_functions().registry().practitioner(me)).await?;
		match practitioner.map(|p| p.status) {
			Some(VerificationStatus::Verified { .. }) => Ok(()),
			Some(status) => Err(ClientError::NotVerified {
				role: name,
				who: me,
				status: views::status_name(&status),
			}),
			None => Err(ClientError::NotVerified {
				role: name,
				who: me,
				status: "no application".into(),
			}),
		}
	}

	/// Applies as a practitioner of `role`; a verifier must then verify the application.
	pub(crate) async fn apply(
		&self,
		role: Role,
		application: &Application,
	) -> Result<(), ClientError> {
		let details = PractitionerDetails {
			name: BoundedVec(application.name.as_bytes().to_vec()),
			specialization: BoundedVec(application.specialization.as_bytes().to_vec()),
			licence: BoundedVec(application.licence.as_bytes().to_vec()),
		};
		let call = api::tx().registry().apply(
			role,
			self.me.encryption_public(),
			None,
			BoundedVec(application.credentials.to_bytes()),
			details,
		);
		self.submit(call).await.map(drop)
	}

	/// The patient reads one of their own records (no grant needed, nothing consumed).
	pub async fn patient_view(&self, id: u64, out: &Path) -> Result<ReadRecord, ClientError> {
		self.read_record(id, out, crate::storage::no_progress()).await
	}

	/// A record's public entry.
	pub async fn record(&self, id: u64) -> Result<RecordInfo, ClientError> {
		let record = self
			.chain
			.view(api::view_functions().records().record(id))
			.await?
			.ok_or(ClientError::UnknownRecord(id))?;
		let mut info = RecordInfo::new(id, &record);
		let cid = record_cid(&record.cid.0)?;
		if let Ok(keys) = self.record_keys(id, &cid, &record.patient, &record.author).await {
			info.title =
				keys.title_key().and_then(|key| open_title(&key, &cid, &record.title.0).ok());
		}
		Ok(info)
	}

	/// The ids of a patient's records, oldest first.
	pub async fn record_ids(&self, patient: &AccountId32) -> Result<Vec<u64>, ClientError> {
		self.chain.view(api::view_functions().records().patient_records(*patient)).await
	}

	/// Reads record `id` into `out`: records the read on chain (unless this user is the
	/// patient), fetches the blob, checks it against its CID and decrypts it. `out` is written
	/// only if everything checks out.
	///
	/// A grantee's read of a two-lock record carries a fresh one-time key; the call waits for
	/// the read to be final, then the validators release the committee part to that key.
	pub async fn read_record(
		&self,
		id: u64,
		out: &Path,
		progress: Progress,
	) -> Result<ReadRecord, ClientError> {
		let (record, cid, keys) = self.open_record(id).await?;
		if record.patient == self.account_id() {
			let key = keys.file_key().ok_or(ClientError::NoEnvelope { record: id })?;
			let bytes = self.fetch_decrypted(&cid, &key, out, progress).await?;
			return Ok(Self::read_info(id, &record, &cid, &keys, bytes, None));
		}
		// Fetch and verify the ciphertext first, so that a storage failure does not burn a
		// use of a one-time grant; then the audited act of reading (it consumes one use, or
		// fails without a grant); only then decrypt.
		let ciphertext = self.fetch_ciphertext(&cid, out, progress).await?;
		let (key, keys, report) = self.record_reads_for(&[(id, keys)], false).await?;
		let key = key.into_iter().next().ok_or(ClientError::NoEnvelope { record: id })?;
		let keys = keys.into_iter().next().ok_or(ClientError::NoEnvelope { record: id })?;
		let bytes = Self::decrypt_file(ciphertext, &key, out)?;
		Ok(Self::read_info(id, &record, &cid, &keys, bytes, report))
	}

	/// Records this user's reads of `opened` in one extrinsic (a release key goes with them
	/// when any needs the validators) and returns each record's file key, its keys as now
	/// known, and how the release went.
	async fn record_reads_for(
		&self,
		opened: &[(u64, release::RecordKeys)],
		batch: bool,
	) -> Result<(Vec<DataKey>, Vec<release::RecordKeys>, Option<release::ReleaseReport>), ClientError>
	{
		let ids: Vec<u64> = opened.iter().map(|(id, _)| *id).collect();
		if !opened.iter().any(|(_, keys)| keys.needs_release()) {
			if batch {
				self.submit(api::tx().records().record_reads(BoundedVec(ids), None)).await?;
			} else {
				self.submit(api::tx().records().record_read(ids[0], None)).await?;
			}
			let keys: Vec<release::RecordKeys> = opened.iter().map(|(_, k)| k.clone()).collect();
			let files = keys.iter().filter_map(release::RecordKeys::file_key).collect();
			return Ok((files, keys, None));
		}
		let (secret, public) = release::one_time_key();
		// The validators answer only reads in finalized blocks.
		let call_included = if batch {
			let call = api::tx().records().record_reads(BoundedVec(ids), Some(public));
			self.chain.submit(&call, self.me.signer(), Wait::Finalized).await?
		} else {
			let call = api::tx().records().record_read(ids[0], Some(public));
			self.chain.submit(&call, self.me.signer(), Wait::Finalized).await?
		};
		let block = self.chain.block_number(call_included.block).await?;
		self.keys_after_read(opened, block, &secret).await
	}

	/// The file keys of `opened` once this user's read of them is recorded in `block` with
	/// `secret`'s public half, with each record's keys as now known and how the release went.
	/// Records this user holds both parts of open as they are; for the others the validators
	/// release the committee part (and, for an emergency read, the envelope part), several
	/// records at once.
	pub(crate) async fn keys_after_read(
		&self,
		opened: &[(u64, release::RecordKeys)],
		block: u32,
		secret: &x25519_dalek::StaticSecret,
	) -> Result<(Vec<DataKey>, Vec<release::RecordKeys>, Option<release::ReleaseReport>), ClientError>
	{
		use futures::{StreamExt, TryStreamExt};
		let committee = self.committee_view(opened[0].0).await?;
		// Collected first: a lazy `map` in the stream would make the futures' lifetimes
		// higher-ranked, and the dashboard's handlers would no longer be `Send`.
		let each: Vec<_> = opened
			.iter()
			.map(|(id, keys)| self.key_after_read(&committee, *id, keys, block, secret))
			.collect();
		// A few records at a time: each asks every validator.
		let done: Vec<(DataKey, release::RecordKeys, Option<release::ReleaseReport>)> =
			futures::stream::iter(each).buffered(8).try_collect().await?;
		let mut files = Vec::with_capacity(done.len());
		let mut known = Vec::with_capacity(done.len());
		let mut last = None;
		for (file, keys, report) in done {
			files.push(file);
			known.push(keys);
			last = report.or(last);
		}
		Ok((files, known, last))
	}

	/// One record's file key after this user's read in `block` (see
	/// [`keys_after_read`](Self::keys_after_read)).
	async fn key_after_read(
		&self,
		committee: &release::CommitteeView,
		id: u64,
		keys: &release::RecordKeys,
		block: u32,
		secret: &x25519_dalek::StaticSecret,
	) -> Result<(DataKey, release::RecordKeys, Option<release::ReleaseReport>), ClientError> {
		match keys {
			release::RecordKeys::EnvelopePart(envelope) => {
				let (part, _, report) = self.release(committee, id, block, secret, false).await?;
				let key = crate::crypto::two_lock::file_key(envelope, &part);
				let both =
					release::RecordKeys::Both { envelope: envelope.clone(), committee: part };
				Ok((key, both, Some(report)))
			}
			release::RecordKeys::Emergency => {
				let (part, envelope, report) =
					self.release(committee, id, block, secret, true).await?;
				let envelope = envelope.ok_or_else(|| ClientError::NotReleased {
					record: id,
					reason: "the validators released no emergency part".into(),
				})?;
				let key = crate::crypto::two_lock::file_key(&envelope, &part);
				Ok((key, release::RecordKeys::Both { envelope, committee: part }, Some(report)))
			}
			whole_or_both => Ok((
				whole_or_both.file_key().ok_or(ClientError::NoEnvelope { record: id })?,
				whole_or_both.clone(),
				None,
			)),
		}
	}

	/// Reads several records of one patient into `dir`, each as `record-<id>`: the batch form
	/// of [`read_record`](Self::read_record). Every ciphertext is fetched and verified first;
	/// then one extrinsic records all the reads (and consumes one grant use each), unless this
	/// user is the patient; only then is anything decrypted. Nothing is written unless every
	/// read is allowed.
	pub async fn read_records(
		&self,
		ids: &[u64],
		dir: &Path,
		progress: Progress,
	) -> Result<Vec<ReadRecord>, ClientError> {
		if ids.is_empty() || ids.len() > MAX_READ_BATCH as usize {
			return Err(ClientError::Invalid(format!(
				"read between 1 and {MAX_READ_BATCH} records at once, not {}",
				ids.len()
			)));
		}
		let mut opened = Vec::with_capacity(ids.len());
		for &id in ids {
			let (record, cid, keys) = self.open_record(id).await?;
			opened.push((id, record, cid, keys));
		}
		let patient = opened[0].1.patient;
		if opened.iter().any(|(_, r, _, _)| r.patient != patient) {
			return Err(ClientError::Invalid(
				"the records belong to different patients: read each patient's records in a \
				 batch of their own"
					.into(),
			));
		}
		std::fs::create_dir_all(dir)?;
		let out = |id: u64| dir.join(format!("record-{id}"));
		let mut read = Vec::with_capacity(ids.len());
		if patient == self.account_id() {
			for (id, record, cid, keys) in &opened {
				let key = keys.file_key().ok_or(ClientError::NoEnvelope { record: *id })?;
				let bytes = self.fetch_decrypted(cid, &key, &out(*id), progress.clone()).await?;
				read.push(Self::read_info(*id, record, cid, keys, bytes, None));
			}
			return Ok(read);
		}
		let mut ciphertexts = Vec::with_capacity(ids.len());
		for (id, _, cid, _) in &opened {
			ciphertexts.push(self.fetch_ciphertext(cid, &out(*id), progress.clone()).await?);
		}
		let mut records = Vec::with_capacity(opened.len());
		let mut entries = Vec::with_capacity(opened.len());
		for (id, record, cid, keys) in opened {
			entries.push((id, keys));
			records.push((id, record, cid));
		}
		let (files, keys, report) = self.record_reads_for(&entries, true).await?;
		for ((((id, record, cid), ciphertext), key), keys) in
			records.iter().zip(ciphertexts).zip(files).zip(keys)
		{
			let bytes = Self::decrypt_file(ciphertext, &key, &out(*id))?;
			read.push(Self::read_info(*id, record, cid, &keys, bytes, report.clone()));
		}
		Ok(read)
	}

	/// Record `id`'s entry, its CID and this user's keys for it.
	async fn open_record(
		&self,
		id: u64,
	) -> Result<
		(api::runtime_types::pallet_records::types::Record, Cid, release::RecordKeys),
		ClientError,
	> {
		let record = self
			.chain
			.view(api::view_functions().records().record(id))
			.await?
			.ok_or(ClientError::UnknownRecord(id))?;
		let cid = record_cid(&record.cid.0)?;
		let keys = self.record_keys(id, &cid, &record.patient, &record.author).await?;
		Ok((record, cid, keys))
	}

	fn read_info(
		id: u64,
		record: &api::runtime_types::pallet_records::types::Record,
		cid: &Cid,
		keys: &release::RecordKeys,
		bytes: u64,
		release: Option<release::ReleaseReport>,
	) -> ReadRecord {
		let mut info = RecordInfo::new(id, record);
		info.title = keys.title_key().and_then(|key| open_title(&key, cid, &record.title.0).ok());
		ReadRecord { record: info, bytes, release }
	}

	/// Fetches `cid` (every block verified against its CID) into a temporary file beside
	/// `out`, still encrypted.
	pub(crate) async fn fetch_ciphertext(
		&self,
		cid: &Cid,
		out: &Path,
		progress: Progress,
	) -> Result<tempfile::NamedTempFile, ClientError> {
		let tmp = tempfile::NamedTempFile::new_in(Self::dir_of(out))?;
		let (writer, _) = self.store.get(cid, std::io::BufWriter::new(tmp), progress).await?;
		writer.into_inner().map_err(|e| ClientError::from(e.into_error()))
	}

	/// Decrypts a fetched ciphertext into `out`, moved into place once the last chunk
	/// authenticates.
	pub(crate) fn decrypt_file(
		ciphertext: tempfile::NamedTempFile,
		key: &DataKey,
		out: &Path,
	) -> Result<u64, ClientError> {
		let tmp = tempfile::NamedTempFile::new_in(Self::dir_of(out))?;
		let mut writer = stream::DecryptingWriter::new(std::io::BufWriter::new(tmp), key);
		let mut source = std::io::BufReader::new(ciphertext.reopen()?);
		std::io::copy(&mut source, &mut writer)
			.map_err(|e| ClientError::Crypto(stream::crypto_error(e)))?;
		let (buffered, bytes) = writer.finish()?;
		let tmp = buffered.into_inner().map_err(|e| e.into_error())?;
		tmp.persist(out).map_err(|e| ClientError::from(e.error))?;
		Ok(bytes)
	}

	/// The directory `out` is written in, where its temporary files go.
	fn dir_of(out: &Path) -> std::path::PathBuf {
		match out.parent() {
			Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
			_ => std::path::PathBuf::from("."),
		}
	}

	/// Fetches `cid`, decrypts it with `key` into a temporary file beside `out`, and moves it
	/// into place once the last chunk authenticates.
	pub(crate) async fn fetch_decrypted(
		&self,
		cid: &Cid,
		key: &DataKey,
		out: &Path,
		progress: Progress,
	) -> Result<u64, ClientError> {
		let dir = match out.parent() {
			Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
			_ => std::path::PathBuf::from("."),
		};
		let tmp = tempfile::NamedTempFile::new_in(&dir)?;
		let writer = stream::DecryptingWriter::new(std::io::BufWriter::new(tmp), key);
		let (writer, _) = self.store.get(cid, writer, progress).await.map_err(|e| match e {
			crate::storage::StorageError::Io(io) => ClientError::Crypto(stream::crypto_error(io)),
			other => ClientError::Storage(other),
		})?;
		let (buffered, bytes) = writer.finish()?;
		let tmp = buffered.into_inner().map_err(|e| e.into_error())?;
		tmp.persist(out).map_err(|e| ClientError::from(e.error))?;
		Ok(bytes)
	}
}

/// What the chain knows about `who`: role, verification, name, encryption key, balance.
pub async fn account_view(chain: &Chain, who: &AccountId32) -> Result<AccountView, ClientError> {
	let info = chain.view(api::view_functions().registry().account(*who)).await?;
	let practitioner = chain.view(api::view_functions().registry().practitioner(*who)).await?;
	let balance = chain
		.at_best()
		.await?
		.storage()
		.try_fetch(api::storage().system().account(), (*who,))
		.await
		.map_err(ClientError::chain)?
		.map(|v| v.decode().map(|a| a.data.free))
		.transpose()
		.map_err(ClientError::chain)?
		.unwrap_or(0);
	Ok(AccountView {
		account: who.to_string(),
		role: info.as_ref().map(|i| views::role_name(&i.role).to_string()),
		status: match (&info, &practitioner) {
			(_, Some(p)) => Some(views::status_name(&p.status)),
			(Some(_), None) => Some("Registered".into()),
			(None, None) => None,
		},
		name: practitioner
			.as_ref()
			.map(|p| String::from_utf8_lossy(&p.details.name.0).into_owned()),
		specialization: practitioner
			.as_ref()
			.map(|p| String::from_utf8_lossy(&p.details.specialization.0).into_owned()),
		licence: practitioner
			.as_ref()
			.map(|p| String::from_utf8_lossy(&p.details.licence.0).into_owned()),
		credentials: practitioner.as_ref().map(|p| {
			cid::Cid::try_from(p.credentials.0.as_slice())
				.map(|c| c.to_string())
				.unwrap_or_else(|_| hex::encode(&p.credentials.0))
		}),
		encryption_key: info.as_ref().map(|i| hex::encode(i.encryption_key)),
		balance,
	})
}

/// Parses a CID stored on chain.
pub(crate) fn record_cid(bytes: &[u8]) -> Result<Cid, ClientError> {
	Cid::try_from(bytes).map_err(|e| ClientError::chain(format!("bad CID on chain: {e}")))
}

/// The first event of type `E` a call emitted.
pub(crate) fn first_event<E: subxt::events::DecodeAsEvent>(
	included: &Included,
) -> Result<E, ClientError> {
	included
		.events
		.find_first::<E>()
		.ok_or_else(|| ClientError::chain("the call emitted no result event"))?
		.map_err(ClientError::chain)
}

/// Titles are health information: sealed with the record's key, bound to its CID.
fn seal_title(key: &DataKey, cid: &Cid, title: &str) -> Vec<u8> {
	let mut nonce = [0u8; 24];
	OsRng.fill_bytes(&mut nonce);
	let aad = [b"MedChain title v2|".as_slice(), &cid.to_bytes()].concat();
	let sealed = XChaCha20Poly1305::new((&*title_key(key)).into())
		.encrypt(XNonce::from_slice(&nonce), Payload { msg: title.as_bytes(), aad: &aad })
		.expect("a short title always encrypts");
	[nonce.as_slice(), &sealed].concat()
}

/// The title's own key, derived from the record's data key, so the file stream and the title
/// never use one key under two constructions.
fn title_key(key: &DataKey) -> zeroize::Zeroizing<[u8; 32]> {
	let mut sub = zeroize::Zeroizing::new([0u8; 32]);
	hkdf::Hkdf::<sha2::Sha256>::new(None, &key.0)
		.expand(b"MedChain record title key v2", sub.as_mut())
		.expect("32 bytes is a valid HKDF-SHA256 output length");
	sub
}

fn open_title(key: &DataKey, cid: &Cid, sealed: &[u8]) -> Result<String, CryptoError> {
	if sealed.len() < TITLE_OVERHEAD {
		return Err(CryptoError::Truncated("title"));
	}
	let aad = [b"MedChain title v2|".as_slice(), &cid.to_bytes()].concat();
	let plain = XChaCha20Poly1305::new((&*title_key(key)).into())
		.decrypt(XNonce::from_slice(&sealed[..24]), Payload { msg: &sealed[24..], aad: &aad })
		.map_err(|_| CryptoError::Tampered { chunk: 0 })?;
	Ok(String::from_utf8_lossy(&plain).into_owned())
}

/// Opens a file to upload; a file that cannot be read is the user's input to fix.
pub fn open_source(file: &Path) -> Result<FileSource, ClientError> {
	FileSource::open(file).map_err(|e| ClientError::Invalid(e.to_string()))
}
