//! Care relationships: whether a doctor treats a patient now, and the treatment entries that
//! accepting, completing and cancelling appointments start and end.

use crate::*;
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{Role, RoleRegistry};
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Whether `doctor` is a verified doctor with an accepted appointment with `patient`,
	/// or within the follow-up window of a completed one.
	pub fn treats(doctor: &T::AccountId, patient: &T::AccountId) -> bool {
		T::Registry::is_active(doctor, Role::Doctor) && Self::in_care(doctor, patient)
	}

	/// Whether the pair's treatment entry makes `doctor` treat `patient` now, leaving the
	/// doctor's verification to the caller (`request` has checked it already).
	pub(crate) fn in_care(doctor: &T::AccountId, patient: &T::AccountId) -> bool {
		let now = frame_system::Pallet::<T>::block_number();
		Treatment::<T>::get(doctor, patient)
			.is_some_and(|info| Self::counts(&info, doctor, patient, now))
	}

	/// Whether a treatment entry makes its doctor treat its patient at `now`: live, and
	/// begun under both sides' current registrations.
	pub(crate) fn counts(
		info: &TreatmentInfo<BlockNumberFor<T>>,
		doctor: &T::AccountId,
		patient: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> bool {
		Self::is_live(info, now) && Self::is_current(info, doctor, patient)
	}

	/// Whether neither side of a treatment entry has left since it began.
	fn is_current(
		info: &TreatmentInfo<BlockNumberFor<T>>,
		doctor: &T::AccountId,
		patient: &T::AccountId,
	) -> bool {
		T::Registry::registration(doctor) == Some(info.doctor_registration)
			&& T::Registry::registration(patient) == Some(info.patient_registration)
	}

	/// One more accepted appointment of the pair. An entry left from an earlier
	/// registration of either side starts afresh: its follow-up window ended when they left.
	pub(crate) fn start_treatment(doctor: &T::AccountId, patient: &T::AccountId) {
		let doctor_registration = T::Registry::registration(doctor).unwrap_or_default();
		let patient_registration = T::Registry::registration(patient).unwrap_or_default();
		Treatment::<T>::mutate(doctor, patient, |maybe_info| {
			let fresh = TreatmentInfo {
				open: 0,
				follow_up_until: Zero::zero(),
				doctor_registration,
				patient_registration,
			};
			let info = maybe_info.get_or_insert(fresh);
			if (info.doctor_registration, info.patient_registration)
				!= (doctor_registration, patient_registration)
			{
				*info = TreatmentInfo { open: info.open, ..fresh };
			}
			info.open = info.open.saturating_add(1);
		});
	}

	/// Whether a treatment entry still makes its doctor treat its patient at `now`.
	fn is_live(info: &TreatmentInfo<BlockNumberFor<T>>, now: BlockNumberFor<T>) -> bool {
		info.open > 0 || now <= info.follow_up_until
	}

	/// One accepted appointment of the pair ended: completed (`follow_up_until` is the end
	/// of its follow-up window) or cancelled (`None`). Drops the entry once nothing keeps
	/// the doctor treating the patient at `now`.
	pub(crate) fn end_treatment(
		doctor: &T::AccountId,
		patient: &T::AccountId,
		follow_up_until: Option<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
	) {
		Treatment::<T>::mutate_exists(doctor, patient, |maybe_info| {
			let remove = match maybe_info.as_mut() {
				Some(info) => {
					info.open = info.open.saturating_sub(1);
					if let Some(until) = follow_up_until {
						if until > info.follow_up_until {
							info.follow_up_until = until;
						}
					}
					!Self::is_live(info, now)
				}
				None => false,
			};
			if remove {
				*maybe_info = None;
			}
		});
	}
}
