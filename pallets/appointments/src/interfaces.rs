//! What the other pallets ask of appointments: whether a doctor treats a patient
//! ([`CareRelationship`]), and whether an account may leave the registry ([`Commitments`]).

use crate::*;
#[cfg(feature = "runtime-benchmarks")]
use frame_support::{pallet_prelude::Zero, BoundedVec};
use medchain_primitives::{CareRelationship, Commitments};
#[cfg(feature = "runtime-benchmarks")]
use medchain_primitives::{Role, RoleRegistry};

impl<T: Config> Commitments<T::AccountId> for Pallet<T> {
	/// A patient with open appointments, or a doctor with accepted appointments, must
	/// cancel or finish them before leaving. Unanswered requests do not keep a doctor
	/// (anyone can send them); their patients cancel and clear them.
	fn is_committed(who: &T::AccountId) -> bool {
		OpenByPatient::<T>::get(who) > 0 || AcceptedByDoctor::<T>::get(who) > 0
	}
}

impl<T: Config> CareRelationship<T::AccountId> for Pallet<T> {
	fn is_treating(doctor: &T::AccountId, patient: &T::AccountId) -> bool {
		Self::treats(doctor, patient)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn start_treatment_for_benchmarks(doctor: &T::AccountId, patient: &T::AccountId) {
		if !T::Registry::is_active(doctor, Role::Doctor) {
			T::Registry::register_for_benchmarks(doctor, Role::Doctor);
		}
		if !T::Registry::is_active(patient, Role::Patient) {
			T::Registry::register_for_benchmarks(patient, Role::Patient);
		}
		let id = NextAppointmentId::<T>::get();
		NextAppointmentId::<T>::put(id.saturating_add(1));
		let now = frame_system::Pallet::<T>::block_number();
		Appointments::<T>::insert(
			id,
			Appointment {
				patient: patient.clone(),
				doctor: doctor.clone(),
				at: 1,
				reason: BoundedVec::default(),
				decline_note: None,
				status: AppointmentStatus::Accepted,
				requested_at: now,
				updated_at: now,
				deposit: Zero::zero(),
				known_patient: false,
			},
		);
		PatientAppointments::<T>::insert(patient, id, ());
		DoctorAppointments::<T>::insert(doctor, id, ());
		OpenByPatient::<T>::mutate(patient, |n| *n = n.saturating_add(1));
		AcceptedByDoctor::<T>::mutate(doctor, |n| *n = n.saturating_add(1));
		Self::start_treatment(doctor, patient);
	}
}
