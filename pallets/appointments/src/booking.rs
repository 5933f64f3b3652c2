//! Bookkeeping of the calls: loading appointments, who may answer them, the open, pending and
//! accepted counters, and the deposit a request holds.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{InspectHold, MutateHold},
};
use medchain_primitives::{AppointmentId, Role, RoleRegistry};

impl<T: Config> Pallet<T> {
	/// The appointments `ids` that satisfy `keep`, sorted by id.
	pub(crate) fn load(
		ids: impl Iterator<Item = AppointmentId>,
		keep: impl Fn(&Appointment<T>) -> bool,
	) -> Vec<(AppointmentId, Appointment<T>)> {
		let mut out: Vec<_> = ids
			.filter_map(|id| Appointments::<T>::get(id).filter(|a| keep(a)).map(|a| (id, a)))
			.collect();
		out.sort_by_key(|(id, _)| *id);
		out
	}

	/// Checks that `who` is the doctor of `appointment`, still verified, and that the
	/// appointment is in `status`.
	pub(crate) fn ensure_answerable(
		appointment: &Appointment<T>,
		who: &T::AccountId,
		status: AppointmentStatus,
	) -> DispatchResult {
		ensure!(appointment.doctor == *who, Error::<T>::NotDoctor);
		ensure!(T::Registry::is_active(who, Role::Doctor), Error::<T>::DoctorNotVerified);
		ensure!(appointment.status == status, Error::<T>::InvalidStatus);
		Ok(())
	}

	/// One open appointment of `patient` fewer.
	pub(crate) fn dec_open(patient: &T::AccountId) {
		OpenByPatient::<T>::mutate_exists(patient, |count| {
			let n = count.unwrap_or(0).saturating_sub(1);
			*count = if n == 0 { None } else { Some(n) };
		});
	}

	/// One accepted appointment of `doctor` fewer.
	pub(crate) fn dec_accepted(doctor: &T::AccountId) {
		AcceptedByDoctor::<T>::mutate_exists(doctor, |count| {
			let n = count.unwrap_or(0).saturating_sub(1);
			*count = if n == 0 { None } else { Some(n) };
		});
	}

	/// One unanswered request of `patient` with `doctor` fewer (`known_patient`: in the
	/// known lane, which the doctor's queue does not count).
	pub(crate) fn dec_pending(doctor: &T::AccountId, patient: &T::AccountId, known_patient: bool) {
		if !known_patient {
			PendingByDoctor::<T>::mutate_exists(doctor, |count| {
				let n = count.unwrap_or(0).saturating_sub(1);
				*count = if n == 0 { None } else { Some(n) };
			});
		}
		PendingPerPair::<T>::mutate_exists(doctor, patient, |count| {
			let n = count.unwrap_or(0).saturating_sub(1);
			*count = if n == 0 { None } else { Some(n) };
		});
	}

	/// Holds `amount` of `who`'s balance for an appointment.
	pub(crate) fn hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let reason: T::RuntimeHoldReason = HoldReason::Appointment.into();
		ensure!(T::Currency::can_hold(&reason, who, amount), Error::<T>::InsufficientBalance);
		T::Currency::hold(&reason, who, amount)
	}
}
