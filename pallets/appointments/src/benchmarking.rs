//! Benchmarks of the appointments pallet.
//!
//! Roles are set up through `RoleRegistry::register_for_benchmarks`. Every call's cost is
//! independent of how many appointments exist (counters and indexes are single keys), so the
//! worst case is the branch that touches the most storage.
//!
//! Every signed call's signer is whitelisted: the transaction extensions already read and wrote
//! that account in the same extrinsic, and are charged for it, so the call's access to it hits
//! the block's overlay.

#![cfg(feature = "runtime-benchmarks")]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use medchain_primitives::{AppointmentId, Role, RoleRegistry};
use sp_runtime::Saturating;

/// 2023-11-14 22:13:20 UTC, in milliseconds.
const AT: u64 = 1_700_000_000_000;

/// A registered patient and a verified doctor, at block 1 (so that a treatment ended by a
/// cancellation lies behind us).
fn patient_and_doctor<T: Config>() -> (T::AccountId, T::AccountId) {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	let patient: T::AccountId = account("patient", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	T::Registry::register_for_benchmarks(&doctor, Role::Doctor);
	let deposits = T::AppointmentDeposit::get().saturating_mul(100u32.into());
	T::Currency::set_balance(&patient, T::Currency::minimum_balance().saturating_add(deposits));
	(patient, doctor)
}

/// `l` bytes of stand-in ciphertext.
fn sealed<T: Config>(l: u32) -> BoundedVec<u8, T::MaxReasonLen> {
	alloc::vec![0xAB; l as usize].try_into().expect("l is at most MaxReasonLen; qed")
}

/// A requested appointment of `patient` with `doctor`, with a reason of the longest length.
fn requested<T: Config>(patient: &T::AccountId, doctor: &T::AccountId) -> AppointmentId {
	let id = NextAppointmentId::<T>::get();
	Pallet::<T>::request(
		RawOrigin::Signed(patient.clone()).into(),
		doctor.clone(),
		AT,
		sealed::<T>(T::MaxReasonLen::get()),
	)
	.expect("a patient may book a verified doctor; qed");
	id
}

/// An accepted appointment of `patient` with `doctor`.
fn accepted<T: Config>(patient: &T::AccountId, doctor: &T::AccountId) -> AppointmentId {
	let id = requested::<T>(patient, doctor);
	Pallet::<T>::accept(RawOrigin::Signed(doctor.clone()).into(), id)
		.expect("the doctor may accept a request; qed");
	id
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// Worst case: the pair has a treatment entry within its follow-up window but from an
	// earlier registration of the patient, so the lane check reads the entry and both
	// registrations, and the request still lands in (and writes) the doctor's new lane.
	#[benchmark]
	fn request(l: Linear<0, { T::MaxReasonLen::get() }>) {
		let (patient, doctor) = patient_and_doctor::<T>();
		let reason = sealed::<T>(l);
		let id = NextAppointmentId::<T>::get();
		Treatment::<T>::insert(
			&doctor,
			&patient,
			TreatmentInfo {
				open: 0,
				follow_up_until: 1_000u32.into(),
				doctor_registration: T::Registry::registration(&doctor).unwrap_or_default(),
				patient_registration: u64::MAX,
			},
		);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), doctor.clone(), AT, reason);

		assert_eq!(
			Appointments::<T>::get(id).map(|a| (a.status, a.known_patient)),
			Some((AppointmentStatus::Requested, false))
		);
		assert_eq!(PendingByDoctor::<T>::get(&doctor), 1);
		assert_last_event::<T>(Event::Requested { id, patient, doctor });
	}

	#[benchmark]
	fn accept() {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = requested::<T>(&patient, &doctor);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), id);

		assert!(Pallet::<T>::treats(&doctor, &patient));
		assert_last_event::<T>(Event::Accepted { id, doctor });
	}

	#[benchmark]
	fn decline(l: Linear<0, { T::MaxReasonLen::get() }>) {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = requested::<T>(&patient, &doctor);
		let note = Some(sealed::<T>(l));

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), id, note);

		assert_eq!(Appointments::<T>::get(id).map(|a| a.status), Some(AppointmentStatus::Declined));
		assert_last_event::<T>(Event::Declined { id, doctor });
	}

	// Worst case: cancelling a requested appointment writes the doctor's and the pair's
	// pending counters (an accepted one writes the single treatment entry instead).
	#[benchmark]
	fn cancel() {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = requested::<T>(&patient, &doctor);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), id);

		assert_eq!(
			Appointments::<T>::get(id).map(|a| a.status),
			Some(AppointmentStatus::Cancelled { by_patient: true })
		);
		assert_eq!(PendingPerPair::<T>::get(&doctor, &patient), 0);
		assert_last_event::<T>(Event::Cancelled { id, by: patient });
	}

	/// A cancelled appointment with the longest reason, cleared and its deposit released.
	#[benchmark]
	fn clear() {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = requested::<T>(&patient, &doctor);
		Pallet::<T>::cancel(RawOrigin::Signed(patient.clone()).into(), id)
			.expect("the patient may cancel; qed");

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), id);

		assert!(!Appointments::<T>::contains_key(id));
		assert_last_event::<T>(Event::Cleared { id, patient });
	}

	#[benchmark]
	fn complete() {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = accepted::<T>(&patient, &doctor);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), id);

		assert_eq!(
			Appointments::<T>::get(id).map(|a| a.status),
			Some(AppointmentStatus::Completed)
		);
		assert_last_event::<T>(Event::Completed { id, doctor });
	}

	/// A new patient's request with its deposit, declined as spam: the deposit moves from the
	/// patient's hold to the doctor.
	#[benchmark]
	fn report_spam() {
		let (patient, doctor) = patient_and_doctor::<T>();
		let id = requested::<T>(&patient, &doctor);
		let forfeited = T::AppointmentDeposit::get();
		T::Currency::set_balance(&doctor, T::Currency::minimum_balance());

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), id);

		assert_eq!(
			Appointments::<T>::get(id).map(|a| a.status),
			Some(AppointmentStatus::DeclinedAsSpam)
		);
		assert_last_event::<T>(Event::ReportedSpam { id, doctor, forfeited });
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
