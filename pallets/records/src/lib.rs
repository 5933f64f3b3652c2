//! # Records pallet
//!
//! A patient's medical history as MedChain stores it: for every record, the CID of a file that
//! the author's client encrypted with a fresh data key, and that data key sealed (HPKE) to each
//! reader's X25519 key — one *key envelope* per reader. The chain never sees a plaintext file, a
//! data key or a title in the clear; it decides who may add records, whose envelopes exist, and
//! keeps the history immutable.
//!
//! ## Who may do what
//! - A verified doctor who treats the patient (an accepted appointment, see
//!   [`Config::Care`]) or holds a live write grant from the patient ([`Config::Access`]) adds a
//!   record with [`Pallet::add_record`], with envelopes for the patient and for themselves.
//!   A record written under a write grant consumes one of its uses.
//! - Records are immutable. A correction is a new record that names the record it
//!   [supersedes](Record::supersedes); the old record keeps a link to its
//!   [successor](Record::superseded_by), so the chain of corrections is walkable both ways.
//!   Only the old record's author may correct it (and must still be allowed to write for the
//!   patient). A corrected prescription carries its dispensed count over, and its new
//!   quantity may not fall below what was already dispensed.
//! - A visit's several documents go in one extrinsic with [`Pallet::add_records`]: each record
//!   is checked, stored and audited exactly as `add_record` does, and the batch is all or
//!   nothing.
//! - Before a client decrypts a record it does not own, it records the read with
//!   [`Pallet::record_read`]: that checks the reader's live grant — the one that supplied the
//!   reader's envelope — consumes one use of it, and writes the patient's audit trail. The
//!   patient and the author read their own records freely. A reader opening several records
//!   of one patient records them all in one extrinsic with [`Pallet::record_reads`], which
//!   reads the reader's grants from the patient once for the whole batch.
//! - A verified pharmacy with a live grant covering a prescription dispenses it with
//!   [`Pallet::dispense`], in part or whole, never past the prescribed quantity.
//! - Grantees' envelopes are added and removed by the consent pallet through
//!   [`RecordIndex`] when grants start and end.
//!
//! ## Deposits
//! Records are permanent, so what an author makes the chain keep forever is paid for:
//! [`Config::RecordDeposit`] is held from the author's balance for each record, and never
//! released. A treating doctor can still write as much as the patient's care needs; a doctor
//! who floods a history pays for every record.
//!
//! ## Weights
//! Every call that consumes a grant use is charged up front as if the use ended a grant
//! carrying the most envelopes ([`medchain_primitives::AccessControl::max_end_weight`]), and refunds that part
//! when no grant ended, so blocks fill by what the calls really did.
//!
//! ## Invariants (checked by `try_state`)
//! - Every record is indexed under its patient, and every index entry has its record.
//! - Every grantee's envelope belongs to an existing record and has a holder (the consent
//!   pallet checks the count against its live grants). The patient's and the author's
//!   envelopes are part of the record itself.
//! - The balance held from each author for records is exactly the sum of their records'
//!   deposits.
//! - Supersession links are symmetric; prescriptions, and only they, have a dispensing state
//!   with `dispensed <= prescribed`.

#![cfg_attr(not(feature = "std"), no_std)]
// `add_record` takes every field of a record plus two 80-byte envelopes: that makes a long
// argument list and a large `Call` variant, which is what the call carries by nature.
#![allow(clippy::too_many_arguments, clippy::large_enum_variant)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use types::*;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{self, InspectHold, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{
		validate_cid, AccessControl, AuditAction, AuditLog, CareRelationship, CidBytes,
		CommitteeCiphertext, CommitteeLocks, Consumed, Envelope, GrantId, PairGrants, ReadRefusal,
		RecordId, RecordIndex, RecordKind, ReleaseKey, Role, RoleRegistry, Use,
	};

	use sp_runtime::traits::{Saturating, Zero};

	/// Version 3: each record keeps its patient's and its author's envelopes (version 2 gave it
	/// the deposit its author paid for it).
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Roles and verification of accounts.
		type Registry: RoleRegistry<Self::AccountId>;
		/// Whether a doctor treats a patient (accepted appointments).
		type Care: CareRelationship<Self::AccountId>;
		/// The patient's grants: write grants for authors, read grants for readers.
		type Access: AccessControl<Self::AccountId>;
		/// Where record creations, reads and dispenses are written for the patient.
		type Audit: AuditLog<Self::AccountId>;
		/// Where two-lock records' committee parts are checked and kept, and reads noted for
		/// the validators to answer.
		type Locks: CommitteeLocks<Self::AccountId>;
		/// The currency record deposits are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Held from the author for each record, for good: records are never removed, so what
		/// a doctor makes the chain keep forever is paid for by the doctor. It should cover the
		/// largest record with its two envelopes and index entries.
		#[pallet::constant]
		type RecordDeposit: Get<BalanceOf<Self>>;
		/// The longest encrypted title of a record, in bytes.
		#[pallet::constant]
		type MaxTitleLen: Get<u32>;
		/// The most records one [`Pallet::record_reads`] call reads.
		#[pallet::constant]
		type MaxReadBatch: Get<u32>;
		/// The most records one [`Pallet::add_records`] call writes.
		#[pallet::constant]
		type MaxWriteBatch: Get<u32>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds balance.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposits of an author's records, held for good.
		#[codec(index = 0)]
		Record,
	}

	/// The id the next record gets.
	///
	/// Whitelisted: the benchmarks do not count it, because every write of a block reads and
	/// writes this one key, which costs the database one read and one write per block (a
	/// later access hits the block's overlay). `on_initialize` charges those, once.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextRecordId<T> = StorageValue<_, RecordId, ValueQuery>;

	/// Every record, by id. Never removed: records are immutable.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Twox64Concat, RecordId, Record<T>>;

	/// A patient's records, for listing them.
	#[pallet::storage]
	pub type PatientRecords<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RecordId, ()>;

	/// The sealed data key of a record for one grantee, with how many live grants listed the
	/// record for them. The patient's and the author's are kept in the record itself
	/// ([`Record::patient_envelope`]), so writing a record is one write, not three.
	#[pallet::storage]
	pub type Envelopes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, RecordId, Blake2_128Concat, T::AccountId, EnvelopeEntry>;

	/// The dispensing state of each prescription.
	#[pallet::storage]
	pub type Prescriptions<T> = StorageMap<_, Twox64Concat, RecordId, Dispensing>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A record was added to a patient's history.
		RecordAdded {
			record: RecordId,
			patient: T::AccountId,
			author: T::AccountId,
			kind: RecordKind,
		},
		/// `new` corrects `old`, which stays readable but is no longer current.
		RecordSuperseded { old: RecordId, new: RecordId },
		/// A reader recorded that they read a record (under `grant`, unless patient or author).
		RecordRead { record: RecordId, reader: T::AccountId, grant: Option<GrantId> },
		/// A pharmacy dispensed `quantity` of a prescription; `remaining` is left.
		Dispensed { record: RecordId, pharmacy: T::AccountId, quantity: u32, remaining: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The author is not a doctor who is verified right now.
		NotVerifiedDoctor,
		/// The record's subject is not a registered patient.
		NotAPatient,
		/// The doctor neither treats the patient nor holds a live write grant.
		NoCareRelationship,
		/// The CID is malformed, or not a dag-pb/raw CID hashed with sha2-256 or blake2b-256.
		InvalidCid,
		/// The encrypted file is empty: an encrypted file always has bytes.
		EmptyFile,
		/// A prescription needs a prescribed quantity above zero.
		MissingQuantity,
		/// Only prescriptions carry a quantity.
		UnexpectedQuantity,
		/// No record has this id.
		UnknownRecord,
		/// The superseded record belongs to another patient.
		WrongPatient,
		/// A correction must be of the same kind as the record it corrects.
		KindMismatch,
		/// The record was already corrected; correct its latest version instead.
		AlreadySuperseded,
		/// Only the author of a record may correct it.
		NotAuthor,
		/// A corrected prescription may not prescribe less than was already dispensed.
		BelowDispensed,
		/// The reader has no live grant covering this record.
		NoAccess,
		/// The reader holds a grant, but the patient sealed no key for them for this record.
		NoEnvelope,
		/// The caller is not a pharmacy that is verified right now.
		NotVerifiedPharmacy,
		/// The record is not a prescription.
		NotAPrescription,
		/// The prescription was corrected; dispense its latest version.
		Superseded,
		/// Dispensing needs a quantity above zero.
		ZeroQuantity,
		/// The prescription is already fully dispensed.
		FullyDispensed,
		/// More than what is left of the prescription.
		ExceedsPrescribed,
		/// An envelope is held by too many grants at once.
		TooManyHolders,
		/// A batch names no record.
		EmptyBatch,
		/// A batch of reads names records of more than one patient.
		MixedPatients,
		/// Record ids are exhausted.
		Overflow,
		/// The author's free balance cannot pay the record's deposit (`RecordDeposit`, one per
		/// record): top the account up.
		InsufficientBalance,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// The block's one read and one write of the whitelisted `NextRecordId`.
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads_writes(1, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds a record to `patient`'s history.
		///
		/// The caller must be a verified doctor who treats the patient or holds a live write
		/// grant from them. `cid` is the binary CID of the encrypted file (`size` bytes),
		/// `title` the title encrypted with the record's data key, and the envelopes seal that
		/// data key to the patient and to the author. A prescription carries the prescribed
		/// `quantity`. A correction names the record it `supersedes` (same patient, same kind,
		/// not yet superseded).
		///
		/// A record written under a write grant (rather than an accepted appointment) consumes
		/// one of its uses. A correction must come from the old record's author; a corrected
		/// prescription keeps the old one's dispensed count, and `quantity` may not be below it.
		///
		/// A two-lock record carries its committee part `lock`: `K_c` encrypted to the
		/// validators' committee key, which the key-release pallet checks was made for this
		/// record (patient, author, CID). The envelopes then seal the record's secret to the
		/// patient and the author, who derive both parts from it.
		///
		/// The author pays `RecordDeposit` for the record, held for good.
		///
		/// Errors: `NotVerifiedDoctor`, `NotAPatient`, `NoCareRelationship`,
		/// `InvalidCid`, `EmptyFile`, `MissingQuantity`, `UnexpectedQuantity`,
		/// `InsufficientBalance`, for corrections `UnknownRecord`, `WrongPatient`,
		/// `NotAuthor`, `KindMismatch`, `AlreadySuperseded`, `BelowDispensed`, and for a lock
		/// the key-release pallet's `CommitteeNotReady` and `InvalidLock`.
		#[pallet::call_index(0)]
		#[pallet::weight(
			T::WeightInfo::add_record(title.len() as u32)
				.saturating_add(T::Access::max_end_weight(1))
				.saturating_add(if lock.is_some() { T::Locks::lock_weight() } else { Weight::zero() })
		)]
		pub fn add_record(
			origin: OriginFor<T>,
			patient: T::AccountId,
			kind: RecordKind,
			cid: CidBytes,
			size: u64,
			title: BoundedVec<u8, T::MaxTitleLen>,
			quantity: Option<u32>,
			patient_envelope: Envelope,
			author_envelope: Envelope,
			supersedes: Option<RecordId>,
			lock: Option<CommitteeCiphertext>,
		) -> DispatchResultWithPostInfo {
			let author = ensure_signed(origin)?;
			Self::ensure_author_and_patient(&author, &patient)?;
			let new = NewRecord {
				kind,
				cid,
				size,
				title,
				quantity,
				patient_envelope,
				author_envelope,
				supersedes,
				lock,
			};
			let mut licence = Licence::of::<T>(&author, &patient);
			let weight = Self::record_weight(new.title.len() as u32, new.is_plain(), &licence)
				.saturating_add(Self::locks_weight(u32::from(new.is_locked())));
			let ended = Self::write(&author, &patient, new, &mut licence)?;
			// Last, so that a record that breaks a rule says so; a refusal here undoes it all.
			Self::hold_deposit(&author, T::RecordDeposit::get())?;
			Ok(Some(weight.saturating_add(ended)).into())
		}

		/// Records that the caller is about to read `record`, before their client decrypts it.
		///
		/// The patient may always read; the author while still a verified doctor. Anyone else
		/// needs a live grant covering the record and an envelope for it: one use of the grant
		/// is consumed (a one-time grant ends here). The read enters the patient's audit trail.
		/// A doctor under emergency access reads the records of the patient's emergency
		/// summary without an envelope.
		///
		/// For a two-lock record, `release` is the reader's fresh one-time X25519 key: once
		/// the read is final, the validators release their shares of the record's committee
		/// part sealed to it. Without it nothing is released.
		///
		/// Errors: `UnknownRecord`, `NoAccess`, `NoEnvelope`.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::read_weight(
			T::WeightInfo::record_read(T::Access::max_grants_per_pair()),
			1,
			release.is_some(),
		))]
		pub fn record_read(
			origin: OriginFor<T>,
			record: RecordId,
			release: Option<ReleaseKey>,
		) -> DispatchResultWithPostInfo {
			let reader = ensure_signed(origin)?;
			let Done { reads, ended, grants_read } = Self::read(&reader, &[record])?;
			if let Some(key) = release {
				Self::note_reads(&reader, &reads, key);
			}
			let weight = T::WeightInfo::record_read(Self::grants_read(grants_read))
				.saturating_add(Self::locks_read_weight(1, release.is_some()));
			Ok(Some(weight.saturating_add(ended)).into())
		}

		/// Dispenses `quantity` of the prescription `record`.
		///
		/// The caller must be a verified pharmacy with a live grant covering the prescription;
		/// one use of the grant is consumed. The prescription must be current (not superseded)
		/// and not dispensed past its prescribed quantity.
		///
		/// Errors: `NotVerifiedPharmacy`, `UnknownRecord`, `NotAPrescription`, `Superseded`,
		/// `ZeroQuantity`, `NoAccess`, `FullyDispensed`, `ExceedsPrescribed`.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::read_weight(
			T::WeightInfo::dispense(T::Access::max_grants_per_pair()),
			1,
			release.is_some(),
		))]
		pub fn dispense(
			origin: OriginFor<T>,
			record: RecordId,
			quantity: u32,
			release: Option<ReleaseKey>,
		) -> DispatchResultWithPostInfo {
			let pharmacy = ensure_signed(origin)?;
			ensure!(
				T::Registry::is_active(&pharmacy, Role::Pharmacy),
				Error::<T>::NotVerifiedPharmacy
			);
			let entry = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
			let mut state = Prescriptions::<T>::get(record).ok_or(Error::<T>::NotAPrescription)?;
			ensure!(entry.superseded_by.is_none(), Error::<T>::Superseded);
			ensure!(quantity > 0, Error::<T>::ZeroQuantity);
			// Dispensing needs a covering grant; the one holding the pharmacy's key, if any, is
			// charged first.
			let lookup = T::Access::read_grant(&pharmacy, &entry.patient, record, entry.kind);
			let grant = match lookup.verdict {
				Ok(grant) | Err(ReadRefusal::NoEnvelope { grant }) => grant,
				Err(ReadRefusal::NoGrant) => return Err(Error::<T>::NoAccess.into()),
			};
			let remaining = state.remaining();
			ensure!(remaining > 0, Error::<T>::FullyDispensed);
			ensure!(quantity <= remaining, Error::<T>::ExceedsPrescribed);

			state.dispensed += quantity;
			Prescriptions::<T>::insert(record, state);
			T::Audit::log(&entry.patient, &pharmacy, AuditAction::Dispensed { record, quantity });
			Self::deposit_event(Event::Dispensed {
				record,
				pharmacy: pharmacy.clone(),
				quantity,
				remaining: state.remaining(),
			});
			// Last, so the trail shows the dispense before the end of a grant it used up.
			let (ended, last_use) = Self::consume(grant, 1)?;
			if let Some(key) = release {
				T::Locks::note_read(
					record,
					&entry.patient,
					&pharmacy,
					Some(grant),
					last_use,
					false,
					key,
				);
			}
			let weight = T::WeightInfo::dispense(Self::grants_read(lookup.grants))
				.saturating_add(Self::locks_read_weight(1, release.is_some()));
			Ok(Some(weight.saturating_add(ended)).into())
		}

		/// Records that the caller is about to read each of `records`, all of one patient's,
		/// in one extrinsic: what a reader opening several records of a history does.
		///
		/// Each read is checked, audited and charged to its grant exactly as
		/// [`record_read`](Self::record_read) does, in the order given; if any read is
		/// refused, none is recorded. One `release` key serves the whole batch.
		///
		/// Errors: `EmptyBatch`, `MixedPatients`, and those of `record_read`.
		#[pallet::call_index(3)]
		#[pallet::weight(Pallet::<T>::read_weight(
			T::WeightInfo::record_reads(records.len() as u32, T::Access::max_grants_per_pair()),
			records.len() as u32,
			release.is_some(),
		))]
		pub fn record_reads(
			origin: OriginFor<T>,
			records: BoundedVec<RecordId, T::MaxReadBatch>,
			release: Option<ReleaseKey>,
		) -> DispatchResultWithPostInfo {
			let reader = ensure_signed(origin)?;
			ensure!(!records.is_empty(), Error::<T>::EmptyBatch);
			// The batch looks the pair's grants up once, and is charged for the grants it read.
			let Done { reads, ended, grants_read } = Self::read(&reader, &records)?;
			if let Some(key) = release {
				Self::note_reads(&reader, &reads, key);
			}
			let n = records.len() as u32;
			let weight = T::WeightInfo::record_reads(n, Self::grants_read(grants_read))
				.saturating_add(Self::locks_read_weight(n, release.is_some()));
			Ok(Some(weight.saturating_add(ended)).into())
		}

		/// Adds each of `records` to `patient`'s history, in the order given, in one
		/// extrinsic: what a visit that produced several documents writes.
		///
		/// Each record is checked, stored, given its envelopes, paid for and audited exactly as
		/// [`add_record`](Self::add_record) does; a record written under a write grant consumes
		/// one of its uses. If any record is refused, none is stored. A record of the batch may
		/// correct one written earlier in the same batch.
		///
		/// Errors: `EmptyBatch`, and those of `add_record`.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::add_records(records.len() as u32)
				.saturating_add(T::Access::max_end_weight(records.len() as u32))
				.saturating_add(Pallet::<T>::locks_weight(records.iter().filter(|r| r.is_locked()).count() as u32))
		)]
		pub fn add_records(
			origin: OriginFor<T>,
			patient: T::AccountId,
			records: BoundedVec<NewRecord<T::MaxTitleLen>, T::MaxWriteBatch>,
		) -> DispatchResultWithPostInfo {
			let author = ensure_signed(origin)?;
			ensure!(!records.is_empty(), Error::<T>::EmptyBatch);
			Self::ensure_author_and_patient(&author, &patient)?;
			let plain = records.iter().filter(|r| r.is_plain()).count() as u32;
			let locked = records.iter().filter(|r| r.is_locked()).count() as u32;
			// The relationship is found once, and the deposits held at once: the same rules
			// as record by record, without repeating the same lookups and balance updates.
			let mut licence = Licence::of::<T>(&author, &patient);
			let weight = Self::batch_weight(records.len() as u32, plain, &licence)
				.saturating_add(Self::locks_weight(locked));
			let deposits = T::RecordDeposit::get().saturating_mul((records.len() as u32).into());
			let mut ended = Weight::zero();
			for new in records {
				ended.saturating_accrue(Self::write(&author, &patient, new, &mut licence)?);
			}
			// Last, so that a record that breaks a rule says so; a refusal here undoes it all.
			Self::hold_deposit(&author, deposits)?;
			Ok(Some(weight.saturating_add(ended)).into())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The record with this id.
		pub fn record(id: RecordId) -> Option<Record<T>> {
			Records::<T>::get(id)
		}

		/// The ids of a patient's records, oldest first.
		pub fn patient_records(patient: T::AccountId) -> Vec<RecordId> {
			let mut ids: Vec<RecordId> = PatientRecords::<T>::iter_key_prefix(&patient).collect();
			ids.sort_unstable();
			ids
		}

		/// The envelope sealed to `reader` for `record`, if any: the record's own for its
		/// patient and author, else the one a grant gave them.
		pub fn envelope(record: RecordId, reader: T::AccountId) -> Option<Envelope> {
			Records::<T>::get(record)
				.and_then(|r| r.own_envelope(&reader))
				.or_else(|| Envelopes::<T>::get(record, reader).map(|e| e.envelope))
		}

		/// Whether `reader` may read `record` right now (and holds its envelope).
		pub fn can_read(reader: T::AccountId, record: RecordId) -> bool {
			Records::<T>::get(record).is_some_and(|entry| {
				Self::authorise_read(&reader, record, &entry, &mut None).is_ok()
			})
		}

		/// The dispensing state of a prescription.
		pub fn dispensing(record: RecordId) -> Option<Dispensing> {
			Prescriptions::<T>::get(record)
		}
	}

	impl<T: Config> Pallet<T> {
		/// What `add_record` of a `title_len`-byte title under `licence` costs: the
		/// benchmarked worst case (a correction of a prescription under a write grant), or the
		/// cheaper `add_report` for a plain new record, by a treating doctor or under a grant.
		pub(crate) fn record_weight(title_len: u32, plain: bool, licence: &Licence) -> Weight {
			let worst = T::WeightInfo::add_record(title_len);
			if plain {
				T::WeightInfo::add_report(title_len, licence.granted()).min(worst)
			} else {
				worst
			}
		}

		/// What `add_records` of `n` records, `plain` of them plain new reports, costs under
		/// `licence`: the all-plain batch plus the worst case's extra for each record that is
		/// not plain.
		pub(crate) fn batch_weight(n: u32, plain: u32, licence: &Licence) -> Weight {
			let worst = T::WeightInfo::add_records(n);
			let reports = T::WeightInfo::add_reports(n, licence.granted()).min(worst);
			let extra = worst.saturating_sub(reports);
			let costly = u64::from(n.saturating_sub(plain));
			let share = extra.saturating_mul(costly).checked_div(u64::from(n.max(1)));
			reports.saturating_add(share.unwrap_or(extra))
		}

		/// What checking and keeping `locked` committee parts costs.
		pub(crate) fn locks_weight(locked: u32) -> Weight {
			T::Locks::lock_weight().saturating_mul(locked.into())
		}

		/// What noting `n` reads for the validators costs, when a release key is given.
		pub(crate) fn locks_read_weight(n: u32, release: bool) -> Weight {
			if release {
				T::Locks::note_read_weight().saturating_mul(n.into())
			} else {
				Weight::zero()
			}
		}

		/// The most `n` reads costing `reads` cost up front: the reads, the most grant ends
		/// they can cause, and noting them for release.
		pub(crate) fn read_weight(reads: Weight, n: u32, release: bool) -> Weight {
			reads
				.saturating_add(T::Access::max_end_weight(n))
				.saturating_add(Self::more_grants_written(n.min(T::Access::max_grants_per_pair())))
				.saturating_add(Self::locks_read_weight(n, release))
		}

		/// The benchmarks' reads write the uses they took back to one grant; reads spread
		/// over `grants` of the pair's grants write each of them back.
		fn more_grants_written(grants: u32) -> Weight {
			T::Access::uses_written_weight().saturating_mul(grants.saturating_sub(1).into())
		}

		/// The author is a doctor verified right now, the subject a registered patient.
		fn ensure_author_and_patient(
			author: &T::AccountId,
			patient: &T::AccountId,
		) -> DispatchResult {
			ensure!(T::Registry::is_active(author, Role::Doctor), Error::<T>::NotVerifiedDoctor);
			// One role per account, so this also keeps doctors out of their own history.
			ensure!(T::Registry::role(patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			Ok(())
		}

		/// Checks and stores one record by a verified `author` for a registered `patient`
		/// under `licence`; the caller holds its deposit. Returns the weight of a write
		/// grant it used up, beyond the calling extrinsic's own.
		fn write(
			author: &T::AccountId,
			patient: &T::AccountId,
			new: NewRecord<T::MaxTitleLen>,
			licence: &mut Licence,
		) -> Result<Weight, DispatchError> {
			// Treating needs no grant; otherwise the write grant found here pays one use.
			let write_grant = licence.grant::<T>(author, patient)?;
			validate_cid(&new.cid).map_err(|_| Error::<T>::InvalidCid)?;
			ensure!(new.size > 0, Error::<T>::EmptyFile);
			match (new.kind, new.quantity) {
				(RecordKind::Prescription, Some(q)) if q > 0 => {}
				(RecordKind::Prescription, _) => return Err(Error::<T>::MissingQuantity.into()),
				(_, Some(_)) => return Err(Error::<T>::UnexpectedQuantity.into()),
				(_, None) => {}
			}
			let mut dispensed = 0;
			if let Some(old_id) = new.supersedes {
				let old = Records::<T>::get(old_id).ok_or(Error::<T>::UnknownRecord)?;
				ensure!(old.patient == *patient, Error::<T>::WrongPatient);
				ensure!(old.author == *author, Error::<T>::NotAuthor);
				ensure!(old.kind == new.kind, Error::<T>::KindMismatch);
				ensure!(old.superseded_by.is_none(), Error::<T>::AlreadySuperseded);
				if let (Some(state), Some(q)) = (Prescriptions::<T>::get(old_id), new.quantity) {
					ensure!(q >= state.dispensed, Error::<T>::BelowDispensed);
					dispensed = state.dispensed;
				}
			}
			let deposit = T::RecordDeposit::get();
			let id = NextRecordId::<T>::get();
			NextRecordId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let record = Record {
				patient: patient.clone(),
				author: author.clone(),
				kind: new.kind,
				cid: new.cid,
				size: new.size,
				title: new.title,
				created_at: frame_system::Pallet::<T>::block_number(),
				supersedes: new.supersedes,
				superseded_by: None,
				deposit,
				patient_envelope: new.patient_envelope,
				author_envelope: new.author_envelope,
			};
			if let Some(lock) = &new.lock {
				T::Locks::lock(id, patient, author, &record.cid, lock)?;
			}
			let dispensing = new.quantity.map(|prescribed| Dispensing { prescribed, dispensed });
			Self::store(id, record, dispensing);
			let Some(grant) = write_grant else { return Ok(Weight::zero()) };
			Ok(match T::Access::consume(grant)? {
				Consumed::Counted => Weight::zero(),
				Consumed::Ended { envelopes } => {
					// Its last use: a next record of the batch looks for another grant.
					*licence = Licence::Grant(None);
					T::Access::end_weight(envelopes)
				}
			})
		}

		/// Holds a record's deposit from its author.
		fn hold_deposit(author: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			let reason: T::RuntimeHoldReason = HoldReason::Record.into();
			ensure!(
				T::Currency::can_hold(&reason, author, amount),
				Error::<T>::InsufficientBalance
			);
			T::Currency::hold(&reason, author, amount)
		}

		/// Writes a new record (with its patient's and author's envelopes) with its index and
		/// links, and tells the patient.
		pub(crate) fn store(id: RecordId, record: Record<T>, dispensing: Option<Dispensing>) {
			let (patient, author, kind) =
				(record.patient.clone(), record.author.clone(), record.kind);
			if let Some(old) = record.supersedes {
				Records::<T>::mutate(old, |r| {
					if let Some(r) = r {
						r.superseded_by = Some(id);
					}
				});
			}
			let supersedes = record.supersedes;
			Records::<T>::insert(id, record);
			PatientRecords::<T>::insert(&patient, id, ());
			if let Some(state) = dispensing {
				Prescriptions::<T>::insert(id, state);
			}
			T::Audit::log(&patient, &author, AuditAction::RecordCreated { record: id });
			Self::deposit_event(Event::RecordAdded { record: id, patient, author, kind });
			if let Some(old) = supersedes {
				Self::deposit_event(Event::RecordSuperseded { old, new: id });
			}
		}

		/// Checks, audits and charges the reads of `records`, all of one patient's, in the order
		/// given. The grants the patient gave the reader are read once, when the first read
		/// needs one, and the uses the reads take from them are written back once per grant.
		fn read(
			reader: &T::AccountId,
			records: &[RecordId],
		) -> Result<Done<T::AccountId>, DispatchError> {
			let mut patient: Option<T::AccountId> = None;
			let mut pair: Option<PairGrants> = None;
			let mut reads = Vec::with_capacity(records.len());
			let mut ended = Weight::zero();
			for &record in records {
				let entry = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
				// The first record names the patient every other one must belong to.
				let patient = patient.get_or_insert_with(|| entry.patient.clone());
				ensure!(entry.patient == *patient, Error::<T>::MixedPatients);
				let permit = Self::authorise_read(reader, record, &entry, &mut pair)?;
				let grant = permit.grant;
				T::Audit::log(patient, reader, AuditAction::RecordRead { record, grant });
				Self::deposit_event(Event::RecordRead { record, reader: reader.clone(), grant });
				// A grant's last use ends it right here, so the trail shows the read before the
				// end of the grant it used up.
				let mut last_use = false;
				if let (Some(grant), Some(pair)) = (grant, pair.as_mut()) {
					if let Use::Last { uses } = pair.take_use(grant) {
						ended = ended.saturating_add(Self::consume(grant, uses)?.0);
						last_use = true;
					}
				}
				reads.push(Read { record, patient: entry.patient, permit, last_use });
			}
			let grants_read = pair.as_ref().map_or(0, PairGrants::read);
			let mut written = 0u32;
			for (grant, uses) in pair.iter().flat_map(PairGrants::pending) {
				Self::consume(grant, uses)?;
				written.saturating_inc();
			}
			let ended = ended.saturating_add(Self::more_grants_written(written));
			Ok(Done { reads, ended, grants_read })
		}

		/// The component a read or a dispense is charged at: the grants its lookup read, at
		/// least one (the patient and the author look up none, and do less than a grantee).
		fn grants_read(grants: u32) -> u32 {
			grants.clamp(1, T::Access::max_grants_per_pair())
		}

		/// Leaves the reads of one extrinsic for the validators to answer under `key`. A read
		/// under a grant that a read of the same extrinsic used up counts as its last use: the
		/// extrinsic used the grant up, nobody revoked it.
		fn note_reads(reader: &T::AccountId, reads: &[Read<T::AccountId>], key: ReleaseKey) {
			for read in reads {
				let grant = read.permit.grant;
				let used_up =
					reads.iter().any(|other| other.last_use && other.permit.grant == grant);
				T::Locks::note_read(
					read.record,
					&read.patient,
					reader,
					grant,
					used_up,
					read.permit.emergency,
					key,
				);
			}
		}

		/// Consumes `uses` uses of `grant`. Returns the weight of ending it if that took its
		/// last use (the calls charge that worst case up front and refund it when no grant
		/// ends), and whether it did.
		fn consume(grant: GrantId, uses: u32) -> Result<(Weight, bool), DispatchError> {
			Ok(match T::Access::consume_uses(grant, uses)? {
				Consumed::Counted => (Weight::zero(), false),
				Consumed::Ended { envelopes } => (T::Access::end_weight(envelopes), true),
			})
		}

		/// Who may read: the patient, the author while verified, a grantee with an envelope,
		/// or a doctor under emergency access reading the emergency summary. A grantee's read
		/// looks its grant up in `pair`, read when the first read needs it.
		fn authorise_read(
			reader: &T::AccountId,
			record: RecordId,
			entry: &Record<T>,
			pair: &mut Option<PairGrants>,
		) -> Result<Permit, Error<T>> {
			let own = Permit { grant: None, emergency: false };
			if *reader == entry.patient {
				return Ok(own);
			}
			if *reader == entry.author && T::Registry::is_active(reader, Role::Doctor) {
				return Ok(own);
			}
			let pair = pair.get_or_insert_with(|| T::Access::pair_grants(reader, &entry.patient));
			match pair.lookup(record, entry.kind) {
				Ok(grant) => Ok(Permit { grant: Some(grant), emergency: false }),
				Err(refusal) => {
					// The emergency summary opens under emergency access without an envelope:
					// the validators release both parts. The grant it finds needs no write (no
					// use limit), so the benchmark's counted use covers it.
					if T::Locks::in_emergency_summary(record) {
						if let Some(grant) = pair.emergency() {
							return Ok(Permit { grant: Some(grant), emergency: true });
						}
					}
					Err(Self::refusal(refusal))
				}
			}
		}

		/// The error for a refused read.
		fn refusal(refusal: ReadRefusal) -> Error<T> {
			match refusal {
				ReadRefusal::NoGrant => Error::<T>::NoAccess,
				ReadRefusal::NoEnvelope { .. } => Error::<T>::NoEnvelope,
			}
		}

		/// Checks the invariants listed in the module docs. Always compiled: the runtime fuzzer
		/// checks them after every block.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let next = NextRecordId::<T>::get();
			let mut deposits = alloc::collections::BTreeMap::<T::AccountId, BalanceOf<T>>::new();
			for (id, record) in Records::<T>::iter() {
				let paid = deposits.entry(record.author.clone()).or_insert_with(Zero::zero);
				*paid = paid.saturating_add(record.deposit);
				ensure!(id < next, "record id at or above NextRecordId");
				ensure!(
					PatientRecords::<T>::contains_key(&record.patient, id),
					"record missing from its patient's index"
				);
				if let Some(old) = record.supersedes {
					let old = Records::<T>::get(old).ok_or("supersedes a missing record")?;
					ensure!(old.superseded_by == Some(id), "supersession link not symmetric");
				}
				if let Some(new) = record.superseded_by {
					let new = Records::<T>::get(new).ok_or("superseded by a missing record")?;
					ensure!(new.supersedes == Some(id), "supersession link not symmetric");
				}
				ensure!(
					(record.kind == RecordKind::Prescription)
						== Prescriptions::<T>::contains_key(id),
					"dispensing state without prescription, or prescription without one"
				);
			}
			for (patient, id, ()) in PatientRecords::<T>::iter() {
				let record = Records::<T>::get(id).ok_or("index entry without record")?;
				ensure!(record.patient == patient, "record indexed under another patient");
			}
			for (id, _, entry) in Envelopes::<T>::iter() {
				ensure!(Records::<T>::contains_key(id), "envelope without its record");
				ensure!(entry.holders > 0, "envelope nobody holds");
			}
			for (_, state) in Prescriptions::<T>::iter() {
				ensure!(state.dispensed <= state.prescribed, "dispensed past the prescription");
			}
			let reason: T::RuntimeHoldReason = HoldReason::Record.into();
			for (author, paid) in deposits {
				ensure!(
					T::Currency::balance_on_hold(&reason, &author) == paid,
					"held record deposits differ from the author's records'"
				);
			}
			Ok(())
		}
	}

	/// How an author may write for a patient: in treatment, or under a write grant, found once
	/// and looked up again only after its last use ended it.
	pub(crate) enum Licence {
		/// The author treats the patient: no grant is needed.
		Treating,
		/// The author writes under a write grant; the one found last, if it still holds.
		Grant(Option<GrantId>),
	}

	impl Licence {
		/// The licence `author` has for `patient` right now.
		pub(crate) fn of<T: Config>(author: &T::AccountId, patient: &T::AccountId) -> Self {
			if T::Care::is_treating(author, patient) {
				Licence::Treating
			} else {
				Licence::Grant(None)
			}
		}

		/// The benchmarks' component for this licence: 0 when treating, which looks for no
		/// grant, 1 under a write grant.
		pub(crate) fn granted(&self) -> u32 {
			u32::from(matches!(self, Licence::Grant(_)))
		}

		/// The write grant the next record is written under (none when treating).
		pub(crate) fn grant<T: Config>(
			&mut self,
			author: &T::AccountId,
			patient: &T::AccountId,
		) -> Result<Option<GrantId>, Error<T>> {
			match self {
				Licence::Treating => Ok(None),
				Licence::Grant(Some(id)) => Ok(Some(*id)),
				Licence::Grant(found) => {
					let id = T::Access::write_grant(author, patient)
						.ok_or(Error::<T>::NoCareRelationship)?;
					*found = Some(id);
					Ok(Some(id))
				}
			}
		}
	}

	impl<T: Config> RecordIndex<T::AccountId> for Pallet<T> {
		fn record(record: RecordId) -> Option<(T::AccountId, RecordKind)> {
			Records::<T>::get(record).map(|r| (r.patient, r.kind))
		}

		fn add_envelope(
			record: RecordId,
			reader: &T::AccountId,
			envelope: Envelope,
		) -> DispatchResult {
			ensure!(Records::<T>::contains_key(record), Error::<T>::UnknownRecord);
			Envelopes::<T>::try_mutate(record, reader, |entry| {
				match entry {
					Some(e) => {
						e.holders = e.holders.checked_add(1).ok_or(Error::<T>::TooManyHolders)?;
						e.envelope = envelope;
					}
					None => *entry = Some(EnvelopeEntry::new(envelope)),
				}
				Ok(())
			})
		}

		fn remove_envelope(record: RecordId, reader: &T::AccountId) {
			Envelopes::<T>::mutate_exists(record, reader, |entry| {
				if let Some(e) = entry {
					e.holders = e.holders.saturating_sub(1);
					if e.holders == 0 {
						*entry = None;
					}
				}
			});
		}

		fn has_envelope(record: RecordId, reader: &T::AccountId) -> bool {
			Envelopes::<T>::contains_key(record, reader)
		}

		fn grant_holders(record: RecordId, reader: &T::AccountId) -> u32 {
			Envelopes::<T>::get(record, reader).map_or(0, |e| e.holders)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn create_for_benchmarks(
			patient: &T::AccountId,
			author: &T::AccountId,
			kind: RecordKind,
		) -> RecordId {
			let id = NextRecordId::<T>::get();
			NextRecordId::<T>::put(id + 1);
			let record = Record {
				patient: patient.clone(),
				author: author.clone(),
				kind,
				cid: types::benchmark_cid(),
				size: 1,
				title: Default::default(),
				created_at: frame_system::Pallet::<T>::block_number(),
				supersedes: None,
				superseded_by: None,
				deposit: Zero::zero(),
				patient_envelope: [1; 80],
				author_envelope: [2; 80],
			};
			let dispensing = (kind == RecordKind::Prescription)
				.then_some(Dispensing { prescribed: 10, dispensed: 0 });
			Self::store(id, record, dispensing);
			id
		}
	}
}
