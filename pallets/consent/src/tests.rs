//! Tests of every call's success and error paths, the access checks and the cleanup.

use crate::{
	mock::*, AuditCursors, DenialReasons, EmergencyJustifications, EndReason, Error, Event,
	Expiries, GrantCount, Grants, PendingCount, RequestStatus,
};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use medchain_primitives::{
	AccessControl, AuditAction, Envelope, GrantId, RecordId, RecordKind, RequestId, Role, Scope,
};
use sp_runtime::DispatchError;

const ENV: Envelope = [9; 80];

fn bytes<S: frame_support::traits::Get<u32>>(b: &[u8]) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(b.to_vec())
}

fn envelopes(records: &[RecordId]) -> BoundedVec<(RecordId, Envelope), MaxEnvelopes> {
	BoundedVec::truncate_from(records.iter().map(|r| (*r, ENV)).collect())
}

fn listed(records: &[RecordId]) -> Scope {
	Scope::Records(BoundedVec::truncate_from(records.to_vec()))
}

fn request(by: AccountId, scope: Scope) -> Result<RequestId, sp_runtime::DispatchError> {
	let id = crate::NextRequestId::<Test>::get();
	Consent::request_access(RuntimeOrigin::signed(by), PATIENT, scope, bytes(b"sealed"), 20)?;
	Ok(id)
}

fn grant_request(
	request: RequestId,
	expires_at: u64,
	uses: Option<u32>,
	records: &[RecordId],
) -> Result<GrantId, sp_runtime::DispatchError> {
	let id = crate::NextGrantId::<Test>::get();
	Consent::grant(RuntimeOrigin::signed(PATIENT), request, expires_at, uses, envelopes(records))?;
	Ok(id)
}

fn direct(
	grantee: AccountId,
	scope: Scope,
	expires_at: u64,
	uses: Option<u32>,
	records: &[RecordId],
) -> Result<GrantId, sp_runtime::DispatchError> {
	let id = crate::NextGrantId::<Test>::get();
	Consent::grant_access(
		RuntimeOrigin::signed(PATIENT),
		grantee,
		scope,
		expires_at,
		uses,
		envelopes(records),
	)?;
	Ok(id)
}

fn read_grant(reader: AccountId, record: RecordId, kind: RecordKind) -> Option<GrantId> {
	<Consent as AccessControl<_>>::read_grant(&reader, &PATIENT, record, kind)
}

fn actions(patient: AccountId) -> Vec<AuditAction> {
	Consent::audit_trail(patient).into_iter().map(|e| e.action).collect()
}

#[test]
fn doctor_requests_and_patient_sees_it_pending() {
	run(|| {
		let id = request(DOCTOR, Scope::Reports).unwrap();
		System::assert_last_event(
			Event::AccessRequested { request: id, requester: DOCTOR, patient: PATIENT }.into(),
		);
		let pending = Consent::pending_requests(PATIENT);
		assert_eq!(pending.len(), 1);
		assert_eq!(pending[0].1.requester, DOCTOR);
		assert_eq!(pending[0].1.status, RequestStatus::Pending);
		assert_eq!(PendingCount::<Test>::get(PATIENT), 1);
		assert_eq!(actions(PATIENT), vec![AuditAction::AccessRequested { request: id }]);
		assert_eq!(Consent::request(id).unwrap().scope, Scope::Reports);
	});
}

#[test]
fn request_errors() {
	run(|| {
		TestRegistry::set(OTHER_DOCTOR, Role::Doctor, false);
		for who in [OTHER_DOCTOR, PATIENT, STRANGER] {
			assert_noop!(request(who, Scope::Reports), Error::<Test>::NotVerifiedPractitioner);
		}
		assert_noop!(request(HOSPITAL, Scope::Write), Error::<Test>::WriteNeedsDoctor);
		assert_noop!(
			Consent::request_access(
				RuntimeOrigin::signed(DOCTOR),
				HOSPITAL,
				Scope::Reports,
				bytes(b""),
				5
			),
			Error::<Test>::NotAPatient
		);
		assert_noop!(request(DOCTOR, listed(&[])), Error::<Test>::EmptyScope);
		assert_noop!(request(DOCTOR, listed(&[99])), Error::<Test>::UnknownRecord);
		assert_noop!(request(DOCTOR, listed(&[OTHERS_REPORT])), Error::<Test>::NotPatientsRecord);
		assert_noop!(request(DOCTOR, listed(&[REPORT, REPORT])), Error::<Test>::DuplicateRecord);
		assert_noop!(
			Consent::request_access(
				RuntimeOrigin::signed(DOCTOR),
				PATIENT,
				Scope::Reports,
				bytes(b""),
				0
			),
			Error::<Test>::ZeroDuration
		);
		assert_noop!(
			Consent::request_access(
				RuntimeOrigin::signed(DOCTOR),
				PATIENT,
				Scope::Reports,
				bytes(b""),
				101
			),
			Error::<Test>::DurationTooLong
		);
		for _ in 0..3 {
			assert_ok!(request(DOCTOR, Scope::Reports));
		}
		assert_noop!(request(DOCTOR, Scope::Reports), Error::<Test>::TooManyPendingRequests);
	});
}

#[test]
fn requester_cancels_own_pending_request() {
	run(|| {
		let id = request(DOCTOR, Scope::Reports).unwrap();
		assert_noop!(
			Consent::cancel_request(RuntimeOrigin::signed(HOSPITAL), id),
			Error::<Test>::NotRequester
		);
		assert_noop!(
			Consent::cancel_request(RuntimeOrigin::signed(DOCTOR), 7),
			Error::<Test>::UnknownRequest
		);
		assert_ok!(Consent::cancel_request(RuntimeOrigin::signed(DOCTOR), id));
		System::assert_last_event(Event::RequestCancelled { request: id }.into());
		assert_eq!(Consent::request(id).unwrap().status, RequestStatus::Cancelled);
		assert!(Consent::pending_requests(PATIENT).is_empty());
		assert_noop!(
			Consent::cancel_request(RuntimeOrigin::signed(DOCTOR), id),
			Error::<Test>::NotPending
		);
	});
}

#[test]
fn patient_grants_a_request_with_envelopes() {
	run(|| {
		let req = request(DOCTOR, Scope::Reports).unwrap();
		let grant = grant_request(req, 21, None, &[REPORT, LAB]).unwrap();
		System::assert_last_event(
			Event::AccessGranted {
				grant,
				request: Some(req),
				patient: PATIENT,
				grantee: DOCTOR,
				expires_at: 21,
				max_uses: None,
			}
			.into(),
		);
		assert_eq!(Consent::request(req).unwrap().status, RequestStatus::Granted { grant });
		assert!(Consent::pending_requests(PATIENT).is_empty());
		assert_eq!(envelope_holders(REPORT, DOCTOR), 1);
		assert_eq!(envelope_holders(LAB, DOCTOR), 1);
		assert_eq!(Consent::patient_grants(PATIENT)[0].0, grant);
		assert_eq!(Consent::held_grants(DOCTOR)[0].1.envelopes.to_vec(), vec![REPORT, LAB]);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(grant));
		assert_eq!(read_grant(DOCTOR, PRESCRIPTION, RecordKind::Prescription), None);
		assert_eq!(
			actions(PATIENT),
			vec![
				AuditAction::AccessRequested { request: req },
				AuditAction::AccessGranted { grant, request: Some(req) }
			]
		);
	});
}

#[test]
fn grant_errors() {
	run(|| {
		let req = request(DOCTOR, Scope::Reports).unwrap();
		assert_noop!(grant_request(9, 21, None, &[]), Error::<Test>::UnknownRequest);
		assert_noop!(
			Consent::grant(RuntimeOrigin::signed(OTHER_PATIENT), req, 21, None, envelopes(&[])),
			Error::<Test>::NotPatient
		);
		assert_noop!(grant_request(req, 1, None, &[]), Error::<Test>::ExpiryInPast);
		assert_noop!(grant_request(req, 102, None, &[]), Error::<Test>::DurationTooLong);
		assert_noop!(grant_request(req, 21, Some(0), &[]), Error::<Test>::ZeroUses);
		assert_noop!(grant_request(req, 21, None, &[99]), Error::<Test>::UnknownRecord);
		assert_noop!(
			grant_request(req, 21, None, &[OTHERS_REPORT]),
			Error::<Test>::NotPatientsRecord
		);
		assert_noop!(
			grant_request(req, 21, None, &[REPORT, REPORT]),
			Error::<Test>::DuplicateRecord
		);
		assert_noop!(
			grant_request(req, 21, None, &[PRESCRIPTION]),
			Error::<Test>::EnvelopeOutsideScope
		);
		TestRegistry::set(DOCTOR, Role::Doctor, false);
		assert_noop!(grant_request(req, 21, None, &[]), Error::<Test>::GranteeNotVerified);
		TestRegistry::set(DOCTOR, Role::Doctor, true);
		assert_ok!(Consent::deny(RuntimeOrigin::signed(PATIENT), req, bytes(b"no")));
		assert_noop!(grant_request(req, 21, None, &[]), Error::<Test>::NotPending);
	});
}

#[test]
fn patient_denies_with_a_reason() {
	run(|| {
		let req = request(HOSPITAL, Scope::Prescriptions).unwrap();
		assert_noop!(
			Consent::deny(RuntimeOrigin::signed(OTHER_PATIENT), req, bytes(b"")),
			Error::<Test>::NotPatient
		);
		assert_noop!(
			Consent::deny(RuntimeOrigin::signed(PATIENT), 5, bytes(b"")),
			Error::<Test>::UnknownRequest
		);
		assert_ok!(Consent::deny(RuntimeOrigin::signed(PATIENT), req, bytes(b"not now")));
		System::assert_last_event(
			Event::AccessDenied { request: req, patient: PATIENT, requester: HOSPITAL }.into(),
		);
		assert_eq!(Consent::request(req).unwrap().status, RequestStatus::Denied);
		assert_eq!(DenialReasons::<Test>::get(req).unwrap().to_vec(), b"not now".to_vec());
		assert_eq!(actions(PATIENT).last(), Some(&AuditAction::AccessDenied { request: req }));
		assert_noop!(
			Consent::deny(RuntimeOrigin::signed(PATIENT), req, bytes(b"")),
			Error::<Test>::NotPending
		);
		assert_eq!(read_grant(HOSPITAL, PRESCRIPTION, RecordKind::Prescription), None);
	});
}

#[test]
fn patient_grants_without_a_request() {
	run(|| {
		let grant = direct(PHARMACY, Scope::Prescriptions, 30, Some(1), &[PRESCRIPTION]).unwrap();
		assert_eq!(read_grant(PHARMACY, PRESCRIPTION, RecordKind::Prescription), Some(grant));
		assert_eq!(Grants::<Test>::get(grant).unwrap().request, None);

		assert_noop!(
			Consent::grant_access(
				RuntimeOrigin::signed(DOCTOR),
				HOSPITAL,
				Scope::Reports,
				30,
				None,
				envelopes(&[])
			),
			Error::<Test>::NotAPatient
		);
		assert_noop!(
			direct(STRANGER, Scope::Reports, 30, None, &[]),
			Error::<Test>::GranteeNotVerified
		);
		assert_noop!(
			direct(OTHER_PATIENT, Scope::Reports, 30, None, &[]),
			Error::<Test>::GranteeNotVerified
		);
		assert_noop!(
			direct(PHARMACY, Scope::Write, 30, None, &[]),
			Error::<Test>::WriteNeedsDoctor
		);
		assert_noop!(direct(PHARMACY, listed(&[]), 30, None, &[]), Error::<Test>::EmptyScope);
		assert_ok!(direct(DOCTOR, listed(&[LAB]), 30, None, &[LAB]));
		assert_ok!(direct(OTHER_DOCTOR, Scope::Reports, 30, None, &[]));
		assert_noop!(direct(HOSPITAL, Scope::Reports, 30, None, &[]), Error::<Test>::TooManyGrants);
	});
}

#[test]
fn write_grants_let_doctors_add_records() {
	run(|| {
		assert!(!<Consent as AccessControl<_>>::can_write(&DOCTOR, &PATIENT));
		direct(DOCTOR, Scope::Write, 30, None, &[]).unwrap();
		assert!(<Consent as AccessControl<_>>::can_write(&DOCTOR, &PATIENT));
		assert!(!<Consent as AccessControl<_>>::can_write(&DOCTOR, &OTHER_PATIENT));
		assert!(!<Consent as AccessControl<_>>::can_write(&OTHER_DOCTOR, &PATIENT));
		// A write grant reads nothing.
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
	});
}

#[test]
fn revoking_ends_access_and_removes_envelopes() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, None, &[REPORT]).unwrap();
		assert_noop!(
			Consent::revoke(RuntimeOrigin::signed(OTHER_PATIENT), grant),
			Error::<Test>::NotPatient
		);
		assert_noop!(
			Consent::revoke(RuntimeOrigin::signed(PATIENT), 77),
			Error::<Test>::UnknownGrant
		);
		assert_ok!(Consent::revoke(RuntimeOrigin::signed(PATIENT), grant));
		System::assert_last_event(
			Event::GrantEnded {
				grant,
				patient: PATIENT,
				grantee: DOCTOR,
				reason: EndReason::Revoked,
			}
			.into(),
		);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
		assert_eq!(envelope_holders(REPORT, DOCTOR), 0);
		assert!(Consent::held_grants(DOCTOR).is_empty());
		assert_eq!(GrantCount::<Test>::get(PATIENT), 0);
		assert_eq!(actions(PATIENT).last(), Some(&AuditAction::AccessRevoked { grant }));
		assert_noop!(
			Consent::revoke(RuntimeOrigin::signed(PATIENT), grant),
			Error::<Test>::UnknownGrant
		);
	});
}

#[test]
fn overlapping_grants_share_an_envelope_until_both_end() {
	run(|| {
		let first = direct(DOCTOR, Scope::Reports, 30, None, &[REPORT]).unwrap();
		let second = direct(DOCTOR, listed(&[REPORT]), 40, None, &[REPORT]).unwrap();
		assert_eq!(envelope_holders(REPORT, DOCTOR), 2);
		assert_ok!(Consent::revoke(RuntimeOrigin::signed(PATIENT), first));
		assert_eq!(envelope_holders(REPORT, DOCTOR), 1);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(second));
	});
}

#[test]
fn grants_expire_at_their_block_and_are_cleaned_up() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 5, None, &[REPORT]).unwrap();
		run_to_block(4);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(grant));
		run_to_block(5);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
		assert!(Grants::<Test>::get(grant).is_none());
		assert_eq!(envelope_holders(REPORT, DOCTOR), 0);
		assert!(Expiries::<Test>::get(5).is_empty());
		System::assert_last_event(
			Event::GrantEnded {
				grant,
				patient: PATIENT,
				grantee: DOCTOR,
				reason: EndReason::Expired,
			}
			.into(),
		);
		assert_eq!(actions(PATIENT).last(), Some(&AuditAction::GrantEnded { grant }));
	});
}

#[test]
fn full_cleanup_lists_slip_to_later_blocks() {
	run(|| {
		// Two grants fit the list of block 5; the third slips to block 6.
		direct(DOCTOR, Scope::Reports, 5, None, &[]).unwrap();
		direct(HOSPITAL, Scope::Reports, 5, None, &[]).unwrap();
		let third = direct(PHARMACY, Scope::Prescriptions, 5, None, &[]).unwrap();
		assert_eq!(Expiries::<Test>::get(6).to_vec(), vec![third]);
		run_to_block(5);
		// Expired at 5 even though its storage goes at 6.
		assert_eq!(read_grant(PHARMACY, PRESCRIPTION, RecordKind::Prescription), None);
		assert!(Grants::<Test>::get(third).is_some());
		run_to_block(6);
		assert!(Grants::<Test>::get(third).is_none());
	});
}

#[test]
fn expiry_schedule_can_fill_up() {
	run(|| {
		for block in 5..=(5 + crate::EXPIRY_SLIP as u64) {
			Expiries::<Test>::insert(block, BoundedVec::truncate_from(vec![1000, 1001]));
		}
		assert_noop!(
			direct(DOCTOR, Scope::Reports, 5, None, &[]),
			Error::<Test>::ExpiryScheduleFull
		);
		let _ = Expiries::<Test>::clear(u32::MAX, None);
	});
}

#[test]
fn suspended_grantee_loses_access_at_once() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, None, &[REPORT]).unwrap();
		TestRegistry::set(DOCTOR, Role::Doctor, false);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
		TestRegistry::set(DOCTOR, Role::Doctor, true);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(grant));
	});
}

#[test]
fn use_limited_grants_end_at_their_last_use() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, Some(2), &[REPORT]).unwrap();
		assert_ok!(<Consent as AccessControl<_>>::consume(grant));
		assert_eq!(Grants::<Test>::get(grant).unwrap().uses_left, Some(1));
		assert_ok!(<Consent as AccessControl<_>>::consume(grant));
		assert!(Grants::<Test>::get(grant).is_none());
		assert_eq!(envelope_holders(REPORT, DOCTOR), 0);
		System::assert_last_event(
			Event::GrantEnded {
				grant,
				patient: PATIENT,
				grantee: DOCTOR,
				reason: EndReason::UsedUp,
			}
			.into(),
		);
		assert_noop!(<Consent as AccessControl<_>>::consume(grant), Error::<Test>::UnknownGrant);

		let unlimited = direct(DOCTOR, Scope::Reports, 30, None, &[]).unwrap();
		assert_ok!(<Consent as AccessControl<_>>::consume(unlimited));
		assert_eq!(Grants::<Test>::get(unlimited).unwrap().uses_left, None);
	});
}

#[test]
fn emergency_access_is_loud_time_boxed_and_rate_limited() {
	run(|| {
		assert_ok!(Consent::emergency_access(
			RuntimeOrigin::signed(DOCTOR),
			PATIENT,
			bytes(b"sealed")
		));
		let grant = 0;
		System::assert_last_event(
			Event::EmergencyAccessOpened {
				grant,
				doctor: DOCTOR,
				patient: PATIENT,
				expires_at: 11,
			}
			.into(),
		);
		assert_eq!(actions(PATIENT), vec![AuditAction::EmergencyAccess { grant }]);
		assert!(EmergencyJustifications::<Test>::contains_key(grant));
		// It covers every record, prescriptions included.
		assert_eq!(read_grant(DOCTOR, PRESCRIPTION, RecordKind::Prescription), Some(grant));
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(grant));

		assert_noop!(
			Consent::emergency_access(RuntimeOrigin::signed(DOCTOR), PATIENT, bytes(b"again")),
			Error::<Test>::EmergencyTooSoon
		);
		run_to_block(11);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
		assert!(!EmergencyJustifications::<Test>::contains_key(grant));
		run_to_block(51);
		assert_ok!(Consent::emergency_access(
			RuntimeOrigin::signed(DOCTOR),
			PATIENT,
			bytes(b"again")
		));
	});
}

#[test]
fn emergency_access_errors() {
	run(|| {
		for who in [HOSPITAL, PHARMACY, PATIENT] {
			assert_noop!(
				Consent::emergency_access(RuntimeOrigin::signed(who), PATIENT, bytes(b"x")),
				Error::<Test>::NotVerifiedDoctor
			);
		}
		TestRegistry::set(OTHER_DOCTOR, Role::Doctor, false);
		assert_noop!(
			Consent::emergency_access(RuntimeOrigin::signed(OTHER_DOCTOR), PATIENT, bytes(b"x")),
			Error::<Test>::NotVerifiedDoctor
		);
		assert_noop!(
			Consent::emergency_access(RuntimeOrigin::signed(DOCTOR), STRANGER, bytes(b"x")),
			Error::<Test>::NotAPatient
		);
		assert_noop!(
			Consent::emergency_access(RuntimeOrigin::signed(DOCTOR), PATIENT, bytes(b"")),
			Error::<Test>::EmptyJustification
		);
	});
}

#[test]
fn patient_adds_envelopes_to_a_live_grant() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, None, &[REPORT]).unwrap();
		assert_ok!(Consent::add_envelopes(
			RuntimeOrigin::signed(PATIENT),
			grant,
			envelopes(&[LAB])
		));
		System::assert_last_event(Event::EnvelopesAdded { grant, count: 1 }.into());
		assert_eq!(envelope_holders(LAB, DOCTOR), 1);

		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(DOCTOR), grant, envelopes(&[])),
			Error::<Test>::NotPatient
		);
		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), 50, envelopes(&[])),
			Error::<Test>::UnknownGrant
		);
		assert_noop!(
			Consent::add_envelopes(
				RuntimeOrigin::signed(PATIENT),
				grant,
				envelopes(&[PRESCRIPTION])
			),
			Error::<Test>::EnvelopeOutsideScope
		);
		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), grant, envelopes(&[REPORT])),
			Error::<Test>::DuplicateRecord
		);

		// An emergency grant takes envelopes for any of the patient's records, up to the bound.
		assert_ok!(Consent::emergency_access(
			RuntimeOrigin::signed(OTHER_DOCTOR),
			PATIENT,
			bytes(b"x")
		));
		let emergency = 1;
		assert_ok!(Consent::add_envelopes(
			RuntimeOrigin::signed(PATIENT),
			emergency,
			envelopes(&[REPORT, PRESCRIPTION, LAB])
		));
	});
}

#[test]
fn too_many_envelopes_are_refused() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, None, &[REPORT, LAB]).unwrap();
		for id in 30..33 {
			RECORDS.with(|r| r.borrow_mut().insert(id, (PATIENT, RecordKind::Report)));
		}
		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), grant, envelopes(&[30, 31, 32])),
			Error::<Test>::TooManyEnvelopes
		);
	});
}

#[test]
fn audit_ring_keeps_the_latest_entries_in_order() {
	run(|| {
		let mut ids = Vec::new();
		for _ in 0..3 {
			let id = request(DOCTOR, Scope::Reports).unwrap();
			assert_ok!(Consent::deny(RuntimeOrigin::signed(PATIENT), id, bytes(b"")));
			ids.push(id);
		}
		for _ in 0..3 {
			let id = request(HOSPITAL, Scope::Reports).unwrap();
			assert_ok!(Consent::cancel_request(RuntimeOrigin::signed(HOSPITAL), id));
			ids.push(id);
		}
		// 9 entries into a ring of 8: the first request's entry is gone.
		let trail = actions(PATIENT);
		assert_eq!(trail.len(), 8);
		assert_eq!(trail[0], AuditAction::AccessDenied { request: ids[0] });
		assert_eq!(trail[7], AuditAction::AccessRequested { request: ids[5] });
		assert_eq!(AuditCursors::<Test>::get(PATIENT).len, 8);
		assert!(Consent::audit_trail(OTHER_PATIENT).is_empty());
		assert!(Consent::audit_trail(PATIENT).iter().all(|e| e.at == 1));
	});
}

#[test]
fn unsigned_calls_are_refused() {
	run(|| {
		assert_noop!(
			Consent::request_access(RuntimeOrigin::none(), PATIENT, Scope::Reports, bytes(b""), 5),
			DispatchError::BadOrigin
		);
		assert_noop!(Consent::revoke(RuntimeOrigin::root(), 0), DispatchError::BadOrigin);
	});
}
