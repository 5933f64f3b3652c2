//! The invariants `try_state` checks (see the pallet docs). Each compares two independent
//! pieces of state, so a bug in either makes it fail.

use crate::*;
use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants (see the pallet docs). Always compiled: the runtime
	/// fuzzer checks them after every block.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let next_id = NextAppointmentId::<T>::get();
		let mut open: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut pending: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut accepted: BTreeMap<(T::AccountId, T::AccountId), u32> = BTreeMap::new();
		let mut pairs: BTreeMap<(T::AccountId, T::AccountId), u32> = BTreeMap::new();
		let mut accepted_by: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();

		for (id, a) in Appointments::<T>::iter() {
			ensure!(id < next_id, "appointment id not below NextAppointmentId");
			ensure!(a.patient != a.doctor, "appointment with itself");
			ensure!(
				PatientAppointments::<T>::contains_key(&a.patient, id),
				"appointment missing from PatientAppointments"
			);
			ensure!(
				DoctorAppointments::<T>::contains_key(&a.doctor, id),
				"appointment missing from DoctorAppointments"
			);
			if a.status.is_open() {
				*open.entry(a.patient.clone()).or_default() += 1;
			}
			let held = deposits.entry(a.patient.clone()).or_default();
			*held = held.saturating_add(a.deposit);
			match a.status {
				AppointmentStatus::Requested => {
					if !a.known_patient {
						*pending.entry(a.doctor.clone()).or_default() += 1;
					}
					*pairs.entry((a.doctor.clone(), a.patient.clone())).or_default() += 1;
				}
				AppointmentStatus::Accepted => {
					*accepted.entry((a.doctor.clone(), a.patient.clone())).or_default() += 1;
					*accepted_by.entry(a.doctor.clone()).or_default() += 1;
				}
				_ => {}
			}
		}

		for (patient, id, ()) in PatientAppointments::<T>::iter() {
			ensure!(
				Appointments::<T>::get(id).is_some_and(|a| a.patient == patient),
				"PatientAppointments entry without a matching appointment"
			);
		}
		for (doctor, id, ()) in DoctorAppointments::<T>::iter() {
			ensure!(
				Appointments::<T>::get(id).is_some_and(|a| a.doctor == doctor),
				"DoctorAppointments entry without a matching appointment"
			);
		}

		for (patient, count) in OpenByPatient::<T>::iter() {
			ensure!(count > 0, "zero OpenByPatient counter stored");
			ensure!(open.get(&patient) == Some(&count), "OpenByPatient counter wrong");
		}
		for (patient, count) in open.iter() {
			ensure!(OpenByPatient::<T>::get(patient) == *count, "OpenByPatient counter missing");
		}
		for (doctor, count) in PendingByDoctor::<T>::iter() {
			ensure!(count > 0, "zero PendingByDoctor counter stored");
			ensure!(pending.get(&doctor) == Some(&count), "PendingByDoctor counter wrong");
		}
		for (doctor, count) in pending.iter() {
			ensure!(PendingByDoctor::<T>::get(doctor) == *count, "PendingByDoctor counter missing");
		}

		for (doctor, count) in AcceptedByDoctor::<T>::iter() {
			ensure!(accepted_by.remove(&doctor) == Some(count), "AcceptedByDoctor counter wrong");
		}
		ensure!(accepted_by.is_empty(), "AcceptedByDoctor counter missing");
		for (doctor, patient, count) in PendingPerPair::<T>::iter() {
			ensure!(count <= T::MaxPendingPerPair::get(), "PendingPerPair above its bound");
			ensure!(
				pairs.remove(&(doctor, patient)) == Some(count),
				"PendingPerPair counter wrong"
			);
		}
		ensure!(pairs.is_empty(), "PendingPerPair counter missing");
		let reason: T::RuntimeHoldReason = HoldReason::Appointment.into();
		for (patient, amount) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&reason, &patient) == amount,
				"deposit held differs from the appointments' deposits"
			);
		}

		for (doctor, patient, info) in Treatment::<T>::iter() {
			let expected = accepted.get(&(doctor, patient)).copied().unwrap_or(0);
			ensure!(info.open == expected, "Treatment.open differs from accepted appointments");
		}
		for ((doctor, patient), count) in accepted.iter() {
			ensure!(
				Treatment::<T>::get(doctor, patient).is_some_and(|info| info.open == *count),
				"accepted appointment without a Treatment entry"
			);
		}
		Ok(())
	}
}
