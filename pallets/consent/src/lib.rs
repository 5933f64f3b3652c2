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
//!   the grant ends. More can be [added](Pallet::add_envelopes) while it lives.
//! - A grant holds only while it is not expired, not revoked, has uses left, and its grantee
//!   is verified *right now* — a suspended practitioner's grants stop working at once, without
//!   any write. Expired grants are cleaned up in `on_initialize` of their expiry block, at a
//!   bounded cost per block that nobody pays a fee for.
//! - A verified doctor may open [emergency access](Pallet::emergency_access) (break-glass):
//!   a justification is mandatory, the access lasts `EmergencyDuration` blocks, each doctor
//!   may do it once per `EmergencyCooldown`, and it is loud: an event and an audit entry for
//!   the patient. It authorises reads of every record, but keys stay end-to-end: the patient's
//!   client must still add envelopes for the doctor to decrypt anything.
//!
//! ## Audit trail
//! Requests, decisions, revocations, grant ends, emergency access, and (through
//! [`AuditLog`]) record creations, recorded reads and dispenses are kept per patient in a ring
//! of the last `MaxAuditEntries` entries, each with the block, the actor's account id and the
//! action (ids only: no health information). Events carry the same, forever.
//!
//! ## Invariants (checked by `try_state`)
//! - Grants, the per-patient and per-grantee grant indexes, and the per-patient grant counters
//!   agree; grantees hold an envelope for every record their grant lists.
//! - Pending requests are exactly the indexed ones, and the pending counters agree.
//! - No grant is effective for a grantee who is not verified.
//! - Each audit ring's cursor matches its entries.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
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
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{
		AccessControl, AuditAction, AuditLog, Envelope, GrantId, RecordId, RecordIndex, RecordKind,
		RequestId, Role, RoleRegistry, Scope,
	};
	use sp_runtime::traits::{Saturating, Zero};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// How many later blocks a grant's expiry may slip to when its own block's cleanup list is
	/// full. The grant stops holding at its expiry either way; only cleanup moves.
	pub const EXPIRY_SLIP: u32 = 8;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Roles and verification of accounts.
		type Registry: RoleRegistry<Self::AccountId>;
		/// The records and their envelopes.
		type Records: RecordIndex<Self::AccountId>;
		/// The longest sealed purpose of a request, in bytes.
		#[pallet::constant]
		type MaxPurposeLen: Get<u32>;
		/// The longest reason for a denial or emergency justification, in bytes.
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
		/// The most live grants a patient may have.
		#[pallet::constant]
		type MaxGrantsPerPatient: Get<u32>;
		/// How many entries each patient's audit ring keeps.
		#[pallet::constant]
		type MaxAuditEntries: Get<u32>;
		/// How many grants may be scheduled for cleanup at one block.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;
		/// How long emergency access lasts, in blocks.
		#[pallet::constant]
		type EmergencyDuration: Get<BlockNumberFor<Self>>;
		/// How long a doctor waits between two emergency accesses, in blocks.
		#[pallet::constant]
		type EmergencyCooldown: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls and hooks, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// The id the next grant gets.
	#[pallet::storage]
	pub type NextGrantId<T> = StorageValue<_, GrantId, ValueQuery>;

	/// Every request, by id; kept after the decision as part of the record.
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

	/// The patient's reason for each denied request.
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

	/// How many live grants each patient has.
	#[pallet::storage]
	pub type GrantCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Live grants by grantee, for listing what a practitioner holds.
	#[pallet::storage]
	pub type GranteeGrants<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, GrantId, ()>;

	/// The grants whose cleanup is due at each block.
	#[pallet::storage]
	pub type Expiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<GrantId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// The justification of each emergency grant, sealed to the patient.
	#[pallet::storage]
	pub type EmergencyJustifications<T: Config> =
		StorageMap<_, Twox64Concat, GrantId, BoundedVec<u8, T::MaxReasonLen>>;

	/// When each doctor last opened emergency access.
	#[pallet::storage]
	pub type LastEmergency<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// Each patient's audit ring: slot -> entry.
	#[pallet::storage]
	pub type Audit<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, AuditEntry<T>>;

	/// Where each patient's audit ring stands.
	#[pallet::storage]
	pub type AuditCursors<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AuditCursor, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A practitioner asked a patient for access.
		AccessRequested { request: RequestId, requester: T::AccountId, patient: T::AccountId },
		/// The requester withdrew a pending request.
		RequestCancelled { request: RequestId },
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
		/// No request has this id.
		UnknownRequest,
		/// Only the requester may do this.
		NotRequester,
		/// Only the patient may do this.
		NotPatient,
		/// The request was already decided or withdrawn.
		NotPending,
		/// The grantee is not a practitioner who is verified right now.
		GranteeNotVerified,
		/// The expiry block has passed.
		ExpiryInPast,
		/// A use limit of zero grants nothing.
		ZeroUses,
		/// The patient has `MaxGrantsPerPatient` live grants already.
		TooManyGrants,
		/// An envelope is for a record the grant's scope does not cover.
		EnvelopeOutsideScope,
		/// The grant would carry more than `MaxEnvelopes` envelopes.
		TooManyEnvelopes,
		/// No live grant has this id.
		UnknownGrant,
		/// The cleanup lists of the expiry block and the next few are full; pick another
		/// expiry block.
		ExpiryScheduleFull,
		/// Only verified doctors open emergency access.
		NotVerifiedDoctor,
		/// An emergency access needs a justification.
		EmptyJustification,
		/// The doctor opened emergency access less than `EmergencyCooldown` blocks ago.
		EmergencyTooSoon,
		/// Ids are exhausted.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Ends the grants that expire at this block. Their access already stopped (every check
		/// compares the block number); this removes their storage and envelopes. The work is
		/// bounded by `MaxExpiriesPerBlock` grants of at most `MaxEnvelopes` envelopes each.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let due = Expiries::<T>::take(now);
			let count = due.len() as u32;
			for id in due {
				if let Some(grant) = Grants::<T>::get(id) {
					if grant.expires_at <= now {
						Self::end_grant(id, grant, EndReason::Expired);
					}
				}
			}
			T::WeightInfo::expire_grants(count)
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
		/// exist, belong to the patient and be distinct.
		///
		/// Errors: `NotVerifiedPractitioner`, `WriteNeedsDoctor`, `NotAPatient`, `EmptyScope`,
		/// `UnknownRecord`, `NotPatientsRecord`, `DuplicateRecord`, `ZeroDuration`,
		/// `DurationTooLong`, `TooManyPendingRequests`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_access(purpose.len() as u32))]
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

			let id = NextRequestId::<T>::get();
			NextRequestId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
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
				},
			);
			PendingRequests::<T>::insert(&patient, id, ());
			PendingCount::<T>::insert(&patient, pending + 1);
			Self::log(&patient, &requester, AuditAction::AccessRequested { request: id });
			Self::deposit_event(Event::AccessRequested { request: id, requester, patient });
			Ok(())
		}

		/// Withdraws a pending request. Only its requester may.
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
		/// reads or dispenses if given. `envelopes` seal each covered record's data key to the
		/// requester. Only the patient may.
		///
		/// Errors: `UnknownRequest`, `NotPatient`, `NotPending`, `GranteeNotVerified`,
		/// `ExpiryInPast`, `DurationTooLong`, `ZeroUses`, `TooManyGrants`, `UnknownRecord`,
		/// `NotPatientsRecord`, `DuplicateRecord`, `EnvelopeOutsideScope`,
		/// `ExpiryScheduleFull`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::grant(envelopes.len() as u32))]
		pub fn grant(
			origin: OriginFor<T>,
			request: RequestId,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let entry = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
			ensure!(entry.patient == patient, Error::<T>::NotPatient);
			ensure!(entry.status == RequestStatus::Pending, Error::<T>::NotPending);
			let grant = Self::open_grant(
				patient,
				entry.requester.clone(),
				entry.scope.clone(),
				expires_at,
				max_uses,
				Some(request),
				envelopes,
			)?;
			Self::close_request(request, entry, RequestStatus::Granted { grant })
		}

		/// Denies a pending request, with a reason for the requester. Only the patient may.
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
		/// must be a registered patient.
		///
		/// Errors: `NotAPatient`, `GranteeNotVerified`, `WriteNeedsDoctor`, `EmptyScope`,
		/// `ExpiryInPast`, `DurationTooLong`, `ZeroUses`, `TooManyGrants`, `UnknownRecord`,
		/// `NotPatientsRecord`, `DuplicateRecord`, `EnvelopeOutsideScope`,
		/// `ExpiryScheduleFull`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::grant_access(envelopes.len() as u32))]
		pub fn grant_access(
			origin: OriginFor<T>,
			grantee: T::AccountId,
			scope: Scope,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			Self::ensure_scope_valid(&patient, &scope)?;
			Self::open_grant(patient, grantee, scope, expires_at, max_uses, None, envelopes)?;
			Ok(())
		}

		/// Revokes a live grant at once, removing the grantee's envelopes. Only the patient
		/// may. What the grantee already decrypted cannot be taken back.
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

		/// Opens break-glass access to `patient`'s records for `EmergencyDuration` blocks.
		///
		/// The caller must be a verified doctor who has not opened emergency access in the
		/// last `EmergencyCooldown` blocks. `justification` (sealed to the patient) is
		/// mandatory. The patient is told through an event and their audit trail.
		///
		/// Errors: `NotVerifiedDoctor`, `NotAPatient`, `EmptyJustification`,
		/// `EmergencyTooSoon`, `TooManyGrants`, `ExpiryScheduleFull`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::emergency_access(justification.len() as u32))]
		pub fn emergency_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			justification: BoundedVec<u8, T::MaxReasonLen>,
		) -> DispatchResult {
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
			let id = Self::insert_grant(Grant {
				patient: patient.clone(),
				grantee: doctor.clone(),
				scope: Scope::Reports,
				expires_at,
				uses_left: None,
				emergency: true,
				request: None,
				envelopes: BoundedVec::new(),
			})?;
			LastEmergency::<T>::insert(&doctor, now);
			EmergencyJustifications::<T>::insert(id, justification);
			Self::log(&patient, &doctor, AuditAction::EmergencyAccess { grant: id });
			Self::deposit_event(Event::EmergencyAccessOpened {
				grant: id,
				doctor,
				patient,
				expires_at,
			});
			Ok(())
		}

		/// Adds envelopes to a live grant, for records it covers that have none yet (such as
		/// records added after the grant, or an emergency grant). Only the patient may.
		///
		/// Errors: `UnknownGrant`, `NotPatient`, `UnknownRecord`, `NotPatientsRecord`,
		/// `DuplicateRecord`, `EnvelopeOutsideScope`, `TooManyEnvelopes`.
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
			let count = envelopes.len() as u32;
			Self::seal_envelopes(&mut entry, envelopes)?;
			Grants::<T>::insert(grant, entry);
			Self::deposit_event(Event::EnvelopesAdded { grant, count });
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

		/// A patient's audit trail, oldest entry first.
		pub fn audit_trail(patient: T::AccountId) -> Vec<AuditEntry<T>> {
			let cursor = AuditCursors::<T>::get(&patient);
			let max = T::MaxAuditEntries::get();
			let start = if cursor.len < max { 0 } else { cursor.next };
			(0..cursor.len)
				.filter_map(|i| Audit::<T>::get(&patient, (start + i) % max.max(1)))
				.collect()
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `grant` holds at `now` (its grantee's verification is checked apart).
		fn is_live(grant: &Grant<T>, now: BlockNumberFor<T>) -> bool {
			now < grant.expires_at && grant.uses_left != Some(0)
		}

		/// The first live grant from `patient` to `grantee` that `accepts`, if the grantee is
		/// verified right now.
		fn find_grant(
			grantee: &T::AccountId,
			patient: &T::AccountId,
			accepts: impl Fn(&Grant<T>) -> bool,
		) -> Option<GrantId> {
			if !T::Registry::is_verified_practitioner(grantee) {
				return None;
			}
			let now = frame_system::Pallet::<T>::block_number();
			PatientGrants::<T>::iter_key_prefix((patient, grantee)).find(|id| {
				Grants::<T>::get(id).is_some_and(|g| Self::is_live(&g, now) && accepts(&g))
			})
		}

		/// The caller may hold `scope`: a verified practitioner, and a doctor for `Write`.
		fn ensure_may_hold(
			who: &T::AccountId,
			scope: &Scope,
			unverified: Error<T>,
		) -> DispatchResult {
			ensure!(T::Registry::is_verified_practitioner(who), unverified);
			if *scope == Scope::Write {
				ensure!(T::Registry::role(who) == Some(Role::Doctor), Error::<T>::WriteNeedsDoctor);
			}
			Ok(())
		}

		/// Listed records exist, belong to `patient` and are distinct.
		fn ensure_scope_valid(patient: &T::AccountId, scope: &Scope) -> DispatchResult {
			if let Scope::Records(ids) = scope {
				ensure!(!ids.is_empty(), Error::<T>::EmptyScope);
				for (i, id) in ids.iter().enumerate() {
					ensure!(!ids[..i].contains(id), Error::<T>::DuplicateRecord);
					let (owner, _) = T::Records::record(*id).ok_or(Error::<T>::UnknownRecord)?;
					ensure!(owner == *patient, Error::<T>::NotPatientsRecord);
				}
			}
			Ok(())
		}

		/// Validates and stores a patient's grant with its envelopes.
		fn open_grant(
			patient: T::AccountId,
			grantee: T::AccountId,
			scope: Scope,
			expires_at: BlockNumberFor<T>,
			max_uses: Option<u32>,
			request: Option<RequestId>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> Result<GrantId, DispatchError> {
			Self::ensure_may_hold(&grantee, &scope, Error::<T>::GranteeNotVerified)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(expires_at > now, Error::<T>::ExpiryInPast);
			ensure!(
				expires_at.saturating_sub(now) <= T::MaxGrantDuration::get(),
				Error::<T>::DurationTooLong
			);
			ensure!(max_uses != Some(0), Error::<T>::ZeroUses);
			let mut grant = Grant {
				patient: patient.clone(),
				grantee: grantee.clone(),
				scope,
				expires_at,
				uses_left: max_uses,
				emergency: false,
				request,
				envelopes: BoundedVec::new(),
			};
			Self::seal_envelopes(&mut grant, envelopes)?;
			let id = Self::insert_grant(grant)?;
			Self::log(&patient, &patient, AuditAction::AccessGranted { grant: id, request });
			Self::deposit_event(Event::AccessGranted {
				grant: id,
				request,
				patient,
				grantee,
				expires_at,
				max_uses,
			});
			Ok(id)
		}

		/// Checks each envelope against the grant and hands it to the records pallet.
		/// Runs before anything is written, or fails the whole call: dispatch is
		/// transactional, so a failure half-way leaves no envelope behind.
		fn seal_envelopes(
			grant: &mut Grant<T>,
			envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
		) -> DispatchResult {
			for (record, envelope) in envelopes {
				ensure!(!grant.envelopes.contains(&record), Error::<T>::DuplicateRecord);
				let (owner, kind) = T::Records::record(record).ok_or(Error::<T>::UnknownRecord)?;
				ensure!(owner == grant.patient, Error::<T>::NotPatientsRecord);
				ensure!(
					grant.emergency || grant.scope.covers_record(record, kind),
					Error::<T>::EnvelopeOutsideScope
				);
				grant.envelopes.try_push(record).map_err(|_| Error::<T>::TooManyEnvelopes)?;
				T::Records::add_envelope(record, &grant.grantee, envelope)?;
			}
			Ok(())
		}

		/// Stores a new grant, its indexes and its cleanup slot.
		fn insert_grant(grant: Grant<T>) -> Result<GrantId, DispatchError> {
			let count = GrantCount::<T>::get(&grant.patient);
			ensure!(count < T::MaxGrantsPerPatient::get(), Error::<T>::TooManyGrants);
			let id = NextGrantId::<T>::get();
			NextGrantId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			Self::schedule_expiry(id, grant.expires_at)?;
			GrantCount::<T>::insert(&grant.patient, count + 1);
			PatientGrants::<T>::insert((&grant.patient, &grant.grantee, id), ());
			GranteeGrants::<T>::insert(&grant.grantee, id, ());
			Grants::<T>::insert(id, grant);
			Ok(id)
		}

		/// Puts `id` on the cleanup list of `at`, or of one of the next `EXPIRY_SLIP` blocks.
		fn schedule_expiry(id: GrantId, at: BlockNumberFor<T>) -> DispatchResult {
			let mut block = at;
			for _ in 0..=EXPIRY_SLIP {
				let scheduled = Expiries::<T>::try_mutate(block, |due| due.try_push(id));
				if scheduled.is_ok() {
					return Ok(());
				}
				block = block.saturating_add(1u32.into());
			}
			Err(Error::<T>::ExpiryScheduleFull.into())
		}

		/// Removes a grant, its indexes and its envelopes, and tells the patient.
		pub(crate) fn end_grant(id: GrantId, grant: Grant<T>, reason: EndReason) {
			Grants::<T>::remove(id);
			PatientGrants::<T>::remove((&grant.patient, &grant.grantee, id));
			GranteeGrants::<T>::remove(&grant.grantee, id);
			GrantCount::<T>::mutate_exists(&grant.patient, |count| {
				*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
			});
			EmergencyJustifications::<T>::remove(id);
			for record in &grant.envelopes {
				T::Records::remove_envelope(*record, &grant.grantee);
			}
			let action = match reason {
				EndReason::Revoked => AuditAction::AccessRevoked { grant: id },
				EndReason::Expired | EndReason::UsedUp => AuditAction::GrantEnded { grant: id },
			};
			let actor = if reason == EndReason::Revoked { &grant.patient } else { &grant.grantee };
			Self::log(&grant.patient, actor, action);
			Self::deposit_event(Event::GrantEnded {
				grant: id,
				patient: grant.patient,
				grantee: grant.grantee,
				reason,
			});
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
			request.status = status;
			Requests::<T>::insert(id, request);
			Ok(())
		}

		/// Appends to `patient`'s audit ring, overwriting the oldest entry when full.
		fn log(patient: &T::AccountId, actor: &T::AccountId, action: AuditAction) {
			let max = T::MaxAuditEntries::get();
			if max == 0 {
				return;
			}
			let mut cursor = AuditCursors::<T>::get(patient);
			let entry = AuditEntry {
				at: frame_system::Pallet::<T>::block_number(),
				actor: actor.clone(),
				action,
			};
			Audit::<T>::insert(patient, cursor.next, entry);
			cursor.next = (cursor.next + 1) % max;
			cursor.len = cursor.len.saturating_add(1).min(max);
			AuditCursors::<T>::insert(patient, cursor);
		}

		/// Checks the invariants listed in the module docs.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;

			let mut per_patient: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			for (id, grant) in Grants::<T>::iter() {
				ensure!(
					PatientGrants::<T>::contains_key((&grant.patient, &grant.grantee, id)),
					"grant missing from the patient index"
				);
				ensure!(
					GranteeGrants::<T>::contains_key(&grant.grantee, id),
					"grant missing from the grantee index"
				);
				for record in &grant.envelopes {
					ensure!(
						T::Records::has_envelope(*record, &grant.grantee),
						"grantee lost an envelope of a live grant"
					);
				}
				if !T::Registry::is_verified_practitioner(&grant.grantee) {
					let effective = Self::find_grant(&grant.grantee, &grant.patient, |_| true);
					ensure!(effective.is_none(), "a grant is effective for an unverified grantee");
				}
				let scheduled = (0..=EXPIRY_SLIP).any(|slip| {
					Expiries::<T>::get(grant.expires_at.saturating_add(slip.into())).contains(&id)
				});
				ensure!(scheduled, "live grant not scheduled for cleanup");
				*per_patient.entry(grant.patient).or_default() += 1;
			}
			for ((patient, grantee, id), ()) in PatientGrants::<T>::iter() {
				let grant = Grants::<T>::get(id).ok_or("patient index entry without grant")?;
				ensure!(grant.patient == patient && grant.grantee == grantee, "index mismatch");
			}
			for (grantee, id, ()) in GranteeGrants::<T>::iter() {
				let grant = Grants::<T>::get(id).ok_or("grantee index entry without grant")?;
				ensure!(grant.grantee == grantee, "grantee index mismatch");
			}
			for (patient, count) in GrantCount::<T>::iter() {
				ensure!(per_patient.remove(&patient) == Some(count), "grant counter mismatch");
				ensure!(count <= T::MaxGrantsPerPatient::get(), "too many grants");
			}
			ensure!(per_patient.is_empty(), "grants without a counter");

			let mut pending: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			for (id, request) in Requests::<T>::iter() {
				let indexed = PendingRequests::<T>::contains_key(&request.patient, id);
				ensure!(
					indexed == (request.status == RequestStatus::Pending),
					"pending index disagrees with request status"
				);
				if indexed {
					*pending.entry(request.patient).or_default() += 1;
				}
			}
			for (patient, count) in PendingCount::<T>::iter() {
				ensure!(pending.remove(&patient) == Some(count), "pending counter mismatch");
			}
			ensure!(pending.is_empty(), "pending requests without a counter");

			let max = T::MaxAuditEntries::get();
			for (patient, cursor) in AuditCursors::<T>::iter() {
				ensure!(cursor.len <= max && cursor.next < max.max(1), "audit cursor out of range");
				let stored = Audit::<T>::iter_key_prefix(&patient).count() as u32;
				ensure!(stored == cursor.len, "audit ring size mismatch");
			}
			Ok(())
		}
	}

	impl<T: Config> AccessControl<T::AccountId> for Pallet<T> {
		fn can_write(who: &T::AccountId, patient: &T::AccountId) -> bool {
			Self::find_grant(who, patient, |g| g.scope == Scope::Write).is_some()
		}

		fn read_grant(
			reader: &T::AccountId,
			patient: &T::AccountId,
			record: RecordId,
			kind: RecordKind,
		) -> Option<GrantId> {
			Self::find_grant(reader, patient, |g| {
				g.emergency || g.scope.covers_record(record, kind)
			})
		}

		fn consume(grant: GrantId) -> DispatchResult {
			let mut entry = Grants::<T>::get(grant).ok_or(Error::<T>::UnknownGrant)?;
			match entry.uses_left {
				Some(1) => Self::end_grant(grant, entry, EndReason::UsedUp),
				Some(n) => {
					entry.uses_left = Some(n.saturating_sub(1));
					Grants::<T>::insert(grant, entry);
				}
				None => {}
			}
			Ok(())
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn grant_for_benchmarks(
			patient: &T::AccountId,
			reader: &T::AccountId,
			scope: Scope,
		) -> GrantId {
			let expires_at = frame_system::Pallet::<T>::block_number()
				.saturating_add(T::MaxGrantDuration::get());
			Self::insert_grant(Grant {
				patient: patient.clone(),
				grantee: reader.clone(),
				scope,
				expires_at,
				// A use limit makes `consume` write, the worst case.
				uses_left: Some(u32::MAX),
				emergency: false,
				request: None,
				envelopes: BoundedVec::new(),
			})
			.expect("benchmark grants fit")
		}
	}

	impl<T: Config> AuditLog<T::AccountId> for Pallet<T> {
		fn log(patient: &T::AccountId, actor: &T::AccountId, action: AuditAction) {
			Pallet::<T>::log(patient, actor, action)
		}
	}
}
