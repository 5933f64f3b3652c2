//! # Appointments pallet
//!
//! Patients book appointments with verified doctors; doctors accept, decline or complete them;
//! either side may cancel. The pallet is also MedChain's source of truth for *care
//! relationships*: it implements [`medchain_primitives::CareRelationship`], which the records
//! and consent pallets ask before they let a doctor write to or read from a patient's history
//! without an explicit grant.
//!
//! ## Roles
//!
//! Roles come from the registry (`Config::Registry`, a
//! [`RoleRegistry`](medchain_primitives::RoleRegistry)):
//! - only a registered **patient** may [`Pallet::request`] an appointment;
//! - only a **verified doctor** (`Registry::is_active(who, Role::Doctor)`) may be booked and may
//!   [`Pallet::accept`], [`Pallet::decline`] and [`Pallet::complete`] appointments;
//! - either participant may [`Pallet::cancel`] an open appointment, even a doctor whose
//!   verification has since been suspended (so a suspended doctor can still release patients).
//!
//! ## Calls
//!
//! - `request(doctor, at, reason)`: a patient asks `doctor` for an appointment at `at`.
//! - `accept(id)` / `decline(id, note)`: the doctor answers a request.
//! - `cancel(id)`: the patient or the doctor cancels a requested or accepted appointment.
//! - `complete(id)`: the doctor closes an accepted appointment, which opens a follow-up window
//!   of `Config::FollowUpPeriod` blocks.
//! - `clear(id)`: the patient removes a closed appointment and gets its deposit back.
//! - `report_spam(id)`: the doctor declines a new patient's request as spam, and the request's
//!   deposit goes to the doctor.
//!
//! ## Deposits, limits and floods
//!
//! A request holds [`Config::AppointmentDeposit`] from the patient for as long as the
//! appointment is stored; the patient [clears](Pallet::clear) a closed one to get it back. A
//! patient has at most `MaxOpenPerPatient` open appointments, and at most `MaxPendingPerPair`
//! unanswered requests with one doctor.
//!
//! Patients need no verification, so anyone can make throw-away patient accounts. Two lanes
//! keep them from locking a doctor's patients out:
//! - A request from a patient the doctor **treats** (an accepted appointment, or a completed
//!   one within its follow-up window) is in the *known* lane: it counts only against the
//!   pair's and the patient's own limits, never against the doctor's queue.
//! - A request from anyone else is in the *new* lane, which holds at most
//!   `MaxPendingPerDoctor` requests per doctor. The doctor may
//!   [report one as spam](Pallet::report_spam): it is declined and its deposit is transferred
//!   to the doctor, so every slot a flood takes costs the flooder a deposit.
//!
//! Unanswered requests do not keep a doctor from leaving (`Commitments`): only accepted
//! appointments do. Their patients can still cancel and clear them.
//!
//! Status transitions: `Requested -> Accepted | Declined | DeclinedAsSpam | Cancelled`,
//! `Accepted -> Completed | Cancelled`. All others are final.
//!
//! ## Privacy
//!
//! No personal health information is stored in the clear. The `reason` of a request (and the
//! optional `note` of a decline) is opaque ciphertext: MedChain's client seals the reason to
//! the doctor and the patient, and the note to the patient, with the recipient's
//! published X25519 key
//! ([`RoleRegistry::encryption_key`](medchain_primitives::RoleRegistry::encryption_key)) before
//! submitting; the chain only bounds its length. Events carry only appointment ids and account
//! ids. What *is* public is the metadata: which (pseudonymous) patient account sees which
//! doctor account, and when.
//!
//! ## Time
//!
//! `at` is the unix time in milliseconds the patient asks for. The pallet deliberately does
//! not depend on `pallet-timestamp`, so it does not compare `at` with the current time: it only
//! refuses `at == 0` ([`Error::InvalidTime`]). Clients must check that `at` lies in the future,
//! and doctors simply decline requests for times that make no sense.
//!
//! ## Care relationship
//!
//! `is_treating(doctor, patient)` holds while the doctor is still a verified doctor **and**
//! either has at least one accepted (not yet completed or cancelled) appointment with the
//! patient, or completed one at most `FollowUpPeriod` blocks ago (so results can still be
//! uploaded), **and** neither of them has left since (each treatment entry records the
//! registration of both, `RoleRegistry::registration`): leaving ends the follow-up window on
//! both sides, even for a doctor who comes back with new credentials. The [`Treatment`] map
//! keeps, per (doctor, patient), the number of accepted appointments, the last block of the
//! follow-up window and those registrations. Accepting an appointment is written to the
//! patient's audit trail (`Config::Audit`), since it lets the doctor write records.
//!
//! ## Invariants (checked by `do_try_state`)
//!
//! - [`PatientAppointments`] and [`DoctorAppointments`] hold exactly one entry per appointment,
//!   under its patient and its doctor respectively; every appointment id is below
//!   [`NextAppointmentId`].
//! - [`OpenByPatient`] is the number of `Requested` or `Accepted` appointments of the patient;
//!   [`PendingByDoctor`] the number of `Requested` appointments of the doctor in the new lane.
//!   Zero counters are not stored. They never exceed `MaxOpenPerPatient` / `MaxPendingPerDoctor` through
//!   calls.
//! - `Treatment(doctor, patient).open` is the number of `Accepted` appointments of the pair,
//!   and an entry exists for every pair with such an appointment.
//! - [`PendingPerPair`] is the number of `Requested` appointments of each (doctor, patient),
//!   at most `MaxPendingPerPair`.
//! - The deposit held from each patient is the sum of their stored appointments' deposits.
//!
//! Appointments are kept after they end until their patient clears them; a treatment entry
//! whose count is zero and whose follow-up window has passed is removed when a cancellation
//! touches the pair, and otherwise stays (it no longer makes `is_treating` true).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod booking;
mod interfaces;
// Always compiled: the runtime fuzzer (runtime/tests/fuzz.rs) checks them after every block.
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod treatment;
pub mod weights;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::WeightInfo;
	use alloc::vec::Vec;
	use frame_support::traits::tokens::{Fortitude, Restriction};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{self, MutateHold},
			tokens::Precision,
		},
	};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{AppointmentId, AuditAction, AuditLog, Role, RoleRegistry};
	use sp_runtime::{traits::Saturating, ArithmeticError};

	/// The in-code storage version. Version 2: appointments carry their deposit, and pending
	/// requests are counted per (doctor, patient). Version 3: requests know their lane, and
	/// treatments the registrations they began under.
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
		/// Who is a patient and who is a verified doctor.
		type Registry: RoleRegistry<Self::AccountId>;

		/// The currency deposits are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Held from the patient for each stored appointment, until they clear it.
		#[pallet::constant]
		type AppointmentDeposit: Get<BalanceOf<Self>>;

		/// The most unanswered requests one patient may have with one doctor.
		#[pallet::constant]
		type MaxPendingPerPair: Get<u32>;

		/// The longest sealed reason (of a request) or note (of a decline), in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;

		/// The most open (requested or accepted) appointments a patient may have at once.
		#[pallet::constant]
		type MaxOpenPerPatient: Get<u32>;

		/// The most unanswered (requested) appointments a doctor may have at once.
		#[pallet::constant]
		type MaxPendingPerDoctor: Get<u32>;

		/// For how many blocks after completing an appointment the doctor still counts as
		/// treating the patient (to upload results).
		#[pallet::constant]
		type FollowUpPeriod: Get<BlockNumberFor<Self>>;

		/// The patients' audit trails, where accepting an appointment is written.
		type Audit: AuditLog<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Where an appointment stands.
	#[derive(
		Clone,
		Copy,
		PartialEq,
		Eq,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		Debug,
	)]
	pub enum AppointmentStatus {
		/// The patient asked; the doctor has not answered.
		Requested,
		/// The doctor accepted; the doctor treats the patient until completion or cancellation.
		Accepted,
		/// The doctor declined the request. Final.
		Declined,
		/// Cancelled by the patient (`by_patient`) or by the doctor. Final.
		Cancelled {
			/// Whether the patient (rather than the doctor) cancelled.
			by_patient: bool,
		},
		/// The doctor completed the appointment. Final.
		Completed,
		/// The doctor declined the request as spam and took its deposit. Final.
		DeclinedAsSpam,
	}

	impl AppointmentStatus {
		/// Whether the appointment still counts against the patient's open limit.
		pub fn is_open(&self) -> bool {
			matches!(self, AppointmentStatus::Requested | AppointmentStatus::Accepted)
		}
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a stored appointment.
		#[codec(index = 0)]
		Appointment,
	}

	/// One appointment.
	#[derive(
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(T))]
	#[codec(mel_bound(T: Config))]
	pub struct Appointment<T: Config> {
		/// The patient who asked.
		pub patient: T::AccountId,
		/// The doctor asked.
		pub doctor: T::AccountId,
		/// The unix time, in milliseconds, the patient asked for.
		pub at: u64,
		/// The patient's reason, sealed to the doctor's encryption key (opaque ciphertext).
		pub reason: BoundedVec<u8, T::MaxReasonLen>,
		/// The doctor's note on a decline, sealed to the patient's key (opaque ciphertext).
		pub decline_note: Option<BoundedVec<u8, T::MaxReasonLen>>,
		/// Where the appointment stands.
		pub status: AppointmentStatus,
		/// The block of the request.
		pub requested_at: BlockNumberFor<T>,
		/// The block of the last status change.
		pub updated_at: BlockNumberFor<T>,
		/// Held from the patient until they clear the appointment.
		pub deposit: BalanceOf<T>,
		/// Whether the request came from a patient the doctor treated at the time (the known
		/// lane): it does not count against the doctor's queue and cannot be reported as spam.
		pub known_patient: bool,
	}

	/// What ties a doctor to a patient.
	#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
	pub struct TreatmentInfo<BlockNumber> {
		/// Accepted appointments of the pair not yet completed or cancelled.
		pub open: u32,
		/// The last block of the follow-up window of the latest completion (zero if none).
		pub follow_up_until: BlockNumber,
		/// The doctor's registration when the treatment began
		/// ([`RoleRegistry::registration`]); the treatment ends if the doctor leaves.
		pub doctor_registration: u64,
		/// The patient's registration when the treatment began; it ends if they leave.
		pub patient_registration: u64,
	}

	/// Every appointment, by id.
	#[pallet::storage]
	pub type Appointments<T: Config> =
		StorageMap<_, Twox64Concat, AppointmentId, Appointment<T>, OptionQuery>;

	/// The id the next appointment gets.
	///
	/// Whitelisted: the benchmarks do not count it, because every request of a block reads and
	/// writes this one key, which costs the database one read and one write per block (a
	/// later access hits the block's overlay). `on_initialize` charges those, once.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextAppointmentId<T: Config> = StorageValue<_, AppointmentId, ValueQuery>;

	/// Index: the appointments of each patient.
	#[pallet::storage]
	pub type PatientAppointments<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		AppointmentId,
		(),
		OptionQuery,
	>;

	/// Index: the appointments of each doctor.
	#[pallet::storage]
	pub type DoctorAppointments<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		AppointmentId,
		(),
		OptionQuery,
	>;

	/// How many open (requested or accepted) appointments each patient has; zero not stored.
	#[pallet::storage]
	pub type OpenByPatient<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many requested (unanswered) appointments from new patients (not in the known lane)
	/// each doctor has; zero not stored.
	#[pallet::storage]
	pub type PendingByDoctor<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many accepted (not yet completed or cancelled) appointments each doctor has; zero
	/// not stored.
	#[pallet::storage]
	pub type AcceptedByDoctor<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many requested (unanswered) appointments each (doctor, patient) has; zero not
	/// stored.
	#[pallet::storage]
	pub type PendingPerPair<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// The care relationship of each (doctor, patient) pair that had an accepted appointment.
	#[pallet::storage]
	pub type Treatment<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		TreatmentInfo<BlockNumberFor<T>>,
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient requested an appointment with a doctor.
		Requested { id: AppointmentId, patient: T::AccountId, doctor: T::AccountId },
		/// The doctor accepted an appointment.
		Accepted { id: AppointmentId, doctor: T::AccountId },
		/// The doctor declined an appointment.
		Declined { id: AppointmentId, doctor: T::AccountId },
		/// A participant (`by`) cancelled an appointment.
		Cancelled { id: AppointmentId, by: T::AccountId },
		/// The doctor completed an appointment.
		Completed { id: AppointmentId, doctor: T::AccountId },
		/// The patient removed a closed appointment; its deposit was released.
		Cleared { id: AppointmentId, patient: T::AccountId },
		/// The doctor declined a request as spam; its deposit (`forfeited`) went to the doctor.
		ReportedSpam { id: AppointmentId, doctor: T::AccountId, forfeited: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a registered patient.
		NotPatient,
		/// The doctor is not (or no longer) a verified doctor.
		DoctorNotVerified,
		/// The caller is not the doctor of this appointment.
		NotDoctor,
		/// A patient cannot book an appointment with themselves.
		SelfBooking,
		/// No appointment has this id.
		NotFound,
		/// The caller is neither the patient nor the doctor of this appointment.
		NotParticipant,
		/// The appointment's status does not allow this action.
		InvalidStatus,
		/// The patient has `MaxOpenPerPatient` open appointments already.
		TooManyOpen,
		/// The doctor has `MaxPendingPerDoctor` unanswered requests already.
		TooManyPending,
		/// The requested time is zero (the only time the chain refuses; see the pallet docs).
		InvalidTime,
		/// The patient has `MaxPendingPerPair` unanswered requests with this doctor already.
		TooManyPendingWithDoctor,
		/// Only the patient of the appointment may clear it.
		NotThePatient,
		/// The appointment is still open: cancel it or let it end first.
		StillOpen,
		/// The patient cannot afford the deposit.
		InsufficientBalance,
		/// The doctor treats this patient: their requests cannot be reported as spam.
		KnownPatient,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// The block's one read and one write of the whitelisted `NextAppointmentId`.
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
		/// Request an appointment with `doctor` at `at` (unix time in milliseconds).
		///
		/// The caller must be a registered patient; `doctor` must be a verified doctor other
		/// than the caller. `reason` is opaque ciphertext the client sealed to the doctor's
		/// encryption key: never put clear text here.
		///
		/// Errors: `SelfBooking`, `NotPatient`, `DoctorNotVerified`, `InvalidTime` (`at` is
		/// zero), `TooManyOpen` (the patient has `MaxOpenPerPatient` open appointments),
		/// `TooManyPending` (the doctor has `MaxPendingPerDoctor` unanswered requests from
		/// patients they do not treat; a patient they treat is never refused for this),
		/// `TooManyPendingWithDoctor` (`MaxPendingPerPair` with this doctor),
		/// `InsufficientBalance` (for the `AppointmentDeposit`, held until cleared).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request(reason.len() as u32))]
		pub fn request(
			origin: OriginFor<T>,
			doctor: T::AccountId,
			at: u64,
			reason: BoundedVec<u8, T::MaxReasonLen>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			ensure!(patient != doctor, Error::<T>::SelfBooking);
			ensure!(T::Registry::is_active(&patient, Role::Patient), Error::<T>::NotPatient);
			ensure!(T::Registry::is_active(&doctor, Role::Doctor), Error::<T>::DoctorNotVerified);
			ensure!(at > 0, Error::<T>::InvalidTime);

			let open = OpenByPatient::<T>::get(&patient);
			ensure!(open < T::MaxOpenPerPatient::get(), Error::<T>::TooManyOpen);
			// A patient the doctor treats has a lane of their own: a flood of new accounts in
			// the doctor's queue cannot keep them out.
			let known_patient = Self::in_care(&doctor, &patient);
			let pending = PendingByDoctor::<T>::get(&doctor);
			ensure!(
				known_patient || pending < T::MaxPendingPerDoctor::get(),
				Error::<T>::TooManyPending
			);
			let pair = PendingPerPair::<T>::get(&doctor, &patient);
			ensure!(pair < T::MaxPendingPerPair::get(), Error::<T>::TooManyPendingWithDoctor);
			let deposit = T::AppointmentDeposit::get();
			Self::hold(&patient, deposit)?;

			let id = NextAppointmentId::<T>::get();
			let next = id.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let now = frame_system::Pallet::<T>::block_number();

			Appointments::<T>::insert(
				id,
				Appointment {
					patient: patient.clone(),
					doctor: doctor.clone(),
					at,
					reason,
					decline_note: None,
					status: AppointmentStatus::Requested,
					requested_at: now,
					updated_at: now,
					deposit,
					known_patient,
				},
			);
			NextAppointmentId::<T>::put(next);
			PendingPerPair::<T>::insert(&doctor, &patient, pair + 1);
			PatientAppointments::<T>::insert(&patient, id, ());
			DoctorAppointments::<T>::insert(&doctor, id, ());
			// Both below their bound, so `+ 1` cannot overflow.
			OpenByPatient::<T>::insert(&patient, open + 1);
			if !known_patient {
				PendingByDoctor::<T>::insert(&doctor, pending + 1);
			}

			Self::deposit_event(Event::Requested { id, patient, doctor });
			Ok(())
		}

		/// Accept the requested appointment `id`.
		///
		/// The caller must be the appointment's doctor and still a verified doctor. From then
		/// on the doctor treats the patient (see `CareRelationship`), which is written to the
		/// patient's audit trail.
		///
		/// Errors: `NotFound`, `NotDoctor`, `DoctorNotVerified`, `InvalidStatus` (not
		/// `Requested`).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::accept())]
		pub fn accept(origin: OriginFor<T>, id: AppointmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let patient = Appointments::<T>::try_mutate(id, |maybe| -> Result<_, DispatchError> {
				let appointment = maybe.as_mut().ok_or(Error::<T>::NotFound)?;
				Self::ensure_answerable(appointment, &who, AppointmentStatus::Requested)?;
				appointment.status = AppointmentStatus::Accepted;
				appointment.updated_at = now;
				Self::dec_pending(&who, &appointment.patient, appointment.known_patient);
				AcceptedByDoctor::<T>::mutate(&who, |n| *n = n.saturating_add(1));
				Self::start_treatment(&who, &appointment.patient);
				Ok(appointment.patient.clone())
			})?;
			T::Audit::log(&patient, &who, AuditAction::AppointmentAccepted { appointment: id });
			Self::deposit_event(Event::Accepted { id, doctor: who });
			Ok(())
		}

		/// Decline the requested appointment `id`, optionally with a `note` sealed to the
		/// patient's encryption key (opaque ciphertext, never clear text).
		///
		/// The caller must be the appointment's doctor and still a verified doctor.
		///
		/// Errors: `NotFound`, `NotDoctor`, `DoctorNotVerified`, `InvalidStatus` (not
		/// `Requested`).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::decline(note.as_ref().map_or(0, |n| n.len() as u32)))]
		pub fn decline(
			origin: OriginFor<T>,
			id: AppointmentId,
			note: Option<BoundedVec<u8, T::MaxReasonLen>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			Appointments::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let appointment = maybe.as_mut().ok_or(Error::<T>::NotFound)?;
				Self::ensure_answerable(appointment, &who, AppointmentStatus::Requested)?;
				appointment.status = AppointmentStatus::Declined;
				appointment.decline_note = note;
				appointment.updated_at = now;
				Self::dec_pending(&who, &appointment.patient, appointment.known_patient);
				Self::dec_open(&appointment.patient);
				Ok(())
			})?;
			Self::deposit_event(Event::Declined { id, doctor: who });
			Ok(())
		}

		/// Cancel the requested or accepted appointment `id`.
		///
		/// The caller must be the appointment's patient or doctor (a doctor may cancel even
		/// after losing verification). Cancelling an accepted appointment ends the treatment
		/// it opened.
		///
		/// Errors: `NotFound`, `NotParticipant`, `InvalidStatus` (not `Requested` or
		/// `Accepted`).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::cancel())]
		pub fn cancel(origin: OriginFor<T>, id: AppointmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			Appointments::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let appointment = maybe.as_mut().ok_or(Error::<T>::NotFound)?;
				let by_patient = who == appointment.patient;
				ensure!(by_patient || who == appointment.doctor, Error::<T>::NotParticipant);
				match appointment.status {
					AppointmentStatus::Requested => Self::dec_pending(
						&appointment.doctor,
						&appointment.patient,
						appointment.known_patient,
					),
					AppointmentStatus::Accepted => {
						Self::dec_accepted(&appointment.doctor);
						Self::end_treatment(&appointment.doctor, &appointment.patient, None, now)
					}
					_ => return Err(Error::<T>::InvalidStatus.into()),
				}
				appointment.status = AppointmentStatus::Cancelled { by_patient };
				appointment.updated_at = now;
				Self::dec_open(&appointment.patient);
				Ok(())
			})?;
			Self::deposit_event(Event::Cancelled { id, by: who });
			Ok(())
		}

		/// Complete the accepted appointment `id`.
		///
		/// The caller must be the appointment's doctor and still a verified doctor. The doctor
		/// keeps treating the patient for `FollowUpPeriod` blocks (to upload results).
		///
		/// Errors: `NotFound`, `NotDoctor`, `DoctorNotVerified`, `InvalidStatus` (not
		/// `Accepted`).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::complete())]
		pub fn complete(origin: OriginFor<T>, id: AppointmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			Appointments::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let appointment = maybe.as_mut().ok_or(Error::<T>::NotFound)?;
				Self::ensure_answerable(appointment, &who, AppointmentStatus::Accepted)?;
				appointment.status = AppointmentStatus::Completed;
				appointment.updated_at = now;
				Self::dec_open(&appointment.patient);
				Self::dec_accepted(&who);
				let until = now.saturating_add(T::FollowUpPeriod::get());
				Self::end_treatment(&who, &appointment.patient, Some(until), now);
				Ok(())
			})?;
			Self::deposit_event(Event::Completed { id, doctor: who });
			Ok(())
		}

		/// Remove the closed (declined, cancelled or completed) appointment `id` and release
		/// its deposit. Only its patient may; the treatment it gave (follow-up window
		/// included) is not affected.
		///
		/// Errors: `NotFound`, `NotThePatient`, `StillOpen`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::clear())]
		pub fn clear(origin: OriginFor<T>, id: AppointmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let appointment = Appointments::<T>::get(id).ok_or(Error::<T>::NotFound)?;
			ensure!(appointment.patient == who, Error::<T>::NotThePatient);
			ensure!(!appointment.status.is_open(), Error::<T>::StillOpen);
			Appointments::<T>::remove(id);
			PatientAppointments::<T>::remove(&who, id);
			DoctorAppointments::<T>::remove(&appointment.doctor, id);
			if !appointment.deposit.is_zero() {
				let reason: T::RuntimeHoldReason = HoldReason::Appointment.into();
				// What was held is exactly what is released (checked by try_state).
				let _ =
					T::Currency::release(&reason, &who, appointment.deposit, Precision::BestEffort);
			}
			Self::deposit_event(Event::Cleared { id, patient: who });
			Ok(())
		}

		/// Decline the request `id` as spam: it ends as `DeclinedAsSpam`, and its deposit is
		/// transferred from the patient to the doctor. The patient may still clear it (nothing
		/// is left to release).
		///
		/// The caller must be the appointment's doctor and still a verified doctor. Only
		/// requests in the new lane qualify: a patient the doctor treated when they asked
		/// (`known_patient`) cannot be reported.
		///
		/// Errors: `NotFound`, `NotDoctor`, `DoctorNotVerified`, `InvalidStatus` (not
		/// `Requested`), `KnownPatient`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::report_spam())]
		pub fn report_spam(origin: OriginFor<T>, id: AppointmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let forfeited =
				Appointments::<T>::try_mutate(id, |maybe| -> Result<_, DispatchError> {
					let appointment = maybe.as_mut().ok_or(Error::<T>::NotFound)?;
					Self::ensure_answerable(appointment, &who, AppointmentStatus::Requested)?;
					ensure!(!appointment.known_patient, Error::<T>::KnownPatient);
					appointment.status = AppointmentStatus::DeclinedAsSpam;
					appointment.updated_at = now;
					Self::dec_pending(&who, &appointment.patient, false);
					Self::dec_open(&appointment.patient);
					let deposit = core::mem::replace(&mut appointment.deposit, Zero::zero());
					if deposit.is_zero() {
						return Ok(deposit);
					}
					let reason: T::RuntimeHoldReason = HoldReason::Appointment.into();
					T::Currency::transfer_on_hold(
						&reason,
						&appointment.patient,
						&who,
						deposit,
						Precision::Exact,
						Restriction::Free,
						Fortitude::Polite,
					)
				})?;
			Self::deposit_event(Event::ReportedSpam { id, doctor: who, forfeited });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The appointment `id`, if any.
		pub fn appointment(id: AppointmentId) -> Option<Appointment<T>> {
			Appointments::<T>::get(id)
		}

		/// Every appointment of `patient`, oldest first.
		pub fn patient_appointments(patient: T::AccountId) -> Vec<(AppointmentId, Appointment<T>)> {
			Self::load(PatientAppointments::<T>::iter_key_prefix(&patient), |_| true)
		}

		/// Every appointment of `doctor`, oldest first.
		pub fn doctor_appointments(doctor: T::AccountId) -> Vec<(AppointmentId, Appointment<T>)> {
			Self::load(DoctorAppointments::<T>::iter_key_prefix(&doctor), |_| true)
		}

		/// The requests `doctor` has not answered yet, oldest first.
		pub fn pending_requests(doctor: T::AccountId) -> Vec<(AppointmentId, Appointment<T>)> {
			Self::load(DoctorAppointments::<T>::iter_key_prefix(&doctor), |a| {
				a.status == AppointmentStatus::Requested
			})
		}

		/// The patients `doctor` treats or follows up right now (an accepted appointment, or a
		/// completed one within the follow-up window), sorted by account, with the treatment
		/// entry. Does not look at the doctor's verification: see `is_treating` for that.
		pub fn doctor_patients(
			doctor: T::AccountId,
		) -> Vec<(T::AccountId, TreatmentInfo<BlockNumberFor<T>>)> {
			let now = frame_system::Pallet::<T>::block_number();
			let mut patients: Vec<_> = Treatment::<T>::iter_prefix(&doctor)
				.filter(|(patient, info)| Self::counts(info, &doctor, patient, now))
				.collect();
			patients.sort_by(|a, b| a.0.cmp(&b.0));
			patients
		}

		/// Whether `doctor` treats `patient` right now (see the pallet docs).
		pub fn is_treating(doctor: T::AccountId, patient: T::AccountId) -> bool {
			Self::treats(&doctor, &patient)
		}
	}
}
