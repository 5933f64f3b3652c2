//! Tests of the appointments pallet.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use medchain_primitives::{AppointmentId, CareRelationship};
use sp_runtime::{ArithmeticError, DispatchError};

/// 2023-11-14 22:13:20 UTC, in milliseconds.
const AT: u64 = 1_700_000_000_000;

/// `len` bytes of stand-in ciphertext.
fn sealed(len: usize) -> BoundedVec<u8, MaxReasonLen> {
	vec![0xAB; len].try_into().expect("short enough")
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// `patient` requests an appointment with `doctor`; returns its id.
fn book(patient: u64, doctor: u64) -> AppointmentId {
	let id = NextAppointmentId::<Test>::get();
	assert_ok!(AppointmentsPallet::request(signed(patient), doctor, AT, sealed(8)));
	id
}

/// `patient` requests an appointment with `doctor`, and the doctor accepts it.
fn book_accepted(patient: u64, doctor: u64) -> AppointmentId {
	let id = book(patient, doctor);
	assert_ok!(AppointmentsPallet::accept(signed(doctor), id));
	id
}

fn status(id: AppointmentId) -> AppointmentStatus {
	Appointments::<Test>::get(id).expect("appointment exists").status
}

/// What other pallets see through `CareRelationship`.
fn treating(doctor: u64, patient: u64) -> bool {
	<AppointmentsPallet as CareRelationship<u64>>::is_treating(&doctor, &patient)
}

fn ids(list: Vec<(AppointmentId, Appointment<Test>)>) -> Vec<AppointmentId> {
	list.into_iter().map(|(id, _)| id).collect()
}

fn last_event(event: Event<Test>) {
	System::assert_last_event(event.into());
}

/// The treatment entry of `doctor` and `patient` as their current registrations make it.
fn care(doctor: u64, patient: u64, open: u32, follow_up_until: u64) -> TreatmentInfo<u64> {
	use medchain_primitives::RoleRegistry;
	TreatmentInfo {
		open,
		follow_up_until,
		doctor_registration: TestRegistry::registration(&doctor).unwrap(),
		patient_registration: TestRegistry::registration(&patient).unwrap(),
	}
}

// ---------------------------------------------------------------------------------------------
// request

#[test]
fn request_works() {
	run(|| {
		go_to(5);
		assert_ok!(AppointmentsPallet::request(signed(PATIENT), DOCTOR, AT, sealed(16)));

		assert_eq!(
			Appointments::<Test>::get(0),
			Some(Appointment {
				patient: PATIENT,
				doctor: DOCTOR,
				at: AT,
				reason: sealed(16),
				decline_note: None,
				status: AppointmentStatus::Requested,
				requested_at: 5,
				updated_at: 5,
				deposit: APPOINTMENT_DEPOSIT,
				known_patient: false,
			})
		);
		assert_eq!(NextAppointmentId::<Test>::get(), 1);
		assert!(PatientAppointments::<Test>::contains_key(PATIENT, 0));
		assert!(DoctorAppointments::<Test>::contains_key(DOCTOR, 0));
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 1);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 1);
		// A request alone does not make a care relationship.
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), None);
		assert!(!treating(DOCTOR, PATIENT));
		last_event(Event::Requested { id: 0, patient: PATIENT, doctor: DOCTOR });

		// Ids are sequential; an empty and a longest reason are both fine.
		assert_ok!(AppointmentsPallet::request(signed(PATIENT), DOCTOR_2, 1, sealed(0)));
		assert_ok!(AppointmentsPallet::request(
			signed(PATIENT_2),
			DOCTOR,
			AT,
			sealed(MAX_REASON_LEN as usize)
		));
		assert_eq!(NextAppointmentId::<Test>::get(), 3);
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 2);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 2);
		last_event(Event::Requested { id: 2, patient: PATIENT_2, doctor: DOCTOR });
	});
}

#[test]
fn request_needs_a_signed_origin() {
	run(|| {
		assert_noop!(
			AppointmentsPallet::request(RuntimeOrigin::none(), DOCTOR, AT, sealed(1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			AppointmentsPallet::request(RuntimeOrigin::root(), DOCTOR, AT, sealed(1)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn request_refuses_self_booking() {
	run(|| {
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), PATIENT, AT, sealed(1)),
			Error::<Test>::SelfBooking
		);
		assert_noop!(
			AppointmentsPallet::request(signed(DOCTOR), DOCTOR, AT, sealed(1)),
			Error::<Test>::SelfBooking
		);
	});
}

#[test]
fn request_needs_a_patient() {
	run(|| {
		for who in [NOBODY, DOCTOR_2, UNVERIFIED_DOCTOR, HOSPITAL] {
			assert_noop!(
				AppointmentsPallet::request(signed(who), DOCTOR, AT, sealed(1)),
				Error::<Test>::NotPatient
			);
		}
	});
}

#[test]
fn request_needs_a_verified_doctor() {
	run(|| {
		for doctor in [UNVERIFIED_DOCTOR, HOSPITAL, NOBODY, PATIENT_2] {
			assert_noop!(
				AppointmentsPallet::request(signed(PATIENT), doctor, AT, sealed(1)),
				Error::<Test>::DoctorNotVerified
			);
		}
		// A suspended doctor cannot be booked; once verified again, they can.
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR, AT, sealed(1)),
			Error::<Test>::DoctorNotVerified
		);
		TestRegistry::set_verified(DOCTOR, true);
		book(PATIENT, DOCTOR);
	});
}

#[test]
fn request_refuses_time_zero() {
	run(|| {
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR, 0, sealed(1)),
			Error::<Test>::InvalidTime
		);
		// Any other time is the client's business.
		assert_ok!(AppointmentsPallet::request(signed(PATIENT), DOCTOR, 1, sealed(1)));
	});
}

#[test]
fn request_bounds_open_appointments_per_patient() {
	run(|| {
		assert_eq!(MAX_OPEN_PER_PATIENT, 3);
		let first = book_accepted(PATIENT, DOCTOR);
		let second = book(PATIENT, DOCTOR);
		book(PATIENT, DOCTOR_2);
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 3);
		// Requested and accepted appointments both count.
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR_2, AT, sealed(1)),
			Error::<Test>::TooManyOpen
		);
		// Another patient is not affected.
		book(PATIENT_2, DOCTOR_2);

		// Completing, declining or cancelling frees a place.
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), first));
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 2);
		book(PATIENT, DOCTOR_2);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), second, None));
		book(PATIENT, DOCTOR);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR, AT, sealed(1)),
			Error::<Test>::TooManyOpen
		);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), 2));
		book(PATIENT, DOCTOR);
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 3);
	});
}

#[test]
fn request_bounds_pending_requests_per_doctor() {
	run(|| {
		assert_eq!(MAX_PENDING_PER_DOCTOR, 3);
		let first = book(PATIENT, DOCTOR);
		book(PATIENT, DOCTOR);
		book(PATIENT_2, DOCTOR);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 3);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT_2), DOCTOR, AT, sealed(1)),
			Error::<Test>::TooManyPending
		);
		// Another doctor is not affected.
		book(PATIENT_2, DOCTOR_2);

		// Accepting (or declining, or a cancellation) frees a place.
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), first));
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 2);
		book(PATIENT_2, DOCTOR);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 3);
	});
}

#[test]
fn request_fails_when_ids_run_out() {
	run(|| {
		NextAppointmentId::<Test>::put(u64::MAX);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR, AT, sealed(1)),
			ArithmeticError::Overflow
		);
	});
}

#[test]
fn reasons_are_bounded() {
	let too_long: Result<BoundedVec<u8, MaxReasonLen>, _> =
		vec![0u8; MAX_REASON_LEN as usize + 1].try_into();
	assert!(too_long.is_err());
}

// ---------------------------------------------------------------------------------------------
// accept

#[test]
fn accept_works() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		go_to(7);
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));

		let appointment = Appointments::<Test>::get(id).unwrap();
		assert_eq!(appointment.status, AppointmentStatus::Accepted);
		assert_eq!(appointment.requested_at, 1);
		assert_eq!(appointment.updated_at, 7);
		assert!(!PendingByDoctor::<Test>::contains_key(DOCTOR));
		assert_eq!(OpenByPatient::<Test>::get(PATIENT), 1);
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), Some(care(DOCTOR, PATIENT, 1, 0)));
		assert!(treating(DOCTOR, PATIENT));
		last_event(Event::Accepted { id, doctor: DOCTOR });

		// A second accepted appointment of the same pair adds to the count.
		let second = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), second));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT).unwrap().open, 2);
	});
}

#[test]
fn accept_errors() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_noop!(
			AppointmentsPallet::accept(RuntimeOrigin::none(), id),
			DispatchError::BadOrigin
		);
		assert_noop!(AppointmentsPallet::accept(signed(DOCTOR), 42), Error::<Test>::NotFound);
		for who in [DOCTOR_2, PATIENT, NOBODY] {
			assert_noop!(AppointmentsPallet::accept(signed(who), id), Error::<Test>::NotDoctor);
		}
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			AppointmentsPallet::accept(signed(DOCTOR), id),
			Error::<Test>::DoctorNotVerified
		);
		TestRegistry::set_verified(DOCTOR, true);

		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		assert_noop!(AppointmentsPallet::accept(signed(DOCTOR), id), Error::<Test>::InvalidStatus);

		let declined = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), declined, None));
		assert_noop!(
			AppointmentsPallet::accept(signed(DOCTOR), declined),
			Error::<Test>::InvalidStatus
		);
		let cancelled = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), cancelled));
		assert_noop!(
			AppointmentsPallet::accept(signed(DOCTOR), cancelled),
			Error::<Test>::InvalidStatus
		);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));
		assert_noop!(AppointmentsPallet::accept(signed(DOCTOR), id), Error::<Test>::InvalidStatus);
	});
}

// ---------------------------------------------------------------------------------------------
// decline

#[test]
fn decline_works_without_a_note() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		go_to(3);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), id, None));

		let appointment = Appointments::<Test>::get(id).unwrap();
		assert_eq!(appointment.status, AppointmentStatus::Declined);
		assert_eq!(appointment.decline_note, None);
		assert_eq!(appointment.updated_at, 3);
		// The patient's reason stays.
		assert_eq!(appointment.reason, sealed(8));
		assert!(!PendingByDoctor::<Test>::contains_key(DOCTOR));
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), None);
		assert!(!treating(DOCTOR, PATIENT));
		// The history stays in the indexes.
		assert!(PatientAppointments::<Test>::contains_key(PATIENT, id));
		assert!(DoctorAppointments::<Test>::contains_key(DOCTOR, id));
		last_event(Event::Declined { id, doctor: DOCTOR });
	});
}

#[test]
fn decline_works_with_a_note() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		let note = sealed(MAX_REASON_LEN as usize);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), id, Some(note.clone())));
		assert_eq!(Appointments::<Test>::get(id).unwrap().decline_note, Some(note));
		assert_eq!(status(id), AppointmentStatus::Declined);
		last_event(Event::Declined { id, doctor: DOCTOR });
	});
}

#[test]
fn decline_errors() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_noop!(
			AppointmentsPallet::decline(RuntimeOrigin::root(), id, None),
			DispatchError::BadOrigin
		);
		assert_noop!(
			AppointmentsPallet::decline(signed(DOCTOR), 42, None),
			Error::<Test>::NotFound
		);
		for who in [DOCTOR_2, PATIENT, NOBODY] {
			assert_noop!(
				AppointmentsPallet::decline(signed(who), id, None),
				Error::<Test>::NotDoctor
			);
		}
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			AppointmentsPallet::decline(signed(DOCTOR), id, None),
			Error::<Test>::DoctorNotVerified
		);
		TestRegistry::set_verified(DOCTOR, true);

		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		assert_noop!(
			AppointmentsPallet::decline(signed(DOCTOR), id, None),
			Error::<Test>::InvalidStatus
		);
		let declined = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), declined, None));
		assert_noop!(
			AppointmentsPallet::decline(signed(DOCTOR), declined, Some(sealed(1))),
			Error::<Test>::InvalidStatus
		);
	});
}

// ---------------------------------------------------------------------------------------------
// cancel

#[test]
fn patient_cancels_a_request() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		go_to(4);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), id));

		let appointment = Appointments::<Test>::get(id).unwrap();
		assert_eq!(appointment.status, AppointmentStatus::Cancelled { by_patient: true });
		assert_eq!(appointment.updated_at, 4);
		assert!(!PendingByDoctor::<Test>::contains_key(DOCTOR));
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		last_event(Event::Cancelled { id, by: PATIENT });
	});
}

#[test]
fn doctor_cancels_a_request() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::cancel(signed(DOCTOR), id));
		assert_eq!(status(id), AppointmentStatus::Cancelled { by_patient: false });
		assert!(!PendingByDoctor::<Test>::contains_key(DOCTOR));
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		last_event(Event::Cancelled { id, by: DOCTOR });
	});
}

#[test]
fn patient_cancels_an_accepted_appointment() {
	run(|| {
		let id = book_accepted(PATIENT, DOCTOR);
		assert!(treating(DOCTOR, PATIENT));
		go_to(2);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), id));

		assert_eq!(status(id), AppointmentStatus::Cancelled { by_patient: true });
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		assert!(!PendingByDoctor::<Test>::contains_key(DOCTOR));
		// Nothing keeps the doctor treating the patient: the entry is gone.
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), None);
		assert!(!treating(DOCTOR, PATIENT));
		last_event(Event::Cancelled { id, by: PATIENT });
	});
}

#[test]
fn suspended_doctor_can_still_cancel() {
	run(|| {
		let requested = book(PATIENT, DOCTOR);
		let accepted = book_accepted(PATIENT_2, DOCTOR);
		TestRegistry::set_verified(DOCTOR, false);

		assert_ok!(AppointmentsPallet::cancel(signed(DOCTOR), requested));
		assert_eq!(status(requested), AppointmentStatus::Cancelled { by_patient: false });
		assert_ok!(AppointmentsPallet::cancel(signed(DOCTOR), accepted));
		assert_eq!(status(accepted), AppointmentStatus::Cancelled { by_patient: false });
		last_event(Event::Cancelled { id: accepted, by: DOCTOR });
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT_2));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT_2), None);
	});
}

#[test]
fn cancel_errors() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_noop!(
			AppointmentsPallet::cancel(RuntimeOrigin::none(), id),
			DispatchError::BadOrigin
		);
		assert_noop!(AppointmentsPallet::cancel(signed(PATIENT), 42), Error::<Test>::NotFound);
		for who in [PATIENT_2, DOCTOR_2, NOBODY] {
			assert_noop!(
				AppointmentsPallet::cancel(signed(who), id),
				Error::<Test>::NotParticipant
			);
		}

		// Final statuses cannot be cancelled.
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), id));
		assert_noop!(AppointmentsPallet::cancel(signed(PATIENT), id), Error::<Test>::InvalidStatus);
		assert_noop!(AppointmentsPallet::cancel(signed(DOCTOR), id), Error::<Test>::InvalidStatus);

		let declined = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), declined, None));
		assert_noop!(
			AppointmentsPallet::cancel(signed(PATIENT), declined),
			Error::<Test>::InvalidStatus
		);

		let completed = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), completed));
		assert_noop!(
			AppointmentsPallet::cancel(signed(PATIENT), completed),
			Error::<Test>::InvalidStatus
		);
		assert_noop!(
			AppointmentsPallet::cancel(signed(DOCTOR), completed),
			Error::<Test>::InvalidStatus
		);
	});
}

// ---------------------------------------------------------------------------------------------
// complete

#[test]
fn complete_works() {
	run(|| {
		let id = book_accepted(PATIENT, DOCTOR);
		go_to(20);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));

		let appointment = Appointments::<Test>::get(id).unwrap();
		assert_eq!(appointment.status, AppointmentStatus::Completed);
		assert_eq!(appointment.updated_at, 20);
		assert!(!OpenByPatient::<Test>::contains_key(PATIENT));
		assert_eq!(
			Treatment::<Test>::get(DOCTOR, PATIENT),
			Some(care(DOCTOR, PATIENT, 0, 20 + FOLLOW_UP_PERIOD))
		);
		assert!(treating(DOCTOR, PATIENT));
		last_event(Event::Completed { id, doctor: DOCTOR });
	});
}

#[test]
fn complete_errors() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_noop!(
			AppointmentsPallet::complete(RuntimeOrigin::root(), id),
			DispatchError::BadOrigin
		);
		assert_noop!(AppointmentsPallet::complete(signed(DOCTOR), 42), Error::<Test>::NotFound);
		// Only an accepted appointment can be completed.
		assert_noop!(
			AppointmentsPallet::complete(signed(DOCTOR), id),
			Error::<Test>::InvalidStatus
		);

		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		for who in [DOCTOR_2, PATIENT, NOBODY] {
			assert_noop!(AppointmentsPallet::complete(signed(who), id), Error::<Test>::NotDoctor);
		}
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			AppointmentsPallet::complete(signed(DOCTOR), id),
			Error::<Test>::DoctorNotVerified
		);
		TestRegistry::set_verified(DOCTOR, true);

		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));
		assert_noop!(
			AppointmentsPallet::complete(signed(DOCTOR), id),
			Error::<Test>::InvalidStatus
		);

		let cancelled = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), cancelled));
		assert_noop!(
			AppointmentsPallet::complete(signed(DOCTOR), cancelled),
			Error::<Test>::InvalidStatus
		);
		let declined = book(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), declined, None));
		assert_noop!(
			AppointmentsPallet::complete(signed(DOCTOR), declined),
			Error::<Test>::InvalidStatus
		);
	});
}

// ---------------------------------------------------------------------------------------------
// is_treating

#[test]
fn treating_lasts_through_the_follow_up_period() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert!(!treating(DOCTOR, PATIENT));
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		assert!(treating(DOCTOR, PATIENT));
		// Only this pair.
		assert!(!treating(DOCTOR_2, PATIENT));
		assert!(!treating(DOCTOR, PATIENT_2));
		assert!(!treating(PATIENT, DOCTOR));

		go_to(100);
		assert!(treating(DOCTOR, PATIENT));
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));
		assert!(treating(DOCTOR, PATIENT));
		go_to(100 + FOLLOW_UP_PERIOD);
		assert!(treating(DOCTOR, PATIENT));
		assert!(AppointmentsPallet::is_treating(DOCTOR, PATIENT));
		go_to(100 + FOLLOW_UP_PERIOD + 1);
		assert!(!treating(DOCTOR, PATIENT));
		assert!(!AppointmentsPallet::is_treating(DOCTOR, PATIENT));

		// A new accepted appointment starts treatment again.
		book_accepted(PATIENT, DOCTOR);
		assert!(treating(DOCTOR, PATIENT));
	});
}

#[test]
fn treating_ends_when_the_doctor_is_suspended() {
	run(|| {
		let id = book_accepted(PATIENT, DOCTOR);
		TestRegistry::set_verified(DOCTOR, false);
		assert!(!treating(DOCTOR, PATIENT));
		assert!(!AppointmentsPallet::is_treating(DOCTOR, PATIENT));
		TestRegistry::set_verified(DOCTOR, true);
		assert!(treating(DOCTOR, PATIENT));

		// Also during the follow-up window.
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));
		assert!(treating(DOCTOR, PATIENT));
		TestRegistry::set_verified(DOCTOR, false);
		assert!(!treating(DOCTOR, PATIENT));
		TestRegistry::set_verified(DOCTOR, true);
		assert!(treating(DOCTOR, PATIENT));
	});
}

#[test]
fn treating_counts_every_accepted_appointment() {
	run(|| {
		let first = book_accepted(PATIENT, DOCTOR);
		let second = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), first));
		assert!(treating(DOCTOR, PATIENT));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT).unwrap().open, 1);
		assert_ok!(AppointmentsPallet::cancel(signed(DOCTOR), second));
		assert!(!treating(DOCTOR, PATIENT));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), None);
	});
}

#[test]
fn cancelling_keeps_an_earlier_follow_up_window() {
	run(|| {
		let completed = book_accepted(PATIENT, DOCTOR);
		let other = book_accepted(PATIENT, DOCTOR);
		go_to(10);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), completed));
		go_to(12);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), other));
		// Still within the follow-up of the completed one.
		assert_eq!(
			Treatment::<Test>::get(DOCTOR, PATIENT),
			Some(care(DOCTOR, PATIENT, 0, 10 + FOLLOW_UP_PERIOD))
		);
		assert!(treating(DOCTOR, PATIENT));
		go_to(10 + FOLLOW_UP_PERIOD + 1);
		assert!(!treating(DOCTOR, PATIENT));

		// Each completion opens a window from its own block.
		let third = book_accepted(PATIENT, DOCTOR);
		let fourth = book_accepted(PATIENT, DOCTOR);
		go_to(50);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), third));
		assert_eq!(
			Treatment::<Test>::get(DOCTOR, PATIENT),
			Some(care(DOCTOR, PATIENT, 1, 50 + FOLLOW_UP_PERIOD))
		);
		go_to(55);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), fourth));
		assert_eq!(
			Treatment::<Test>::get(DOCTOR, PATIENT),
			Some(care(DOCTOR, PATIENT, 0, 55 + FOLLOW_UP_PERIOD))
		);
		go_to(55 + FOLLOW_UP_PERIOD);
		assert!(treating(DOCTOR, PATIENT));
	});
}

#[test]
fn cancelling_after_the_follow_up_window_drops_the_entry() {
	run(|| {
		let completed = book_accepted(PATIENT, DOCTOR);
		let other = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), completed));
		go_to(1 + FOLLOW_UP_PERIOD + 1);
		// Still treating: one accepted appointment is open.
		assert!(treating(DOCTOR, PATIENT));
		assert_ok!(AppointmentsPallet::cancel(signed(DOCTOR), other));
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), None);
		assert!(!treating(DOCTOR, PATIENT));
	});
}

#[cfg(feature = "runtime-benchmarks")]
#[test]
fn start_treatment_for_benchmarks_works() {
	run(|| {
		let (doctor, patient) = (500, 501);
		<AppointmentsPallet as CareRelationship<u64>>::start_treatment_for_benchmarks(
			&doctor, &patient,
		);
		assert!(treating(doctor, patient));
		assert_eq!(status(0), AppointmentStatus::Accepted);
		// The appointment can be completed like any other.
		assert_ok!(AppointmentsPallet::complete(signed(doctor), 0));
	});
}

// ---------------------------------------------------------------------------------------------
// view functions

#[test]
fn view_functions_work() {
	run(|| {
		let a = book(PATIENT, DOCTOR); // 0: stays requested
		let b = book_accepted(PATIENT, DOCTOR_2); // 1: accepted
		let c = book(PATIENT_2, DOCTOR); // 2: declined
		let d = book_accepted(PATIENT_2, DOCTOR); // 3: accepted, then completed
		let e = book(PATIENT_2, DOCTOR); // 4: stays requested
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), c, None));
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), d));

		assert_eq!(AppointmentsPallet::appointment(a), Appointments::<Test>::get(a));
		assert_eq!(
			AppointmentsPallet::appointment(a).map(|x| x.status),
			Some(AppointmentStatus::Requested)
		);
		assert_eq!(AppointmentsPallet::appointment(99), None);

		assert_eq!(ids(AppointmentsPallet::patient_appointments(PATIENT)), vec![a, b]);
		assert_eq!(ids(AppointmentsPallet::patient_appointments(PATIENT_2)), vec![c, d, e]);
		assert_eq!(ids(AppointmentsPallet::patient_appointments(NOBODY)), Vec::<u64>::new());
		let list = AppointmentsPallet::patient_appointments(PATIENT);
		assert_eq!(list[1].1, Appointments::<Test>::get(b).unwrap());

		assert_eq!(ids(AppointmentsPallet::doctor_appointments(DOCTOR)), vec![a, c, d, e]);
		assert_eq!(ids(AppointmentsPallet::doctor_appointments(DOCTOR_2)), vec![b]);

		assert_eq!(ids(AppointmentsPallet::pending_requests(DOCTOR)), vec![a, e]);
		assert_eq!(ids(AppointmentsPallet::pending_requests(DOCTOR_2)), Vec::<u64>::new());

		// DOCTOR follows PATIENT_2 up (completed); DOCTOR_2 treats PATIENT (accepted).
		assert_eq!(
			AppointmentsPallet::doctor_patients(DOCTOR),
			vec![(PATIENT_2, care(DOCTOR, PATIENT_2, 0, 1 + FOLLOW_UP_PERIOD))]
		);
		assert_eq!(
			AppointmentsPallet::doctor_patients(DOCTOR_2),
			vec![(PATIENT, care(DOCTOR_2, PATIENT, 1, 0))]
		);
		let f = book_accepted(PATIENT, DOCTOR);
		assert_eq!(
			AppointmentsPallet::doctor_patients(DOCTOR)
				.into_iter()
				.map(|(p, _)| p)
				.collect::<Vec<_>>(),
			vec![PATIENT, PATIENT_2]
		);

		assert!(AppointmentsPallet::is_treating(DOCTOR, PATIENT));
		assert!(AppointmentsPallet::is_treating(DOCTOR, PATIENT_2));
		assert!(AppointmentsPallet::is_treating(DOCTOR_2, PATIENT));
		assert!(!AppointmentsPallet::is_treating(DOCTOR_2, PATIENT_2));

		// Once the follow-up window is over, the patient drops out of the list.
		go_to(2 + FOLLOW_UP_PERIOD);
		assert_eq!(
			AppointmentsPallet::doctor_patients(DOCTOR)
				.into_iter()
				.map(|(p, _)| p)
				.collect::<Vec<_>>(),
			vec![PATIENT]
		);
		assert!(!AppointmentsPallet::is_treating(DOCTOR, PATIENT_2));
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), f));
		assert!(AppointmentsPallet::doctor_patients(DOCTOR).is_empty());
	});
}

// ---------------------------------------------------------------------------------------------
// try_state

#[test]
fn try_state_catches_broken_invariants() {
	let broken = |corrupt: fn()| {
		new_test_ext().execute_with(|| {
			let requested = book(PATIENT, DOCTOR);
			let accepted = book_accepted(PATIENT_2, DOCTOR);
			assert_eq!((requested, accepted), (0, 1));
			assert_ok!(AppointmentsPallet::do_try_state());
			corrupt();
			assert!(AppointmentsPallet::do_try_state().is_err());
		})
	};
	broken(|| PatientAppointments::<Test>::remove(PATIENT, 0));
	broken(|| DoctorAppointments::<Test>::remove(DOCTOR, 1));
	broken(|| PatientAppointments::<Test>::insert(PATIENT_2, 0, ()));
	broken(|| DoctorAppointments::<Test>::insert(DOCTOR_2, 7, ()));
	broken(|| NextAppointmentId::<Test>::put(1));
	broken(|| OpenByPatient::<Test>::insert(PATIENT, 2));
	broken(|| OpenByPatient::<Test>::remove(PATIENT_2));
	broken(|| OpenByPatient::<Test>::insert(NOBODY, 0));
	broken(|| PendingByDoctor::<Test>::insert(DOCTOR, 2));
	broken(|| PendingByDoctor::<Test>::insert(DOCTOR_2, 1));
	broken(|| Treatment::<Test>::remove(DOCTOR, PATIENT_2));
	broken(|| Treatment::<Test>::insert(DOCTOR, PATIENT, care(DOCTOR, PATIENT, 1, 0)));
	broken(|| {
		Appointments::<Test>::mutate(0, |a| {
			a.as_mut().unwrap().status = AppointmentStatus::Accepted;
		})
	});
}

/// Finding 8: a request holds the patient's deposit until they clear the closed appointment,
/// and one patient cannot take more than `MaxPendingPerPair` of a doctor's queue.
#[test]
fn appointments_hold_a_deposit_until_cleared_and_pairs_are_bounded() {
	use frame_support::traits::fungible::InspectHold;
	let held = |who| {
		Balances::balance_on_hold(
			&RuntimeHoldReason::AppointmentsPallet(crate::HoldReason::Appointment),
			&who,
		)
	};
	run(|| {
		let first = book(PATIENT, DOCTOR);
		book(PATIENT, DOCTOR);
		assert_eq!(held(PATIENT), 2 * APPOINTMENT_DEPOSIT);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT), DOCTOR, AT, sealed(1)),
			Error::<Test>::TooManyPendingWithDoctor
		);
		// Another patient still gets through.
		book(PATIENT_2, DOCTOR);
		assert_noop!(AppointmentsPallet::clear(signed(PATIENT), first), Error::<Test>::StillOpen);
		assert_ok!(AppointmentsPallet::decline(signed(DOCTOR), first, None));
		assert_noop!(
			AppointmentsPallet::clear(signed(DOCTOR), first),
			Error::<Test>::NotThePatient
		);
		assert_ok!(AppointmentsPallet::clear(signed(PATIENT), first));
		assert!(AppointmentsPallet::appointment(first).is_none());
		assert_eq!(held(PATIENT), APPOINTMENT_DEPOSIT);
		assert_noop!(AppointmentsPallet::clear(signed(PATIENT), first), Error::<Test>::NotFound);
	});
}

/// Finding 3: open appointments keep both sides registered until they are closed.
#[test]
fn open_appointments_keep_both_sides_committed() {
	use medchain_primitives::Commitments;
	let committed = |who| <AppointmentsPallet as Commitments<u64>>::is_committed(&who);
	run(|| {
		let id = book(PATIENT, DOCTOR);
		// Unanswered requests keep the patient, not the doctor (anyone can send them).
		assert!(committed(PATIENT) && !committed(DOCTOR));
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		assert!(committed(PATIENT) && committed(DOCTOR));
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), id));
		assert!(!committed(PATIENT) && !committed(DOCTOR));
	});
}

// ---------------------------------------------------------------------------------------------
// Second hardening round

/// Registers `n` throw-away patient accounts from `first` on, each able to pay its deposits.
fn throwaway_patients(first: u64, n: u64) -> Vec<u64> {
	(first..first + n)
		.inspect(|&who| {
			TestRegistry::set(who, medchain_primitives::Role::Patient, false);
			let _ = <Balances as frame_support::traits::fungible::Mutate<u64>>::set_balance(
				&who, ENDOWMENT,
			);
		})
		.collect()
}

/// Finding 1: 500 throw-away accounts flood a doctor's queue. A patient the doctor treats
/// still books, and every slot the flood took cost a deposit that went to the doctor.
#[test]
fn a_flood_of_new_accounts_cannot_lock_out_a_treated_patient_and_pays_for_every_slot() {
	use frame_support::traits::fungible::Inspect;
	let total = |who: u64| <Balances as Inspect<u64>>::total_balance(&who);
	run(|| {
		// PATIENT is under the doctor's care (a completed visit, within its follow-up).
		let visit = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), visit));
		let doctor_before = Balances::free_balance(DOCTOR);

		let flood = throwaway_patients(1_000, 500);
		let mut taken = Vec::new();
		for attacker in &flood {
			let id = NextAppointmentId::<Test>::get();
			match AppointmentsPallet::request(signed(*attacker), DOCTOR, AT, sealed(8)) {
				Ok(()) => taken.push(id),
				Err(e) => assert_eq!(e, Error::<Test>::TooManyPending.into()),
			}
		}
		// The queue of new patients is full...
		assert_eq!(taken.len() as u32, MAX_PENDING_PER_DOCTOR);
		assert_noop!(
			AppointmentsPallet::request(signed(PATIENT_2), DOCTOR, AT, sealed(8)),
			Error::<Test>::TooManyPending
		);
		// ...but the treated patient has a lane of their own.
		let booked = book(PATIENT, DOCTOR);
		assert!(Appointments::<Test>::get(booked).unwrap().known_patient);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), MAX_PENDING_PER_DOCTOR);
		// A treated patient's request cannot be reported as spam.
		assert_noop!(
			AppointmentsPallet::report_spam(signed(DOCTOR), booked),
			Error::<Test>::KnownPatient
		);

		// The doctor reports every flooded slot; each cost its sender the deposit.
		for id in &taken {
			let sender = Appointments::<Test>::get(id).unwrap().patient;
			assert_ok!(AppointmentsPallet::report_spam(signed(DOCTOR), *id));
			last_event(Event::ReportedSpam {
				id: *id,
				doctor: DOCTOR,
				forfeited: APPOINTMENT_DEPOSIT,
			});
			assert_eq!(status(*id), AppointmentStatus::DeclinedAsSpam);
			assert_eq!(total(sender), ENDOWMENT - APPOINTMENT_DEPOSIT);
			// Nothing is left to release when the sender clears it.
			assert_ok!(AppointmentsPallet::clear(signed(sender), *id));
			assert_eq!(total(sender), ENDOWMENT - APPOINTMENT_DEPOSIT);
		}
		assert_eq!(
			Balances::free_balance(DOCTOR),
			doctor_before + APPOINTMENT_DEPOSIT * taken.len() as u64
		);
		assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 0);
		// The queue is open to genuine new patients again.
		book(PATIENT_2, DOCTOR);
	});
}

/// Finding 1: unanswered requests no longer keep a doctor from leaving; their patients can
/// still cancel and clear them.
#[test]
fn unanswered_requests_do_not_keep_a_doctor() {
	use medchain_primitives::Commitments;
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert!(!<AppointmentsPallet as Commitments<u64>>::is_committed(&DOCTOR));
		TestRegistry::remove(DOCTOR);
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), id));
		assert_ok!(AppointmentsPallet::clear(signed(PATIENT), id));
		assert_eq!(
			<Balances as frame_support::traits::fungible::Inspect<u64>>::total_balance(&PATIENT),
			ENDOWMENT
		);
	});
}

/// Spam reports are for the doctor of a new patient's unanswered request only.
#[test]
fn report_spam_errors() {
	run(|| {
		let id = book(PATIENT, DOCTOR);
		assert_noop!(AppointmentsPallet::report_spam(signed(DOCTOR), 99), Error::<Test>::NotFound);
		assert_noop!(
			AppointmentsPallet::report_spam(signed(DOCTOR_2), id),
			Error::<Test>::NotDoctor
		);
		assert_ok!(AppointmentsPallet::accept(signed(DOCTOR), id));
		assert_noop!(
			AppointmentsPallet::report_spam(signed(DOCTOR), id),
			Error::<Test>::InvalidStatus
		);
		let other = book(PATIENT_2, DOCTOR);
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			AppointmentsPallet::report_spam(signed(DOCTOR), other),
			Error::<Test>::DoctorNotVerified
		);
	});
}

/// Finding 4: a doctor who leaves and registers again no longer treats the patients of their
/// earlier registration, follow-up window or not; the same when the patient leaves.
#[test]
fn leaving_ends_the_follow_up_window_on_both_sides() {
	run(|| {
		let first = book_accepted(PATIENT, DOCTOR);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), first));
		let second = book_accepted(PATIENT_2, DOCTOR);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR), second));
		assert!(treating(DOCTOR, PATIENT) && treating(DOCTOR, PATIENT_2));

		// The doctor leaves and comes back, verified again, within the follow-up window.
		TestRegistry::remove(DOCTOR);
		TestRegistry::set(DOCTOR, medchain_primitives::Role::Doctor, true);
		assert!(!treating(DOCTOR, PATIENT) && !treating(DOCTOR, PATIENT_2));
		assert_eq!(AppointmentsPallet::doctor_patients(DOCTOR), vec![]);

		// A patient who leaves and comes back is no longer followed up either.
		let third = book_accepted(PATIENT, DOCTOR_2);
		assert_ok!(AppointmentsPallet::complete(signed(DOCTOR_2), third));
		assert!(treating(DOCTOR_2, PATIENT));
		TestRegistry::remove(PATIENT);
		TestRegistry::set(PATIENT, medchain_primitives::Role::Patient, false);
		assert!(!treating(DOCTOR_2, PATIENT));

		// A new accepted appointment starts a new relationship, without the old window.
		go_to(3);
		let fourth = book_accepted(PATIENT, DOCTOR);
		assert_eq!(Treatment::<Test>::get(DOCTOR, PATIENT), Some(care(DOCTOR, PATIENT, 1, 0)));
		assert_ok!(AppointmentsPallet::cancel(signed(PATIENT), fourth));
		assert!(!treating(DOCTOR, PATIENT));
	});
}

/// Accepting an appointment, which lets the doctor write records, is on the patient's trail.
#[test]
fn accepting_is_written_to_the_patients_audit_trail() {
	use medchain_primitives::AuditAction;
	run(|| {
		let id = book_accepted(PATIENT, DOCTOR);
		assert_eq!(
			audit(),
			vec![(PATIENT, DOCTOR, AuditAction::AppointmentAccepted { appointment: id })]
		);
	});
}
