//! Tests of every call's success and error paths.

use crate::{
	mock::*, pallet::Licence, types::benchmark_cid, weights::WeightInfo, Call, Dispensing,
	Envelopes, Error, Event, NewRecord, NextRecordId, Records,
};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, BoundedVec};
use medchain_primitives::{
	AccessControl, AuditAction, RecordId, RecordIndex, RecordKind, Role, Scope,
};

const PATIENT_ENV: [u8; 80] = [7; 80];
const AUTHOR_ENV: [u8; 80] = [8; 80];

fn title() -> BoundedVec<u8, MaxTitleLen> {
	BoundedVec::truncate_from(b"sealed title".to_vec())
}

fn add(
	author: AccountId,
	patient: AccountId,
	kind: RecordKind,
	quantity: Option<u32>,
	supersedes: Option<RecordId>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	MedicalRecords::add_record(
		RuntimeOrigin::signed(author),
		patient,
		kind,
		benchmark_cid(),
		1024,
		title(),
		quantity,
		PATIENT_ENV,
		AUTHOR_ENV,
		supersedes,
		None,
	)
}

/// DOCTOR treats PATIENT and writes a report (id 0) and a prescription of 10 (id 1).
fn with_report_and_prescription() {
	start_care(DOCTOR, PATIENT);
	assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
	assert_ok!(add(DOCTOR, PATIENT, RecordKind::Prescription, Some(10), None));
}

#[test]
fn treating_doctor_adds_a_report() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
		let record = MedicalRecords::record(0).unwrap();
		assert_eq!(
			(record.patient, record.author, record.kind),
			(PATIENT, DOCTOR, RecordKind::Report)
		);
		assert_eq!(record.size, 1024);
		assert_eq!(MedicalRecords::envelope(0, PATIENT), Some(PATIENT_ENV));
		assert_eq!(MedicalRecords::envelope(0, DOCTOR), Some(AUTHOR_ENV));
		assert_eq!(MedicalRecords::patient_records(PATIENT), vec![0]);
		assert_eq!(MedicalRecords::dispensing(0), None);
		assert_eq!(NextRecordId::<Test>::get(), 1);
		System::assert_has_event(
			Event::RecordAdded {
				record: 0,
				patient: PATIENT,
				author: DOCTOR,
				kind: RecordKind::Report,
			}
			.into(),
		);
		assert_eq!(audit(), vec![(PATIENT, DOCTOR, AuditAction::RecordCreated { record: 0 })]);
	});
}

#[test]
fn write_grant_replaces_an_appointment() {
	run(|| {
		assert_noop!(
			add(OTHER_DOCTOR, PATIENT, RecordKind::Report, None, None),
			Error::<Test>::NoCareRelationship
		);
		add_grant(PATIENT, OTHER_DOCTOR, Scope::Write, None);
		assert_ok!(add(OTHER_DOCTOR, PATIENT, RecordKind::Report, None, None));
	});
}

#[test]
fn only_verified_doctors_add_records() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		TestRegistry::set(DOCTOR, Role::Doctor, false);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Report, None, None),
			Error::<Test>::NotVerifiedDoctor
		);
		for who in [PATIENT, PHARMACY, HOSPITAL, STRANGER] {
			assert_noop!(
				add(who, PATIENT, RecordKind::Report, None, None),
				Error::<Test>::NotVerifiedDoctor
			);
		}
	});
}

#[test]
fn records_are_only_for_patients() {
	run(|| {
		start_care(DOCTOR, OTHER_DOCTOR);
		assert_noop!(
			add(DOCTOR, OTHER_DOCTOR, RecordKind::Report, None, None),
			Error::<Test>::NotAPatient
		);
		assert_noop!(
			add(DOCTOR, STRANGER, RecordKind::Report, None, None),
			Error::<Test>::NotAPatient
		);
		assert_noop!(
			add(DOCTOR, DOCTOR, RecordKind::Report, None, None),
			Error::<Test>::NotAPatient
		);
	});
}

#[test]
fn bad_cids_and_empty_files_are_refused() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		let call = |cid: Vec<u8>, size: u64| {
			MedicalRecords::add_record(
				RuntimeOrigin::signed(DOCTOR),
				PATIENT,
				RecordKind::Report,
				BoundedVec::truncate_from(cid),
				size,
				title(),
				None,
				PATIENT_ENV,
				AUTHOR_ENV,
				None,
				None,
			)
		};
		assert_noop!(call(b"QmNotBinary".to_vec(), 1), Error::<Test>::InvalidCid);
		let mut sha1 = benchmark_cid().to_vec();
		sha1[2] = 0x11; // sha1 is not accepted
		sha1[3] = 20;
		sha1.truncate(4 + 20);
		assert_noop!(call(sha1, 1), Error::<Test>::InvalidCid);
		assert_noop!(call(benchmark_cid().to_vec(), 0), Error::<Test>::EmptyFile);
	});
}

#[test]
fn quantity_goes_with_prescriptions_only() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Prescription, None, None),
			Error::<Test>::MissingQuantity
		);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Prescription, Some(0), None),
			Error::<Test>::MissingQuantity
		);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Report, Some(3), None),
			Error::<Test>::UnexpectedQuantity
		);
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Prescription, Some(3), None));
		assert_eq!(MedicalRecords::dispensing(0), Some(Dispensing { prescribed: 3, dispensed: 0 }));
	});
}

#[test]
fn corrections_supersede_and_link_both_ways() {
	run(|| {
		with_report_and_prescription();
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, Some(0)));
		assert_eq!(MedicalRecords::record(0).unwrap().superseded_by, Some(2));
		assert_eq!(MedicalRecords::record(2).unwrap().supersedes, Some(0));
		System::assert_has_event(Event::RecordSuperseded { old: 0, new: 2 }.into());
		// The old record stays: nothing is deleted.
		assert_eq!(MedicalRecords::patient_records(PATIENT), vec![0, 1, 2]);

		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Report, None, Some(0)),
			Error::<Test>::AlreadySuperseded
		);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Report, None, Some(1)),
			Error::<Test>::KindMismatch
		);
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Report, None, Some(99)),
			Error::<Test>::UnknownRecord
		);
		start_care(DOCTOR, OTHER_PATIENT);
		assert_noop!(
			add(DOCTOR, OTHER_PATIENT, RecordKind::Report, None, Some(2)),
			Error::<Test>::WrongPatient
		);
	});
}

#[test]
fn record_ids_do_not_wrap() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		NextRecordId::<Test>::put(u64::MAX);
		assert_noop!(add(DOCTOR, PATIENT, RecordKind::Report, None, None), Error::<Test>::Overflow);
	});
}

#[test]
fn patient_and_verified_author_read_without_a_grant() {
	run(|| {
		with_report_and_prescription();
		assert_ok!(MedicalRecords::record_read(RuntimeOrigin::signed(PATIENT), 0, None));
		System::assert_last_event(
			Event::RecordRead { record: 0, reader: PATIENT, grant: None }.into(),
		);
		assert_ok!(MedicalRecords::record_read(RuntimeOrigin::signed(DOCTOR), 0, None));
		assert!(MedicalRecords::can_read(DOCTOR, 0));

		// An author who lost verification reads no more.
		TestRegistry::set(DOCTOR, Role::Doctor, false);
		assert!(!MedicalRecords::can_read(DOCTOR, 0));
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(DOCTOR), 0, None),
			Error::<Test>::NoAccess
		);
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(PATIENT), 7, None),
			Error::<Test>::UnknownRecord
		);
	});
}

#[test]
fn grantees_read_with_a_grant_and_an_envelope() {
	run(|| {
		with_report_and_prescription();
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 0, None),
			Error::<Test>::NoAccess
		);

		let grant = add_grant(PATIENT, OTHER_DOCTOR, Scope::Reports, None);
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 0, None),
			Error::<Test>::NoEnvelope
		);
		assert!(!MedicalRecords::can_read(OTHER_DOCTOR, 0));

		assert_ok!(<MedicalRecords as RecordIndex<_>>::add_envelope(0, &OTHER_DOCTOR, [5; 80]));
		assert!(MedicalRecords::can_read(OTHER_DOCTOR, 0));
		assert_ok!(MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 0, None));
		System::assert_last_event(
			Event::RecordRead { record: 0, reader: OTHER_DOCTOR, grant: Some(grant) }.into(),
		);
		assert_eq!(
			audit().last().cloned(),
			Some((
				PATIENT,
				OTHER_DOCTOR,
				AuditAction::RecordRead { record: 0, grant: Some(grant) }
			))
		);
		// A reports grant does not cover prescriptions.
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 1, None),
			Error::<Test>::NoAccess
		);
	});
}

#[test]
fn one_time_grant_reads_once() {
	run(|| {
		with_report_and_prescription();
		add_grant(
			PATIENT,
			OTHER_DOCTOR,
			Scope::Records(BoundedVec::truncate_from(vec![0])),
			Some(1),
		);
		assert_ok!(<MedicalRecords as RecordIndex<_>>::add_envelope(0, &OTHER_DOCTOR, [5; 80]));
		assert_ok!(MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 0, None));
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::signed(OTHER_DOCTOR), 0, None),
			Error::<Test>::NoAccess
		);
	});
}

#[test]
fn pharmacy_dispenses_in_parts_never_past_the_prescription() {
	run(|| {
		with_report_and_prescription();
		add_grant(PATIENT, PHARMACY, Scope::Prescriptions, None);
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 4, None));
		System::assert_last_event(
			Event::Dispensed { record: 1, pharmacy: PHARMACY, quantity: 4, remaining: 6 }.into(),
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 7, None),
			Error::<Test>::ExceedsPrescribed
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 0, None),
			Error::<Test>::ZeroQuantity
		);
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 6, None));
		assert_eq!(
			MedicalRecords::dispensing(1),
			Some(Dispensing { prescribed: 10, dispensed: 10 })
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 1, None),
			Error::<Test>::FullyDispensed
		);
		assert_eq!(
			audit().last().cloned(),
			Some((PATIENT, PHARMACY, AuditAction::Dispensed { record: 1, quantity: 6 }))
		);
	});
}

#[test]
fn one_time_dispense_grant_dispenses_once() {
	run(|| {
		with_report_and_prescription();
		add_grant(PATIENT, PHARMACY, Scope::Prescriptions, Some(1));
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 5, None));
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 5, None),
			Error::<Test>::NoAccess
		);
	});
}

#[test]
fn dispense_errors() {
	run(|| {
		with_report_and_prescription();
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 1, None),
			Error::<Test>::NoAccess
		);
		add_grant(PATIENT, PHARMACY, Scope::Prescriptions, None);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 0, 1, None),
			Error::<Test>::NotAPrescription
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 9, 1, None),
			Error::<Test>::UnknownRecord
		);
		for who in [HOSPITAL, DOCTOR, PATIENT] {
			assert_noop!(
				MedicalRecords::dispense(RuntimeOrigin::signed(who), 1, 1, None),
				Error::<Test>::NotVerifiedPharmacy
			);
		}
		TestRegistry::set(PHARMACY, Role::Pharmacy, false);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 1, None),
			Error::<Test>::NotVerifiedPharmacy
		);
		TestRegistry::set(PHARMACY, Role::Pharmacy, true);

		// A corrected prescription is dispensed through its latest version.
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Prescription, Some(5), Some(1)));
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 1, None),
			Error::<Test>::Superseded
		);
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 2, 5, None));
	});
}

/// Finding 6: only the author corrects a record, and a corrected prescription keeps what was
/// dispensed.
#[test]
fn only_the_author_corrects_and_dispensing_carries_over() {
	run(|| {
		with_report_and_prescription();
		start_care(OTHER_DOCTOR, PATIENT);
		assert_noop!(
			add(OTHER_DOCTOR, PATIENT, RecordKind::Prescription, Some(30), Some(1)),
			Error::<Test>::NotAuthor
		);
		add_grant(PATIENT, PHARMACY, Scope::Prescriptions, None);
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 10, None));
		assert_noop!(
			add(DOCTOR, PATIENT, RecordKind::Prescription, Some(9), Some(1)),
			Error::<Test>::BelowDispensed
		);
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Prescription, Some(12), Some(1)));
		assert_eq!(
			MedicalRecords::dispensing(2),
			Some(Dispensing { prescribed: 12, dispensed: 10 })
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 2, 3, None),
			Error::<Test>::ExceedsPrescribed
		);
		assert_ok!(MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 2, 2, None));
	});
}

/// Finding 7: a one-time write grant writes one record.
#[test]
fn write_grants_are_consumed_per_record() {
	run(|| {
		add_grant(PATIENT, OTHER_DOCTOR, Scope::Write, Some(1));
		assert_ok!(add(OTHER_DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_noop!(
			add(OTHER_DOCTOR, PATIENT, RecordKind::Report, None, None),
			Error::<Test>::NoCareRelationship
		);
		// A treating doctor uses no grant.
		start_care(DOCTOR, PATIENT);
		add_grant(PATIENT, DOCTOR, Scope::Write, Some(1));
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
	});
}

#[test]
fn envelopes_are_shared_between_holders() {
	run(|| {
		with_report_and_prescription();
		type Index = MedicalRecords;
		assert_ok!(<Index as RecordIndex<_>>::add_envelope(0, &OTHER_DOCTOR, [5; 80]));
		assert_ok!(<Index as RecordIndex<_>>::add_envelope(0, &OTHER_DOCTOR, [6; 80]));
		assert_eq!(Envelopes::<Test>::get(0, OTHER_DOCTOR).unwrap().holders, 2);
		assert_eq!(MedicalRecords::envelope(0, OTHER_DOCTOR), Some([6; 80]));
		<Index as RecordIndex<_>>::remove_envelope(0, &OTHER_DOCTOR);
		assert!(<Index as RecordIndex<_>>::has_envelope(0, &OTHER_DOCTOR));
		<Index as RecordIndex<_>>::remove_envelope(0, &OTHER_DOCTOR);
		assert!(!<Index as RecordIndex<_>>::has_envelope(0, &OTHER_DOCTOR));
		// Removing what is not there is harmless.
		<Index as RecordIndex<_>>::remove_envelope(0, &OTHER_DOCTOR);

		// A grant ending never takes the patient's or author's key: they hold it too.
		assert_ok!(<Index as RecordIndex<_>>::add_envelope(0, &PATIENT, PATIENT_ENV));
		<Index as RecordIndex<_>>::remove_envelope(0, &PATIENT);
		assert_eq!(MedicalRecords::envelope(0, PATIENT), Some(PATIENT_ENV));

		assert_noop!(
			<Index as RecordIndex<_>>::add_envelope(42, &OTHER_DOCTOR, [5; 80]),
			Error::<Test>::UnknownRecord
		);
		assert_eq!(<Index as RecordIndex<_>>::record(1), Some((PATIENT, RecordKind::Prescription)));
		assert_eq!(<Index as RecordIndex<_>>::record(42), None);
	});
}

#[test]
fn unsigned_calls_are_refused() {
	run(|| {
		with_report_and_prescription();
		assert_noop!(
			MedicalRecords::record_read(RuntimeOrigin::none(), 0, None),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			MedicalRecords::dispense(RuntimeOrigin::root(), 1, 1, None),
			sp_runtime::DispatchError::BadOrigin
		);
		assert!(MedicalRecords::record(5).is_none());
		assert_eq!(MedicalRecords::patient_records(OTHER_PATIENT), Vec::<RecordId>::new());
		let _ = Records::<Test>::iter().count();
	});
}

/// Reads of records 0 and 1 by OTHER_DOCTOR under one grant over both, with `uses` uses.
fn grant_both_to_other_doctor(uses: Option<u32>) -> u64 {
	let grant = add_grant(
		PATIENT,
		OTHER_DOCTOR,
		Scope::Records(BoundedVec::truncate_from(vec![0, 1])),
		uses,
	);
	for record in [0, 1] {
		assert_ok!(<MedicalRecords as RecordIndex<_>>::add_envelope(
			record,
			&OTHER_DOCTOR,
			[5; 80]
		));
	}
	grant
}

fn batch(ids: &[RecordId]) -> BoundedVec<RecordId, MaxReadBatch> {
	BoundedVec::truncate_from(ids.to_vec())
}

#[test]
fn a_batch_of_reads_records_each_read_in_order() {
	run(|| {
		with_report_and_prescription();
		let grant = grant_both_to_other_doctor(Some(3));
		let post =
			MedicalRecords::record_reads(RuntimeOrigin::signed(OTHER_DOCTOR), batch(&[1, 0]), None)
				.unwrap();
		let read = |record| AuditAction::RecordRead { record, grant: Some(grant) };
		assert_eq!(
			audit()[2..],
			[(PATIENT, OTHER_DOCTOR, read(1)), (PATIENT, OTHER_DOCTOR, read(0))]
		);
		for record in [1, 0] {
			System::assert_has_event(
				Event::RecordRead { record, reader: OTHER_DOCTOR, grant: Some(grant) }.into(),
			);
		}
		assert_eq!(GRANTS.with(|g| g.borrow()[&grant].uses_left), Some(1));
		// No grant ended: only the batch itself is charged, for the one grant it read, less
		// than the lookup among the most grants it was charged for up front.
		let declared = Call::<Test>::record_reads { records: batch(&[1, 0]), release: None }
			.get_dispatch_info()
			.call_weight;
		let full = <() as WeightInfo>::record_reads(2, MAX_GRANTS_PER_PAIR);
		assert!(declared.all_gte(full));
		assert!(<() as WeightInfo>::record_reads(2, 1).ref_time() < full.ref_time());
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::record_reads(2, 1)));
		// The third read is the grant's last use: its end is charged on top.
		let post =
			MedicalRecords::record_reads(RuntimeOrigin::signed(OTHER_DOCTOR), batch(&[0]), None)
				.unwrap();
		let ended = TestAccess::end_weight(ENDED_ENVELOPES);
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::record_reads(1, 1) + ended));
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::signed(OTHER_DOCTOR), batch(&[1]), None),
			Error::<Test>::NoAccess
		);
	});
}

/// A grant used up by one read of a batch is not looked up by the next: that read finds
/// another grant, or none.
#[test]
fn a_batch_reads_on_under_another_grant_once_one_is_used_up() {
	run(|| {
		with_report_and_prescription();
		let once = grant_both_to_other_doctor(Some(1));
		let unlimited = grant_both_to_other_doctor(None);
		assert_ok!(MedicalRecords::record_reads(
			RuntimeOrigin::signed(OTHER_DOCTOR),
			batch(&[1, 0]),
			None
		));
		assert_eq!(
			audit()[2..],
			[
				(PATIENT, OTHER_DOCTOR, AuditAction::RecordRead { record: 1, grant: Some(once) }),
				(
					PATIENT,
					OTHER_DOCTOR,
					AuditAction::RecordRead { record: 0, grant: Some(unlimited) }
				),
			]
		);
		assert!(GRANTS.with(|g| !g.borrow().contains_key(&once)));

		// With no other grant, the read after the last use is refused, and the batch with it.
		grant_both_to_other_doctor(Some(2));
		GRANTS.with(|g| g.borrow_mut().remove(&unlimited));
		assert_noop!(
			MedicalRecords::record_reads(
				RuntimeOrigin::signed(OTHER_DOCTOR),
				batch(&[0, 1, 0]),
				None
			),
			Error::<Test>::NoAccess
		);
	});
}

#[test]
fn a_batch_is_refused_whole() {
	run(|| {
		with_report_and_prescription();
		start_care(DOCTOR, OTHER_PATIENT);
		assert_ok!(add(DOCTOR, OTHER_PATIENT, RecordKind::Report, None, None));
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::signed(PATIENT), batch(&[]), None),
			Error::<Test>::EmptyBatch
		);
		// The doctor may read all three, but not of two patients in one batch.
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::signed(DOCTOR), batch(&[0, 2]), None),
			Error::<Test>::MixedPatients
		);
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::signed(PATIENT), batch(&[0, 7]), None),
			Error::<Test>::UnknownRecord
		);
		// A grant over record 0 only: the read of record 1 refuses the whole batch, so the
		// read of record 0 before it is not recorded either.
		add_grant(PATIENT, HOSPITAL, Scope::Records(BoundedVec::truncate_from(vec![0])), None);
		assert_ok!(<MedicalRecords as RecordIndex<_>>::add_envelope(0, &HOSPITAL, [5; 80]));
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::signed(HOSPITAL), batch(&[0, 1]), None),
			Error::<Test>::NoAccess
		);
		assert_noop!(
			MedicalRecords::record_reads(RuntimeOrigin::none(), batch(&[0]), None),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_end_of_a_grant_is_charged_only_when_one_ends() {
	run(|| {
		with_report_and_prescription();
		// Charged up front: the call with a lookup of the most grants, plus the end of the
		// largest grant; refunded to the grants the lookup read (the stand-in's one) and to
		// the end of the grant that ended, if any.
		let declared =
			Call::<Test>::record_read { record: 0, release: None }.get_dispatch_info().call_weight;
		assert_eq!(
			declared,
			<() as WeightInfo>::record_read(MAX_GRANTS_PER_PAIR)
				+ TestAccess::end_weight(MAX_ENVELOPES)
		);
		let one = <() as WeightInfo>::record_read(1);
		let read = |who| MedicalRecords::record_read(RuntimeOrigin::signed(who), 0, None).unwrap();
		// The patient's own read uses no grant.
		assert_eq!(read(PATIENT).actual_weight, Some(one));
		grant_both_to_other_doctor(Some(2));
		assert_eq!(read(OTHER_DOCTOR).actual_weight, Some(one));
		assert_eq!(
			read(OTHER_DOCTOR).actual_weight,
			Some(one + TestAccess::end_weight(ENDED_ENVELOPES))
		);

		add_grant(PATIENT, PHARMACY, Scope::Prescriptions, Some(1));
		let declared = Call::<Test>::dispense { record: 1, quantity: 1, release: None }
			.get_dispatch_info()
			.call_weight;
		assert_eq!(
			declared,
			<() as WeightInfo>::dispense(MAX_GRANTS_PER_PAIR)
				+ TestAccess::end_weight(MAX_ENVELOPES)
		);
		let post = MedicalRecords::dispense(RuntimeOrigin::signed(PHARMACY), 1, 1, None).unwrap();
		let ended = TestAccess::end_weight(ENDED_ENVELOPES);
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::dispense(1) + ended));

		let title_len = title().len() as u32;
		// A plain report costs what the `add_report` benchmark measured for its licence, a
		// prescription or a correction the worst case.
		let own = MedicalRecords::record_weight(title_len, true, &Licence::Treating);
		assert_eq!(own, <() as WeightInfo>::add_report(title_len, 0));
		let granted = MedicalRecords::record_weight(title_len, true, &Licence::Grant(None));
		assert_eq!(granted, <() as WeightInfo>::add_report(title_len, 1));
		assert!(own.ref_time() < granted.ref_time(), "treating looks for no grant");
		// A treating doctor consumes no grant.
		assert_eq!(
			add(DOCTOR, PATIENT, RecordKind::Report, None, None).unwrap().actual_weight,
			Some(own)
		);
		assert_eq!(
			add(DOCTOR, PATIENT, RecordKind::Prescription, Some(1), None).unwrap().actual_weight,
			Some(<() as WeightInfo>::add_record(title_len))
		);
		add_grant(PATIENT, OTHER_DOCTOR, Scope::Write, Some(1));
		let post = add(OTHER_DOCTOR, PATIENT, RecordKind::Report, None, None).unwrap();
		assert_eq!(post.actual_weight, Some(granted + ended));
		assert!(ended.ref_time() > 0, "the stand-in charges ending a grant");
	});
}

fn held_for_records(who: AccountId) -> u64 {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::MedicalRecords(crate::HoldReason::Record), &who)
}

fn new_record(
	kind: RecordKind,
	quantity: Option<u32>,
	supersedes: Option<RecordId>,
) -> NewRecord<MaxTitleLen> {
	NewRecord {
		kind,
		cid: benchmark_cid(),
		size: 2048,
		title: title(),
		quantity,
		patient_envelope: PATIENT_ENV,
		author_envelope: AUTHOR_ENV,
		supersedes,
		lock: None,
	}
}

fn add_batch(
	author: AccountId,
	records: Vec<NewRecord<MaxTitleLen>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	MedicalRecords::add_records(
		RuntimeOrigin::signed(author),
		PATIENT,
		BoundedVec::truncate_from(records),
	)
}

/// Finding 3 of the second review: records are permanent, so each costs its author
/// `RecordDeposit`, held for good; a doctor who cannot pay writes nothing, and what was stored
/// stays.
#[test]
fn every_record_is_paid_for_by_its_author() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		start_care(POOR_DOCTOR, PATIENT);
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_eq!(held_for_records(DOCTOR), RECORD_DEPOSIT);
		assert_eq!(MedicalRecords::record(0).unwrap().deposit, RECORD_DEPOSIT);
		assert_eq!(held_for_records(PATIENT), 0);

		assert_ok!(add(POOR_DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_ok!(add(POOR_DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_noop!(
			add(POOR_DOCTOR, PATIENT, RecordKind::Report, None, None),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(held_for_records(POOR_DOCTOR), 2 * RECORD_DEPOSIT);
		assert_eq!(MedicalRecords::patient_records(PATIENT), vec![0, 1, 2]);
	});
}

/// The invariants catch a deposit that is not held.
#[test]
fn try_state_catches_an_unpaid_record() {
	new_test_ext().execute_with(|| {
		start_care(DOCTOR, PATIENT);
		assert_ok!(add(DOCTOR, PATIENT, RecordKind::Report, None, None));
		assert_ok!(MedicalRecords::do_try_state());
		Records::<Test>::mutate(0, |r| r.as_mut().unwrap().deposit = 0);
		assert!(MedicalRecords::do_try_state().is_err());
	});
}

/// A visit's documents in one extrinsic: each stored, enveloped, paid for and audited as
/// `add_record` does, in order; a record may correct one earlier in the batch.
#[test]
fn a_batch_stores_each_record_as_add_record_does() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		let post = add_batch(
			DOCTOR,
			vec![
				new_record(RecordKind::Report, None, None),
				new_record(RecordKind::Prescription, Some(3), None),
				new_record(RecordKind::Report, None, Some(0)),
			],
		)
		.unwrap();
		// One plain report; a prescription and a correction cost the worst case.
		let treating = MedicalRecords::batch_weight(3, 1, &Licence::Treating);
		assert_eq!(post.actual_weight, Some(treating));
		let (worst, reports) =
			(<() as WeightInfo>::add_records(3), <() as WeightInfo>::add_reports(3, 0));
		let expected = reports.min(worst)
			+ (worst - reports.min(worst)).saturating_mul(2).checked_div(3).unwrap();
		assert_eq!(treating, expected);
		assert_eq!(MedicalRecords::patient_records(PATIENT), vec![0, 1, 2]);
		assert_eq!(MedicalRecords::record(0).unwrap().superseded_by, Some(2));
		assert_eq!(MedicalRecords::dispensing(1), Some(Dispensing { prescribed: 3, dispensed: 0 }));
		assert_eq!(MedicalRecords::envelope(2, PATIENT), Some(PATIENT_ENV));
		assert_eq!(MedicalRecords::envelope(1, DOCTOR), Some(AUTHOR_ENV));
		assert_eq!(held_for_records(DOCTOR), 3 * RECORD_DEPOSIT);
		let created: Vec<_> = audit()
			.into_iter()
			.filter_map(|(patient, actor, action)| match action {
				AuditAction::RecordCreated { record } => Some((patient, actor, record)),
				_ => None,
			})
			.collect();
		assert_eq!(created, vec![(PATIENT, DOCTOR, 0), (PATIENT, DOCTOR, 1), (PATIENT, DOCTOR, 2)]);
		System::assert_has_event(Event::RecordSuperseded { old: 0, new: 2 }.into());
	});
}

/// A batch is all or nothing: one refused record stores none, holds nothing and audits
/// nothing; an empty batch and a batch from someone who may not write are refused.
#[test]
fn a_batch_is_all_or_nothing() {
	run(|| {
		start_care(DOCTOR, PATIENT);
		start_care(POOR_DOCTOR, PATIENT);
		assert_noop!(add_batch(DOCTOR, vec![]), Error::<Test>::EmptyBatch);
		assert_noop!(
			add_batch(
				DOCTOR,
				vec![
					new_record(RecordKind::Report, None, None),
					new_record(RecordKind::Prescription, None, None),
				]
			),
			Error::<Test>::MissingQuantity
		);
		// Three records, money for two.
		let three = vec![new_record(RecordKind::Report, None, None); 3];
		assert_noop!(add_batch(POOR_DOCTOR, three), Error::<Test>::InsufficientBalance);
		assert_noop!(
			add_batch(OTHER_DOCTOR, vec![new_record(RecordKind::Report, None, None)]),
			Error::<Test>::NoCareRelationship
		);
		assert_noop!(
			add_batch(PHARMACY, vec![new_record(RecordKind::Report, None, None)]),
			Error::<Test>::NotVerifiedDoctor
		);
		// (assert_noop checked that storage, the audit trail's in the runtime, is untouched.)
		assert!(MedicalRecords::patient_records(PATIENT).is_empty());
	});
}

/// Under a write grant, each record of a batch consumes one use: a grant with two uses writes
/// two records, and its end is charged once.
#[test]
fn a_batch_under_a_write_grant_uses_one_use_per_record() {
	run(|| {
		add_grant(PATIENT, OTHER_DOCTOR, Scope::Write, Some(2));
		assert_noop!(
			add_batch(OTHER_DOCTOR, vec![new_record(RecordKind::Report, None, None); 3]),
			Error::<Test>::NoCareRelationship
		);
		// (The stand-in's grants are not storage: the refused batch used that one up.)
		add_grant(PATIENT, OTHER_DOCTOR, Scope::Write, Some(2));
		let post =
			add_batch(OTHER_DOCTOR, vec![new_record(RecordKind::Report, None, None); 2]).unwrap();
		let ended = TestAccess::end_weight(ENDED_ENVELOPES);
		let granted = MedicalRecords::batch_weight(2, 2, &Licence::Grant(None));
		assert_eq!(post.actual_weight, Some(granted + ended));
		assert_eq!(granted, <() as WeightInfo>::add_reports(2, 1));
		assert_eq!(MedicalRecords::patient_records(PATIENT), vec![0, 1]);
		assert!(TestAccess::write_grant(&OTHER_DOCTOR, &PATIENT).is_none());
	});
}
