//! # Consent pallet
//!
//! Everyone but the patient and a record's author must ask. This pallet holds the asking and
//! the answers, and the patient's audit trail of everything done with their data.
//!
//! ## Flow
//! - A verified practitioner [requests](Pallet::request_access) access to a patient's data with
//!   a [`Scope`] (all reports, all prescriptions, the profile, listed records, or the right to
//!   add records), a purpose sealed to the patient, and the duration they want.
//! - The patient [grants](Pallet::grant) it with an expiry block and optionally a maximum
//!   number of uses, or [denies](Pallet::deny) it with a reason. The patient can also
//!   [grant without a request](Pallet::grant_access) and [revoke](Pallet::revoke) any grant at
//!   any time.
//! - A grant carries the key envelopes the patient's client sealed to the grantee, one per
//!   covered record; they are stored by the records pallet ([`RecordIndex`]) and removed when
//!   the grant ends. More can be [added](Pallet::add_envelopes) while it lives and its grantee
//!   is verified.
//! - A grant holds only while it is not expired, not revoked, has uses left, and its grantee
//!   is registered and verified *right now* in the role it was given to — a suspended
//!   practitioner's grants stop working at once, without any write. Every use (a recorded
//!   read, a dispense, a record written under a write grant) consumes one use of a limited
//!   grant. The grantee may [renounce](Pallet::renounce) a grant.
//! - Expiry is checked lazily at every use; the storage of expired grants is removed from
//!   `on_idle` by a sweep with a cursor, so no bounded per-block slot exists for anyone to fill.
//!   A grant that ends early (revoked, used up, renounced) leaves the expiry index at once.
//! - A verified doctor may open [emergency access](Pallet::emergency_access) (break-glass):
//!   a justification is mandatory, the access lasts `EmergencyDuration` blocks, each doctor
//!   may do it once per `EmergencyCooldown`, a patient has at most `MaxEmergencyPerPatient`
//!   open at once (apart from, and not using up, their `MaxGrantsPerPatient`), and it is loud:
//!   an event and an audit entry for the patient. It covers the patient's reports (not
//!   prescriptions), and keys stay end-to-end: the patient's client must still add envelopes
//!   for the doctor to decrypt anything.
//!
//! ## Deposits
//! What users make the chain store is paid for by a deposit, held while it is stored:
//! [`Config::RequestDeposit`] from the requester until they [clear](Pallet::clear_request) the
//! closed request, [`Config::GrantDeposit`] from the patient (the doctor for emergency
//! access) while a grant lives.
//!
//! ## What is sealed
//! Request purposes, deny reasons and emergency justifications are stored as the caller's
//! client submits them; MedChain's client seals each to its reader (HPKE, the patient for
//! purposes and justifications, the requester for deny reasons). Everything else here is ids,
//! account ids, scopes and block numbers: no health information.
//!
//! ## Audit trail
//! Requests, decisions, revocations, grant ends, emergency access, and (through
//! [`AuditLog`]) record creations, recorded reads and dispenses are appended to the patient's
//! trail, each with the block, the actor's account id and the action (ids only). The trail is
//! append-only: nobody's action evicts an entry, and the patient pages through all of it from
//! state ([`Pallet::audit_page`]), so a pruned node serves it too.
//!
//! ## Invariants (checked by `try_state`)
//! - Grants, the per-patient, per-pair and per-grantee indexes and counters and the expiry
//!   index agree; the records pallet counts exactly one envelope holder per live grant listing
//!   a record.
//! - The deposits held under each reason are exactly those of live grants and kept requests.
//! - Pending requests are exactly the indexed ones, and the pending counters agree.
//! - Each audit trail's length matches its entries, numbered from zero without gaps.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

mod audit;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod grants;
mod interfaces;
// Always compiled: the runtime fuzzer (runtime/tests/fuzz.rs) checks them after every block.
mod invariants;
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
		traits::{
			fungible::{self, InspectHold, Mutate, MutateHold},
			tokens::{Precision, Preservation},
		},
	};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{
		AuditAction, Envelope, GrantId, RecordId, RecordIndex, RequestId, Role, RoleRegistry,
		Scope, MAX_LISTED_RECORDS,
	};
	use sp_runtime::traits::{Saturating, Zero};

	/// Version 2: grants carry their role and deposit, requests their deposit, the expiry
	/// index is a (block, grant) set swept from `on_idle`, and the audit trail is append-only.
	/// Version 3: grants given without a request are counted per grantee (`UnaskedHeld`).
	/// Version 4: and indexed per grantee (`UnaskedGrants`), so that expired ones the sweep has
	/// not reached yet can be found and ended when they fill the grantee's limit.
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

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
		/// The records and their envelopes.
		type Records: RecordIndex<Self::AccountId>;
		/// The currency deposits are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Held from a requester for each request until they clear it.
		#[pallet::constant]
		type RequestDeposit: Get<BalanceOf<Self>>;
		/// Paid by a requester to the patient for each request, and never given back: the
		/// request's entry stays on the patient's audit trail for good, so asking again and
		/// again costs the asker, not the patient.
		#[pallet::constant]
		type RequestFee: Get<BalanceOf<Self>>;
		/// Held for each live grant, from the patient (the doctor for emergency access).
		#[pallet::constant]
		type GrantDeposit: Get<BalanceOf<Self>>;
		/// The longest sealed purpose of a request, in bytes.
		#[pallet::constant]
		type MaxPurposeLen: Get<u32>;
		/// The longest sealed reason for a denial or emergency justification, in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;
		/// The most envelopes one grant may carry.
		#[pallet::constant]
		type MaxEnvelopes: Get<u32>;
		/// The longest a grant (or a requested duration) may last, in blocks.
		#[pallet::constant]
		type MaxGrantDuration: Get<BlockNumberFor<Self>>;
		/// The most pending requests a patient may have.
		#[pallet::constant]
		type MaxPendingRequests: Get<u32>;
		/// The most pending requests one requester may have with one patient, so that one
		/// practitioner cannot take all of a patient's `MaxPendingRequests`.
		#[pallet::constant]
		type MaxPendingPerRequester: Get<u32>;
		/// The most live grants a patient may give (emergency grants apart).
		#[pallet::constant]
		type MaxGrantsPerPatient: Get<u32>;
		/// The most live grants one grantee may hold from one patient; bounds every access
		/// check, which reads them all.
		#[pallet::constant]
		type MaxGrantsPerPair: Get<u32>;
		/// The most emergency grants open on one patient at once.
		#[pallet::constant]
		type MaxEmergencyPerPatient: Get<u32>;
		/// The most grants given without a request (not emergency ones) that one grantee may
		/// hold. Such grants never keep their grantee from leaving; they end when it leaves.
		#[pallet::constant]
		type MaxUnaskedPerGrantee: Get<u32>;
		/// The most audit entries one page returns.
		#[pallet::constant]
		type MaxAuditPage: Get<u32>;
		/// How long emergency access lasts, in blocks.
		#[pallet::constant]
		type EmergencyDuration: Get<BlockNumberFor<Self>>;
		/// How long a doctor waits between two emergency accesses, in blocks.
		#[pallet::constant]
		type EmergencyCooldown: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls and hooks, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a kept request.
		#[codec(index = 0)]
		Request,
		/// The deposit of a live grant.
		#[codec(index = 1)]
		Grant,
	}

	/// The id the next request gets.
	///
	/// Whitelisted: the benchmarks do not count it, because every request of a block reads and
	/// writes this one key, which costs the database one read and one write per block (a
	/// later access hits the block's overlay). `on_initialize` charges those, once.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// The id the next grant gets.
	///
	/// Whitelisted: the benchmarks do not count it, because every grant of a block reads and
	/// writes this one key, which costs the database one read and one write per block (a
	/// later access hits the block's overlay). `on_initialize` charges those, once.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextGrantId<T> = StorageValue<_, GrantId, ValueQuery>;

	/// Every request, by id; kept after the decision until the requester clears it.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>>;

	/// The pending requests of each patient.
	#[pallet::storage]
	pub type PendingRequests<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RequestId, ()>;

	/// How many requests each patient has pending.
	#[pallet::storage]
	pub type PendingCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many requests each (patient, requester) pair has pending.
	#[pallet::storage]
	pub type PendingPerRequester<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// How many requests each requester has pending, with any patient.
	#[pallet::storage]
	pub type PendingByRequester<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The patient's reason for each denied request, sealed to the requester; removed with the
	/// request.
	#[pallet::storage]
	pub type DenialReasons<T: Config> =
		StorageMap<_, Twox64Concat, RequestId, BoundedVec<u8, T::MaxReasonLen>>;

	/// Every live grant, by id; removed when it ends.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageMap<_, Twox64Concat, GrantId, Grant<T>>;

	/// Live grants by patient and grantee, for access checks.
	#[pallet::storage]
	pub type PatientGrants<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, GrantId>,
		),
		(),
	>;

	/// How many live (non-emergency) grants each patient gave.
	#[pallet::storage]
	pub type GrantCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many live emergency grants are open on each patient.
	#[pallet::storage]
	pub type EmergencyCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Live grants by grantee, for listing what a practitioner holds.
	#[pallet::storage]
	pub type GranteeGrants<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, GrantId, ()>;

	/// How many live grants each grantee holds.
	#[pallet::storage]
	pub type HeldCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many of those each grantee was given without asking (no request, not emergency
	/// access); at most `MaxUnaskedPerGrantee`, zero not stored.
	#[pallet::storage]
	pub type UnaskedHeld<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The grants each grantee was given without asking: at most `MaxUnaskedPerGrantee` per
	/// grantee, so a full limit can be searched for expired ones.
	#[pallet::storage]
	pub type UnaskedGrants<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, GrantId, ()>;

	/// Live grants by expiry block, for the sweep. Unbounded per block on purpose: every entry
	/// is a live grant paid by a deposit, and a grant that ends early leaves at once.
	#[pallet::storage]
	pub type Expiries<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, GrantId, ()>;

	/// The first block whose expired grants the sweep may not have removed yet.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The justification of each emergency grant, sealed to the patient.
	#[pallet::storage]
	pub type EmergencyJustifications<T: Config> =
		StorageMap<_, Twox64Concat, GrantId, BoundedVec<u8, T::MaxReasonLen>>;

	/// When each doctor last opened emergency access.
	#[pallet::storage]
	pub type LastEmergency<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// Each patient's audit trail: entry number (from 0) -> entry. Append-only.
	#[pallet::storage]
	pub type Audit<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, AuditEntry<T>>;

	/// How many entries each patient's audit trail has.
	#[pallet::storage]
	pub type AuditLen<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A practitioner asked a patient for access.
		AccessRequested { request: RequestId, requester: T::AccountId, patient: T::AccountId },
		/// The requester withdrew a pending request.
		RequestCancelled { request: RequestId },
		/// The requester cleared a closed request; its deposit was released.
		RequestCleared { request: RequestId, requester: T::AccountId },
		/// The patient granted access (answering `request`, if any).
		AccessGranted {
			grant: GrantId,
			request: Option<RequestId>,
			patient: T::AccountId,
			grantee: T::AccountId,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
		},
		/// The patient denied a request.
		AccessDenied { request: RequestId, patient: T::AccountId, requester: T::AccountId },
		/// The patient added envelopes to a live grant.
		EnvelopesAdded { grant: GrantId, count: u32 },
		/// A grant ended.
		GrantEnded {
			grant: GrantId,
			patient: T::AccountId,
			grantee: T::AccountId,
			reason: EndReason,
		},
		/// A doctor opened emergency access to a patient's records.
		EmergencyAccessOpened {
			grant: GrantId,
			doctor: T::AccountId,
			patient: T::AccountId,
			expires_at: BlockNumberFor<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a practitioner who is verified right now.
		NotVerifiedPractitioner,
		/// Only doctors may ask for or receive the right to add records.
		WriteNeedsDoctor,
		/// The account is not a registered patient.
		NotAPatient,
		/// A scope listing records must list at least one.
		EmptyScope,
		/// A listed record does not exist.
		UnknownRecord,
		/// A listed record belongs to another patient.
		NotPatientsRecord,
		/// A record is listed twice.
		DuplicateRecord,
		/// The duration is zero.
		ZeroDuration,
		/// Longer than `MaxGrantDuration`.
		DurationTooLong,
		/// The patient has `MaxPendingRequests` pending requests already.
		TooManyPendingRequests,
		/// The requester has `MaxPendingPerRequester` pending requests with this patient
		/// already; wait for an answer or cancel one.
		TooManyRequestsFromRequester,
		/// No request has this id.
		UnknownRequest,
		/// Only the requester may do this.
		NotRequester,
		/// Only the patient may do this.
		NotPatient,
		/// The request was already decided or withdrawn.
		NotPending,
		/// The request is still pending: cancel it first.
		StillPending,
		/// The grantee is not a practitioner who is verified right now.
		GranteeNotVerified,
		/// The expiry block has passed.
		ExpiryInPast,
		/// A use limit of zero grants nothing.
		ZeroUses,
		/// The patient has `MaxGrantsPerPatient` live grants already.
		TooManyGrants,
		/// The grantee holds `MaxGrantsPerPair` live grants from this patient already; revoke
		/// one or widen its scope instead.
		TooManyGrantsForGrantee,
		/// The patient has `MaxEmergencyPerPatient` emergency grants open already.
		TooManyEmergencies,
		/// The grantee holds `MaxUnaskedPerGrantee` grants given without a request already: it
		/// should ask instead.
		TooManyUnaskedGrants,
		/// An envelope is for a record the grant's scope does not cover.
		EnvelopeOutsideScope,
		/// A record the grant lists is not one the request asked for: a grant may narrow a
		/// request, never widen it.
		NotInRequestedScope,
		/// The grant would carry more than `MaxEnvelopes` envelopes.
		TooManyEnvelopes,
		/// No live grant has this id.
		UnknownGrant,
		/// The grant has expired or its uses are spent: no key may be added to it.
		GrantNotLive,
		/// Only the grantee may do this.
		NotGrantee,
		/// Only verified doctors open emergency access.
		NotVerifiedDoctor,
		/// An emergency access needs a justification.
		EmptyJustification,
		/// The doctor opened emergency access less than `EmergencyCooldown` blocks ago.
		EmergencyTooSoon,
		/// The account cannot afford the deposit.
		InsufficientBalance,
		/// Ids are exhausted.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// The block's one read and one write of each whitelisted counter, `NextRequestId`
		/// and `NextGrantId`.
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads_writes(2, 2)
		}

		/// Removes expired grants' storage and envelopes with what weight the block has left.
		/// Their access already stopped (every check compares the block number).
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(now, remaining)
		}

		fn integrity_test() {
			assert!(!T::EmergencyDuration::get().is_zero(), "EmergencyDuration must be positive");
			assert!(!T::MaxGrantDuration::get().is_zero(), "MaxGrantDuration must be positive");
			assert!(
				T::EmergencyDuration::get() <= T::MaxGrantDuration::get(),
				"EmergencyDuration must not exceed MaxGrantDuration"
			);
			assert!(T::MaxEnvelopes::get() > 0, "MaxEnvelopes must allow an envelope");
			assert!(T::MaxGrantsPerPatient::get() > 0, "MaxGrantsPerPatient must be positive");
			assert!(
				T::MaxGrantsPerPair::get() > 0
					&& T::MaxGrantsPerPair::get() <= T::MaxGrantsPerPatient::get(),
				"MaxGrantsPerPair must be in 1..=MaxGrantsPerPatient"
			);
			assert!(
				T::MaxEmergencyPerPatient::get() > 0,
				"MaxEmergencyPerPatient must be positive"
			);
			assert!(T::MaxAuditPage::get() > 0, "MaxAuditPage must be positive");
			assert!(
				T::MaxPendingPerRequester::get() > 0
					&& T::MaxPendingPerRequester::get() <= T::MaxPendingRequests::get(),
				"MaxPendingPerRequester must be in 1..=MaxPendingRequests"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Asks `patient` for access to `scope` of their data for `duration` blocks.
		///
		/// The caller must be a verified practitioner; only doctors may ask for `Write`.
		/// `purpose` is sealed to the patient by the caller's client. Listed records must
		/// exist, belong to the patient and be distinct. Holds `RequestDeposit` until the
		/// caller clears the request, and pays the patient `RequestFee` for the entry the
		/// request leaves on their audit trail for good.
		///
		/// Errors: `NotVerifiedPractitioner`, `WriteNeedsDoctor`, `NotAPatient`, `EmptyScope`,
		/// `UnknownRecord`, `NotPatientsRecord`, `DuplicateRecord`, `ZeroDuration`,
		/// `DurationTooLong`, `TooManyPendingRequests`, `TooManyRequestsFromRequester`,
		/// `InsufficientBalance`.
		#[pallet::call_index(0)]
		#[pallet::weight(
			T::WeightInfo::request_access(purpose.len() as u32)
				.saturating_add(Pallet::<T>::listed_weight(scope))
		)]
		pub fn request_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			scope: Scope,
			purpose: BoundedVec<u8, T::MaxPurposeLen>,
			duration: BlockNumberFor<T>,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::ensure_may_hold(&requester, &scope, Error::<T>::NotVerifiedPractitioner)?;
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			Self::ensure_scope_valid(&patient, &scope)?;
			ensure!(!duration.is_zero(), Error::<T>::ZeroDuration);
			ensure!(duration <= T::MaxGrantDuration::get(), Error::<T>::DurationTooLong);
			let pending = PendingCount::<T>::get(&patient);
			ensure!(pending < T::MaxPendingRequests::get(), Error::<T>::TooManyPendingRequests);
			let mine = PendingPerRequester::<T>::get(&patient, &requester);
			ensure!(
				mine < T::MaxPendingPerRequester::get(),
				Error::<T>::TooManyRequestsFromRequester
			);

			let id = NextRequestId::<T>::get();
			NextRequestId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let deposit = T::RequestDeposit::get();
			Self::hold(HoldReason::Request, &requester, deposit)?;
			let fee = T::RequestFee::get();
			if !fee.is_zero() {
				T::Currency::transfer(&requester, &patient, fee, Preservation::Preserve)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
			}
			let now = frame_system::Pallet::<T>::block_number();
			Requests::<T>::insert(
				id,
				Request {
					requester: requester.clone(),
					patient: patient.clone(),
					scope,
					purpose,
					duration,
					created_at: now,
					status: RequestStatus::Pending,
					deposit,
				},
			);
			PendingRequests::<T>::insert(&patient, id, ());
			PendingCount::<T>::insert(&patient, pending + 1);
			PendingPerRequester::<T>::insert(&patient, &requester, mine + 1);
			PendingByRequester::<T>::mutate(&requester, |n| *n = n.saturating_add(1));
			Self::log(&patient, &requester, AuditAction::AccessRequested { request: id });
			Self::deposit_event(Event::AccessRequested { request: id, requester, patient });
			Ok(())
		}

		/// Withdraws a pending request. Only its requester may. The request stays (with its
		/// deposit) until the requester clears it.
		///
		/// Errors: `UnknownRequest`, `NotRequester`, `NotPending`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_request())]
		pub fn cancel_request(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let entry = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			ensure!(entry.requester == who, Error::<T>::NotRequester);
			Self::close_request(request, entry, RequestStatus::Cancelled)?;
			Self::deposit_event(Event::RequestCancelled { request });
			Ok(())
		}

		/// Grants a pending request, until block `expires_at` and for at most `max_uses`
		/// reads, dispenses or written records if given. With `only`, the grant covers just
		/// those records, each of which the request's scope must cover: a patient may narrow
		/// what was asked, never widen it. `envelopes` seal each covered record's data key to
		/// the requester. Only the patient may; holds `GrantDeposit`.
		///
		/// Errors: `UnknownRequest`, `NotPatient`, `NotPending`, `EmptyScope`,
		/// `NotInRequestedScope`, `GranteeNotVerified`, `ExpiryInPast`, `DurationTooLong`,
		/// `ZeroUses`, `TooManyGrants`, `TooManyGrantsForGrantee`, `UnknownRecord`,
		/// `NotPatientsRecord`, `DuplicateRecord`, `EnvelopeOutsideScope`,
		/// `InsufficientBalance`.
		///
		/// Only live grants count against the limits: when one is full, an expired grant the
		/// sweep has not reached yet is ended first.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::grant_weight(envelopes.len() as u32, only.as_ref().map(|ids| ids.len() as u32))
			.saturating_add(Pallet::<T>::free_slots_weight()))]
		pub fn grant(
			origin: OriginFor<T>,
			request: RequestId,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
			only: Option<BoundedVec<RecordId, ConstU32<MAX_LISTED_RECORDS>>>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResultWithPostInfo {
			let patient = ensure_signed(origin)?;
			let mut weight = Self::grant_weight(
				envelopes.len() as u32,
				only.as_ref().map(|ids| ids.len() as u32),
			);
			let entry = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			ensure!(entry.patient == patient, Error::<T>::NotPatient);
			ensure!(entry.status == RequestStatus::Pending, Error::<T>::NotPending);
			let scope = match only {
				None => entry.scope.clone(),
				Some(ids) => Self::narrowed(&patient, &entry.scope, ids)?,
			};
			let (grant, looked) = Self::open_grant(
				patient,
				entry.requester.clone(),
				scope,
				expires_at,
				max_uses,
				Some(request),
				envelopes,
			)?;
			Self::close_request(request, entry, RequestStatus::Granted { grant })?;
			if looked {
				weight.saturating_accrue(Self::free_slots_weight());
			}
			Ok(Some(weight).into())
		}

		/// Denies a pending request, with a reason sealed to the requester. Only the patient
		/// may.
		///
		/// Errors: `UnknownRequest`, `NotPatient`, `NotPending`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deny(reason.len() as u32))]
		pub fn deny(
			origin: OriginFor<T>,
			request: RequestId,
			reason: BoundedVec<u8, T::MaxReasonLen>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let entry = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			ensure!(entry.patient == patient, Error::<T>::NotPatient);
			let requester = entry.requester.clone();
			Self::close_request(request, entry, RequestStatus::Denied)?;
			DenialReasons::<T>::insert(request, reason);
			Self::log(&patient, &patient, AuditAction::AccessDenied { request });
			Self::deposit_event(Event::AccessDenied { request, patient, requester });
			Ok(())
		}

		/// Grants `grantee` access to `scope` without a request, until `expires_at` and for at
		/// most `max_uses` uses if given, with envelopes for the covered records. The caller
		/// must be a registered patient; holds `GrantDeposit`.
		///
		/// Errors: `NotAPatient`, `GranteeNotVerified`, `WriteNeedsDoctor`, `EmptyScope`,
		/// `ExpiryInPast`, `DurationTooLong`, `ZeroUses`, `TooManyGrants`,
		/// `TooManyGrantsForGrantee`, `UnknownRecord`, `NotPatientsRecord`, `DuplicateRecord`,
		/// `EnvelopeOutsideScope`, `InsufficientBalance`, `TooManyUnaskedGrants`.
		///
		/// Only live grants count against the limits, as for [`grant`](Self::grant).
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::grant_access_weight(envelopes.len() as u32, scope)
			.saturating_add(Pallet::<T>::free_slots_weight()))]
		pub fn grant_access(
			origin: OriginFor<T>,
			grantee: T::AccountId,
			scope: Scope,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResultWithPostInfo {
			let patient = ensure_signed(origin)?;
			let mut weight = Self::grant_access_weight(envelopes.len() as u32, &scope);
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			Self::ensure_scope_valid(&patient, &scope)?;
			let (_, looked) =
				Self::open_grant(patient, grantee, scope, expires_at, max_uses, None, envelopes)?;
			if looked {
				weight.saturating_accrue(Self::free_slots_weight());
			}
			Ok(Some(weight).into())
		}

		/// Revokes a grant at once (live or expired but not yet swept), removing the grantee's
		/// envelopes and releasing its deposit. Only the patient may. What the grantee already
		/// decrypted cannot be taken back.
		///
		/// Errors: `UnknownGrant`, `NotPatient`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::revoke(T::MaxEnvelopes::get()))]
		pub fn revoke(origin: OriginFor<T>, grant: GrantId) -> DispatchResultWithPostInfo {
			let patient = ensure_signed(origin)?;
			let entry = Grants::<T>::get(grant).ok_or(Error::<T>::UnknownGrant)?;
			ensure!(entry.patient == patient, Error::<T>::NotPatient);
			let envelopes = entry.envelopes.len() as u32;
			Self::end_grant(grant, entry, EndReason::Revoked);
			Ok(Some(T::WeightInfo::revoke(envelopes)).into())
		}

		/// Opens break-glass access to `patient`'s reports for `EmergencyDuration` blocks.
		///
		/// The caller must be a verified doctor who has not opened emergency access in the
		/// last `EmergencyCooldown` blocks, and holds `GrantDeposit` until it ends.
		/// `justification` (sealed to the patient) is mandatory. The patient is told through
		/// an event and their audit trail. It does not count against the patient's
		/// `MaxGrantsPerPatient`, and does not depend on any bounded per-block slot. Only live
		/// grants count against the limits: when one is full, an expired grant the sweep has
		/// not reached yet is ended first.
		///
		/// Errors: `NotVerifiedDoctor`, `NotAPatient`, `EmptyJustification`,
		/// `EmergencyTooSoon`, `TooManyEmergencies`, `TooManyGrantsForGrantee`,
		/// `InsufficientBalance`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::emergency_access(justification.len() as u32)
			.saturating_add(Pallet::<T>::free_slots_weight()))]
		pub fn emergency_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			justification: BoundedVec<u8, T::MaxReasonLen>,
		) -> DispatchResultWithPostInfo {
			let doctor = ensure_signed(origin)?;
			ensure!(T::Registry::is_active(&doctor, Role::Doctor), Error::<T>::NotVerifiedDoctor);
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			ensure!(!justification.is_empty(), Error::<T>::EmptyJustification);
			let now = frame_system::Pallet::<T>::block_number();
			if let Some(last) = LastEmergency::<T>::get(&doctor) {
				ensure!(
					now >= last.saturating_add(T::EmergencyCooldown::get()),
					Error::<T>::EmergencyTooSoon
				);
			}
			let expires_at = now.saturating_add(T::EmergencyDuration::get());
			let mut weight = T::WeightInfo::emergency_access(justification.len() as u32);
			let (id, looked) = Self::insert_grant(Grant {
				patient: patient.clone(),
				grantee: doctor.clone(),
				role: Role::Doctor,
				scope: Scope::Reports,
				expires_at,
				uses_left: None,
				emergency: true,
				request: None,
				envelopes: BoundedVec::new(),
				deposit: T::GrantDeposit::get(),
			})?;
			if looked {
				weight.saturating_accrue(Self::free_slots_weight());
			}
			LastEmergency::<T>::insert(&doctor, now);
			EmergencyJustifications::<T>::insert(id, justification);
			Self::log(&patient, &doctor, AuditAction::EmergencyAccess { grant: id });
			Self::deposit_event(Event::EmergencyAccessOpened {
				grant: id,
				doctor,
				patient,
				expires_at,
			});
			Ok(Some(weight).into())
		}

		/// Adds envelopes to a live grant, for records it covers that have none yet (such as
		/// records added after the grant, or an emergency grant). Only the patient may, and
		/// only while the grant holds: not expired, uses left, its grantee verified in its role.
		///
		/// Errors: `UnknownGrant`, `NotPatient`, `GrantNotLive`, `GranteeNotVerified`,
		/// `UnknownRecord`, `NotPatientsRecord`, `DuplicateRecord`, `EnvelopeOutsideScope`,
		/// `TooManyEnvelopes`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::add_envelopes(envelopes.len() as u32))]
		pub fn add_envelopes(
			origin: OriginFor<T>,
			grant: GrantId,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let mut entry = Grants::<T>::get(grant).ok_or(Error::<T>::UnknownGrant)?;
			ensure!(entry.patient == patient, Error::<T>::NotPatient);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(Self::is_live(&entry, now), Error::<T>::GrantNotLive);
			ensure!(
				T::Registry::is_active(&entry.grantee, entry.role),
				Error::<T>::GranteeNotVerified
			);
			let count = envelopes.len() as u32;
			Self::seal_envelopes(&mut entry, envelopes)?;
			Grants::<T>::insert(grant, entry);
			// Handing the grantee keys is what lets them decrypt: it goes on the trail.
			Self::log(&patient, &patient, AuditAction::EnvelopesAdded { grant, records: count });
			Self::deposit_event(Event::EnvelopesAdded { grant, count });
			Ok(())
		}

		/// Gives up a grant the caller holds (live or expired but not yet swept), removing its
		/// envelopes and releasing its deposit to whoever paid it. Only the grantee may; a
		/// practitioner must do this for every grant it holds before it can leave the registry.
		///
		/// Errors: `UnknownGrant`, `NotGrantee`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::renounce(T::MaxEnvelopes::get()))]
		pub fn renounce(origin: OriginFor<T>, grant: GrantId) -> DispatchResultWithPostInfo {
			let grantee = ensure_signed(origin)?;
			let entry = Grants::<T>::get(grant).ok_or(Error::<T>::UnknownGrant)?;
			ensure!(entry.grantee == grantee, Error::<T>::NotGrantee);
			let envelopes = entry.envelopes.len() as u32;
			Self::end_grant(grant, entry, EndReason::Renounced);
			Ok(Some(T::WeightInfo::renounce(envelopes)).into())
		}

		/// Removes a closed (granted, denied or cancelled) request and its deny reason, and
		/// releases its deposit. Only the requester may.
		///
		/// Errors: `UnknownRequest`, `NotRequester`, `StillPending`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::clear_request())]
		pub fn clear_request(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			let entry = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			ensure!(entry.requester == requester, Error::<T>::NotRequester);
			ensure!(entry.status != RequestStatus::Pending, Error::<T>::StillPending);
			Requests::<T>::remove(request);
			DenialReasons::<T>::remove(request);
			Self::release(HoldReason::Request, &requester, entry.deposit);
			Self::deposit_event(Event::RequestCleared { request, requester });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A request by id.
		pub fn request(id: RequestId) -> Option<Request<T>> {
			Requests::<T>::get(id)
		}

		/// A patient's pending requests, oldest first.
		pub fn pending_requests(patient: T::AccountId) -> Vec<(RequestId, Request<T>)> {
			let mut ids: Vec<RequestId> = PendingRequests::<T>::iter_key_prefix(&patient).collect();
			ids.sort_unstable();
			ids.into_iter().filter_map(|id| Requests::<T>::get(id).map(|r| (id, r))).collect()
		}

		/// The live grants a patient gave, oldest first.
		pub fn patient_grants(patient: T::AccountId) -> Vec<(GrantId, Grant<T>)> {
			let mut ids: Vec<GrantId> =
				PatientGrants::<T>::iter_key_prefix((&patient,)).map(|(_, id)| id).collect();
			ids.sort_unstable();
			ids.into_iter().filter_map(|id| Grants::<T>::get(id).map(|g| (id, g))).collect()
		}

		/// The live grants a practitioner holds, oldest first.
		pub fn held_grants(grantee: T::AccountId) -> Vec<(GrantId, Grant<T>)> {
			let mut ids: Vec<GrantId> = GranteeGrants::<T>::iter_key_prefix(&grantee).collect();
			ids.sort_unstable();
			ids.into_iter().filter_map(|id| Grants::<T>::get(id).map(|g| (id, g))).collect()
		}

		/// Up to `count` (at most `MaxAuditPage`) entries of a patient's audit trail from
		/// entry number `from`, oldest first, and the trail's length.
		pub fn audit_page(
			patient: T::AccountId,
			from: u32,
			count: u32,
		) -> (u32, Vec<AuditEntry<T>>) {
			let len = AuditLen::<T>::get(&patient);
			let end = from.saturating_add(count.min(T::MaxAuditPage::get())).min(len);
			(len, (from..end).filter_map(|i| Audit::<T>::get(&patient, i)).collect())
		}
	}

	impl<T: Config> Pallet<T> {
		/// A patient's whole audit trail, oldest entry first, for tests and the runtime's own
		/// checks. Not a view function: a trail grows without bound, so clients page through
		/// it with [`Self::audit_page`].
		pub fn audit_trail(patient: T::AccountId) -> Vec<AuditEntry<T>> {
			let len = AuditLen::<T>::get(&patient);
			(0..len).filter_map(|i| Audit::<T>::get(&patient, i)).collect()
		}

		/// `grant`'s weight for `envelopes` envelopes and, with `only`, that many listed records.
		pub(crate) fn grant_weight(envelopes: u32, only: Option<u32>) -> Weight {
			T::WeightInfo::grant(envelopes)
				.saturating_add(only.map_or(Weight::zero(), T::WeightInfo::check_listed))
		}

		/// `grant_access`'s weight for `envelopes` envelopes and `scope`.
		pub(crate) fn grant_access_weight(envelopes: u32, scope: &Scope) -> Weight {
			T::WeightInfo::grant_access(envelopes).saturating_add(Self::listed_weight(scope))
		}

		/// What checking the records `scope` lists costs, on top of a call benchmarked with a
		/// scope that lists none.
		pub(crate) fn listed_weight(scope: &Scope) -> Weight {
			match scope {
				Scope::Records(ids) => T::WeightInfo::check_listed(ids.len() as u32),
				_ => Weight::zero(),
			}
		}

		/// Holds `amount` of `who`'s balance for `reason`.
		pub(crate) fn hold(
			reason: HoldReason,
			who: &T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			let reason: T::RuntimeHoldReason = reason.into();
			ensure!(T::Currency::can_hold(&reason, who, amount), Error::<T>::InsufficientBalance);
			T::Currency::hold(&reason, who, amount)
		}

		/// Releases up to `amount` held from `who` for `reason`.
		pub(crate) fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
			if amount.is_zero() {
				return;
			}
			let reason: T::RuntimeHoldReason = reason.into();
			// Best effort: what was held is exactly what is released (checked by try_state).
			let _ = T::Currency::release(&reason, who, amount, Precision::BestEffort);
		}

		/// Takes a request out of the pending set with its final status.
		fn close_request(
			id: RequestId,
			mut request: Request<T>,
			status: RequestStatus,
		) -> DispatchResult {
			ensure!(request.status == RequestStatus::Pending, Error::<T>::NotPending);
			PendingRequests::<T>::remove(&request.patient, id);
			PendingCount::<T>::mutate_exists(&request.patient, |count| {
				*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
			});
			PendingPerRequester::<T>::mutate_exists(&request.patient, &request.requester, |c| {
				*c = c.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
			});
			PendingByRequester::<T>::mutate_exists(&request.requester, |c| {
				*c = c.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
			});
			request.status = status;
			Requests::<T>::insert(id, request);
			Ok(())
		}
	}
}
