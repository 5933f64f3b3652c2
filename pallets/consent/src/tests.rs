//! Tests of every call's success and error paths, the access checks and the cleanup.

use crate::{
	mock::*, AuditLen, DenialReasons, EmergencyCount, EmergencyJustifications, EndReason, Error,
	Event, Expiries, GrantCount, Grants, HeldCount, HoldReason, PendingCount, RequestStatus,
	Requests, UnaskedHeld,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get, Hooks},
	weights::Weight,
	BoundedVec,
};
use medchain_primitives::{
	AccessControl, AuditAction, Commitments, Consumed, Envelope, GrantId, ReadRefusal, RecordId,
	RecordKind, RequestId, Role, Scope,
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
	Consent::grant(
		RuntimeOrigin::signed(PATIENT),
		request,
		expires_at,
		uses,
		None,
		envelopes(records),
	)
	.map_err(|e| e.error)?;
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
	)
	.map_err(|e| e.error)?;
	Ok(id)
}

fn read_grant(reader: AccountId, record: RecordId, kind: RecordKind) -> Option<GrantId> {
	<Consent as AccessControl<_>>::read_grant(&reader, &PATIENT, record, kind).verdict.ok()
}

fn why_not(reader: AccountId, record: RecordId, kind: RecordKind) -> ReadRefusal {
	<Consent as AccessControl<_>>::read_grant(&reader, &PATIENT, record, kind).verdict.unwrap_err()
}

fn write_grant(who: AccountId, patient: AccountId) -> Option<GrantId> {
	<Consent as AccessControl<_>>::write_grant(&who, &patient)
}

fn held(reason: HoldReason, who: AccountId) -> u64 {
	Balances::balance_on_hold(&RuntimeHoldReason::Consent(reason), &who)
}

fn emergency(doctor: AccountId) -> Result<GrantId, sp_runtime::DispatchError> {
	let id = crate::NextGrantId::<Test>::get();
	Consent::emergency_access(RuntimeOrigin::signed(doctor), PATIENT, bytes(b"sealed"))
		.map_err(|e| e.error)?;
	Ok(id)
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
		for _ in 0..2 {
			assert_ok!(request(DOCTOR, Scope::Reports));
		}
		// One practitioner cannot take all of the patient's pending slots.
		assert_noop!(request(DOCTOR, Scope::Reports), Error::<Test>::TooManyRequestsFromRequester);
		assert_ok!(request(HOSPITAL, Scope::Reports));
		assert_noop!(request(PHARMACY, Scope::Reports), Error::<Test>::TooManyPendingRequests);
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
			Consent::grant(
				RuntimeOrigin::signed(OTHER_PATIENT),
				req,
				21,
				None,
				None,
				envelopes(&[])
			),
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

/// A patient may answer a request with fewer records than it asked for, never more.
#[test]
fn grants_narrow_a_request_to_listed_records() {
	run(|| {
		let req = request(DOCTOR, Scope::Reports).unwrap();
		let only = |ids: &[RecordId]| Some(BoundedVec::truncate_from(ids.to_vec()));
		let answer = |ids: &[RecordId], records: &[RecordId]| {
			Consent::grant(
				RuntimeOrigin::signed(PATIENT),
				req,
				21,
				None,
				only(ids),
				envelopes(records),
			)
		};
		assert_noop!(answer(&[], &[]), Error::<Test>::EmptyScope);
		assert_noop!(answer(&[PRESCRIPTION], &[]), Error::<Test>::NotInRequestedScope);
		assert_noop!(answer(&[REPORT, REPORT], &[]), Error::<Test>::DuplicateRecord);
		assert_noop!(answer(&[OTHERS_REPORT], &[]), Error::<Test>::NotPatientsRecord);
		assert_noop!(answer(&[99], &[]), Error::<Test>::UnknownRecord);
		// LAB is a report the request covers, but not one this grant lists.
		assert_noop!(answer(&[REPORT], &[LAB]), Error::<Test>::EnvelopeOutsideScope);

		let grant = crate::NextGrantId::<Test>::get();
		assert_ok!(answer(&[REPORT], &[REPORT]));
		assert_eq!(crate::Grants::<Test>::get(grant).unwrap().scope, listed(&[REPORT]));
		assert_eq!(
			Consent::request(req).unwrap().status,
			RequestStatus::Granted { grant },
			"the request is answered by the narrowed grant"
		);

		// What was never asked for cannot be listed, even when it is the patient's.
		let profile = request(HOSPITAL, Scope::Profile).unwrap();
		assert_noop!(
			Consent::grant(
				RuntimeOrigin::signed(PATIENT),
				profile,
				21,
				None,
				only(&[REPORT]),
				envelopes(&[])
			),
			Error::<Test>::NotInRequestedScope
		);
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
		assert_ok!(direct(HOSPITAL, Scope::Reports, 30, None, &[]));
		assert_noop!(direct(HOSPITAL, Scope::Profile, 30, None, &[]), Error::<Test>::TooManyGrants);
	});
}

#[test]
fn write_grants_let_doctors_add_records() {
	run(|| {
		assert_eq!(write_grant(DOCTOR, PATIENT), None);
		let grant = direct(DOCTOR, Scope::Write, 30, None, &[]).unwrap();
		assert_eq!(write_grant(DOCTOR, PATIENT), Some(grant));
		assert_eq!(write_grant(DOCTOR, OTHER_PATIENT), None);
		assert_eq!(write_grant(OTHER_DOCTOR, PATIENT), None);
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
		assert_eq!(Expiries::<Test>::iter_prefix(5).count(), 0);
		System::assert_last_event(
			Event::GrantEnded {
				grant,
				patient: PATIENT,
				grantee: DOCTOR,
				reason: EndReason::Expired,
			}
			.into(),
		);
		// Finding 6: an expiry is nobody's act; it is not logged as the grantee's.
		let last = Consent::audit_trail(PATIENT).pop().unwrap();
		assert_eq!((last.actor, last.action), (PATIENT, AuditAction::GrantExpired { grant }));
	});
}

/// Finding 6: a renunciation and a last use are the grantee's acts, and say which they were.
#[test]
fn grant_ends_name_what_ended_them_and_who() {
	run(|| {
		let renounced = direct(DOCTOR, Scope::Reports, 50, None, &[REPORT]).unwrap();
		assert_ok!(Consent::renounce(RuntimeOrigin::signed(DOCTOR), renounced));
		let last = Consent::audit_trail(PATIENT).pop().unwrap();
		assert_eq!(
			(last.actor, last.action),
			(DOCTOR, AuditAction::GrantRenounced { grant: renounced })
		);

		let once = direct(DOCTOR, Scope::Reports, 50, Some(1), &[REPORT]).unwrap();
		assert_ok!(<Consent as AccessControl<_>>::consume(once));
		let last = Consent::audit_trail(PATIENT).pop().unwrap();
		assert_eq!((last.actor, last.action), (DOCTOR, AuditAction::GrantUsedUp { grant: once }));
	});
}

/// Finding 5: handing a grantee keys is written to the patient's trail.
#[test]
fn adding_envelopes_is_on_the_trail() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 50, None, &[]).unwrap();
		let envelopes = BoundedVec::truncate_from(vec![(REPORT, [7u8; 80])]);
		assert_ok!(Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), grant, envelopes));
		let last = Consent::audit_trail(PATIENT).pop().unwrap();
		assert_eq!(
			(last.actor, last.action),
			(PATIENT, AuditAction::EnvelopesAdded { grant, records: 1 })
		);
	});
}

#[test]
fn the_sweep_is_bounded_by_weight_and_resumes_where_it_stopped() {
	run(|| {
		let grants: Vec<_> = [DOCTOR, HOSPITAL, PHARMACY]
			.into_iter()
			.map(|who| direct(who, Scope::Reports, 5, None, &[]).unwrap())
			.collect();
		System::set_block_number(5);
		crate::SweepCursor::<Test>::put(5);
		// Room for the cursor and one grant only.
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		let room = db.reads_writes(1, 1).saturating_add(<() as crate::WeightInfo>::expire_grant());
		Consent::on_idle(5, room);
		assert_eq!(grants.iter().filter(|g| Grants::<Test>::contains_key(**g)).count(), 2);
		// Expired though not yet swept: nothing reads under them.
		assert_eq!(read_grant(HOSPITAL, REPORT, RecordKind::Report), None);
		Consent::on_idle(5, Weight::zero());
		assert_eq!(grants.iter().filter(|g| Grants::<Test>::contains_key(**g)).count(), 2);
		run_to_block(6);
		assert!(grants.iter().all(|g| !Grants::<Test>::contains_key(*g)));
		assert_eq!(crate::SweepCursor::<Test>::get(), 7);
	});
}

/// Finding 1: revoking or using up a grant leaves the expiry index at once, and no bounded
/// per-block slot exists that others can fill to block break-glass.
#[test]
fn ended_grants_free_their_expiry_entry_and_break_glass_always_works() {
	run(|| {
		// The old attack: grant and revoke over and over, aimed at the emergency expiry block.
		for _ in 0..50 {
			let grant = direct(DOCTOR, Scope::Reports, 11, None, &[]).unwrap();
			assert_ok!(Consent::revoke(RuntimeOrigin::signed(PATIENT), grant));
		}
		assert_eq!(Expiries::<Test>::iter().count(), 0);
		let used = direct(DOCTOR, Scope::Reports, 11, Some(1), &[REPORT]).unwrap();
		assert_ok!(<Consent as AccessControl<_>>::consume(used));
		assert_eq!(Expiries::<Test>::iter().count(), 0);
		// Break-glass opens, expiring at 1 + EmergencyDuration = 11.
		let grant = emergency(OTHER_DOCTOR).unwrap();
		assert_eq!(Expiries::<Test>::iter().collect::<Vec<_>>(), vec![(11, grant, ())]);
	});
}

/// A batch of reads takes its uses from the pair's grants as read once, and writes them back
/// at once: several uses count like as many single ones, and a grant ends at its last.
#[test]
fn a_batch_consumes_several_uses_at_once() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 30, Some(5), &[REPORT]).unwrap();
		assert_eq!(<Consent as AccessControl<_>>::consume_uses(grant, 3), Ok(Consumed::Counted));
		assert_eq!(Grants::<Test>::get(grant).unwrap().uses_left, Some(2));
		assert_eq!(
			<Consent as AccessControl<_>>::consume_uses(grant, 2),
			Ok(Consumed::Ended { envelopes: 1 })
		);
		assert!(Grants::<Test>::get(grant).is_none());
	});
}

/// The pair's grants as a batch sees them: only effective ones, expiring first, with the
/// envelopes each holds; the lookup reads every grant of the pair.
#[test]
fn pair_grants_are_the_effective_grants_expiring_first() {
	run(|| {
		let later = direct(DOCTOR, Scope::Reports, 40, Some(3), &[REPORT]).unwrap();
		let sooner = direct(DOCTOR, Scope::Prescriptions, 30, None, &[]).unwrap();
		let used = direct(DOCTOR, Scope::Reports, 20, Some(1), &[]).unwrap();
		assert_ok!(<Consent as AccessControl<_>>::consume(used));
		let pair = <Consent as AccessControl<_>>::pair_grants(&DOCTOR, &PATIENT);
		assert_eq!(pair.read(), 2);
		assert_eq!(pair.lookup(REPORT, RecordKind::Report), Ok(later));
		assert_eq!(
			pair.lookup(REPORT, RecordKind::Prescription),
			Err(ReadRefusal::NoEnvelope { grant: sooner })
		);
		TestRegistry::set(DOCTOR, Role::Doctor, false);
		let pair = <Consent as AccessControl<_>>::pair_grants(&DOCTOR, &PATIENT);
		assert_eq!(pair.lookup(REPORT, RecordKind::Report), Err(ReadRefusal::NoGrant));
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
		assert_eq!(<Consent as AccessControl<_>>::consume(grant), Ok(Consumed::Counted));
		assert_eq!(Grants::<Test>::get(grant).unwrap().uses_left, Some(1));
		assert_eq!(
			<Consent as AccessControl<_>>::consume(grant),
			Ok(Consumed::Ended { envelopes: 1 })
		);
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
		assert_eq!(<Consent as AccessControl<_>>::consume(unlimited), Ok(Consumed::Counted));
		assert_eq!(Grants::<Test>::get(unlimited).unwrap().uses_left, None);
		// At most one end per grant a reader may hold from one patient is charged.
		let end = <Consent as AccessControl<_>>::end_weight(MaxEnvelopes::get());
		let per_pair = MaxGrantsPerPair::get();
		assert_eq!(<Consent as AccessControl<_>>::max_end_weight(1), end);
		assert_eq!(
			<Consent as AccessControl<_>>::max_end_weight(per_pair + 10),
			end.saturating_mul(per_pair.into())
		);
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
		assert_noop!(
			Consent::add_envelopes(
				RuntimeOrigin::signed(PATIENT),
				grant,
				envelopes(&[PRESCRIPTION])
			),
			Error::<Test>::EnvelopeOutsideScope
		);
		assert!(EmergencyJustifications::<Test>::contains_key(grant));
		// It covers the reports it is scoped to, once the patient adds their keys; not
		// prescriptions (finding 11).
		assert_eq!(why_not(DOCTOR, REPORT, RecordKind::Report), ReadRefusal::NoEnvelope { grant });
		assert_ok!(Consent::add_envelopes(
			RuntimeOrigin::signed(PATIENT),
			grant,
			envelopes(&[REPORT])
		));
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(grant));
		assert_eq!(why_not(DOCTOR, PRESCRIPTION, RecordKind::Prescription), ReadRefusal::NoGrant);
		// The doctor pays its deposit, and it does not count as one of the patient's grants.
		assert_eq!(held(HoldReason::Grant, DOCTOR), GrantDeposit::get());
		assert_eq!(held(HoldReason::Grant, PATIENT), 0);
		assert_eq!(GrantCount::<Test>::get(PATIENT), 0);
		assert_eq!(EmergencyCount::<Test>::get(PATIENT), 1);

		assert_noop!(
			Consent::emergency_access(RuntimeOrigin::signed(DOCTOR), PATIENT, bytes(b"again")),
			Error::<Test>::EmergencyTooSoon
		);
		run_to_block(11);
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), None);
		assert!(!EmergencyJustifications::<Test>::contains_key(grant));
		assert_eq!(held(HoldReason::Grant, DOCTOR), 0);
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

		// An emergency grant takes envelopes for the reports it covers.
		let emergency = emergency(OTHER_DOCTOR).unwrap();
		assert_ok!(Consent::add_envelopes(
			RuntimeOrigin::signed(PATIENT),
			emergency,
			envelopes(&[REPORT, LAB])
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

/// Finding 5: others' requests, cancels and reads never push an entry out of the trail, and
/// the patient pages through all of it.
#[test]
fn audit_trail_is_append_only_and_paged() {
	run(|| {
		let grant = emergency(DOCTOR).unwrap();
		for _ in 0..20 {
			let id = request(HOSPITAL, Scope::Reports).unwrap();
			assert_ok!(Consent::cancel_request(RuntimeOrigin::signed(HOSPITAL), id));
			assert_ok!(Consent::clear_request(RuntimeOrigin::signed(HOSPITAL), id));
		}
		let trail = actions(PATIENT);
		assert_eq!(trail.len(), 21);
		assert_eq!(trail[0], AuditAction::EmergencyAccess { grant });
		assert_eq!(AuditLen::<Test>::get(PATIENT), 21);
		// Pages of at most MaxAuditPage entries, with the trail's length.
		let (len, page) = Consent::audit_page(PATIENT, 0, 100);
		assert_eq!((len, page.len()), (21, 4));
		assert_eq!(page[0].action, AuditAction::EmergencyAccess { grant });
		let (_, last) = Consent::audit_page(PATIENT, 20, 4);
		assert_eq!(last.len(), 1);
		assert!(Consent::audit_page(PATIENT, 30, 4).1.is_empty());
		assert!(Consent::audit_trail(OTHER_PATIENT).is_empty());
	});
}

/// Finding 8: a request holds its requester's deposit until they clear it, deny reasons go
/// with it, and only closed requests can be cleared.
#[test]
fn requests_hold_a_deposit_until_cleared() {
	run(|| {
		let id = request(DOCTOR, Scope::Reports).unwrap();
		assert_eq!(held(HoldReason::Request, DOCTOR), RequestDeposit::get());
		assert_noop!(
			Consent::clear_request(RuntimeOrigin::signed(DOCTOR), id),
			Error::<Test>::StillPending
		);
		assert_ok!(Consent::deny(RuntimeOrigin::signed(PATIENT), id, bytes(b"sealed")));
		assert_noop!(
			Consent::clear_request(RuntimeOrigin::signed(PATIENT), id),
			Error::<Test>::NotRequester
		);
		assert_ok!(Consent::clear_request(RuntimeOrigin::signed(DOCTOR), id));
		System::assert_last_event(Event::RequestCleared { request: id, requester: DOCTOR }.into());
		assert!(!Requests::<Test>::contains_key(id));
		assert!(!DenialReasons::<Test>::contains_key(id));
		assert_eq!(held(HoldReason::Request, DOCTOR), 0);
		// The patient's trail keeps the story.
		assert_eq!(actions(PATIENT).len(), 2);
		// No funds, no request.
		assert_noop!(request(BROKE_DOCTOR, Scope::Reports), Error::<Test>::InsufficientBalance);
	});
}

/// Finding 2 of the second review: asking, cancelling and clearing again and again leaves
/// entries on the patient's trail for good, so every cycle costs the asker a fee, paid to the
/// patient; only the deposit comes back.
#[test]
fn every_request_pays_for_the_audit_entry_it_leaves_for_good() {
	use frame_support::traits::fungible::Inspect;
	let total = |who: AccountId| <Balances as Inspect<AccountId>>::total_balance(&who);
	run(|| {
		let (doctor_before, patient_before) = (total(DOCTOR), total(PATIENT));
		let trail_before = actions(PATIENT).len();
		for _ in 0..20 {
			let id = request(DOCTOR, Scope::Reports).unwrap();
			assert_ok!(Consent::cancel_request(RuntimeOrigin::signed(DOCTOR), id));
			assert_ok!(Consent::clear_request(RuntimeOrigin::signed(DOCTOR), id));
		}
		assert_eq!(actions(PATIENT).len(), trail_before + 20);
		assert_eq!(held(HoldReason::Request, DOCTOR), 0);
		assert_eq!(total(DOCTOR), doctor_before - 20 * RequestFee::get());
		assert_eq!(total(PATIENT), patient_before + 20 * RequestFee::get());
	});
}

/// Grants hold the patient's deposit while they live, released however they end.
#[test]
fn grants_hold_a_deposit_while_they_live() {
	run(|| {
		let a = direct(DOCTOR, Scope::Reports, 5, None, &[]).unwrap();
		let b = direct(HOSPITAL, Scope::Reports, 30, Some(1), &[REPORT]).unwrap();
		let c = direct(PHARMACY, Scope::Prescriptions, 30, None, &[]).unwrap();
		assert_eq!(held(HoldReason::Grant, PATIENT), 3 * GrantDeposit::get());
		assert_ok!(<Consent as AccessControl<_>>::consume(b));
		assert_ok!(Consent::renounce(RuntimeOrigin::signed(PHARMACY), c));
		System::assert_last_event(
			Event::GrantEnded {
				grant: c,
				patient: PATIENT,
				grantee: PHARMACY,
				reason: EndReason::Renounced,
			}
			.into(),
		);
		assert_eq!(held(HoldReason::Grant, PATIENT), GrantDeposit::get());
		run_to_block(5);
		assert!(!Grants::<Test>::contains_key(a));
		assert_eq!(held(HoldReason::Grant, PATIENT), 0);
		assert_eq!(HeldCount::<Test>::iter().count(), 0);
	});
}

/// Finding 2: one grantee holds at most `MaxGrantsPerPair` grants from one patient, so every
/// lookup is bounded.
#[test]
fn grants_per_pair_are_bounded() {
	run(|| {
		for _ in 0..MaxGrantsPerPair::get() {
			assert_ok!(direct(DOCTOR, Scope::Profile, 30, None, &[]));
		}
		assert_noop!(
			direct(DOCTOR, Scope::Reports, 30, None, &[]),
			Error::<Test>::TooManyGrantsForGrantee
		);
		assert_noop!(emergency(DOCTOR), Error::<Test>::TooManyGrantsForGrantee);
	});
}

/// Finding 3: a grant is bound to the role it was given to.
#[test]
fn grants_do_not_follow_an_account_into_another_role() {
	run(|| {
		let grant = direct(HOSPITAL, Scope::Prescriptions, 30, None, &[PRESCRIPTION]).unwrap();
		assert_eq!(read_grant(HOSPITAL, PRESCRIPTION, RecordKind::Prescription), Some(grant));
		// The hospital leaves and comes back, verified, as a pharmacy.
		TestRegistry::set(HOSPITAL, Role::Pharmacy, true);
		assert_eq!(why_not(HOSPITAL, PRESCRIPTION, RecordKind::Prescription), ReadRefusal::NoGrant);
		// The patient gave it unasked: it keeps the patient committed until renounced or
		// revoked, but not the hospital (finding 7 of the second review).
		assert!(!<Consent as Commitments<_>>::is_committed(&HOSPITAL));
		assert!(<Consent as Commitments<_>>::is_committed(&PATIENT));
		assert_noop!(
			Consent::renounce(RuntimeOrigin::signed(DOCTOR), grant),
			Error::<Test>::NotGrantee
		);
		assert_ok!(Consent::renounce(RuntimeOrigin::signed(HOSPITAL), grant));
		assert!(!<Consent as Commitments<_>>::is_committed(&HOSPITAL));
		assert!(!<Consent as Commitments<_>>::is_committed(&PATIENT));
		// A request waiting for an answer keeps both sides, until it is answered.
		let id = request(DOCTOR, Scope::Reports).unwrap();
		assert!(<Consent as Commitments<_>>::is_committed(&DOCTOR));
		assert!(<Consent as Commitments<_>>::is_committed(&PATIENT));
		assert_ok!(Consent::cancel_request(RuntimeOrigin::signed(DOCTOR), id));
		assert!(!<Consent as Commitments<_>>::is_committed(&DOCTOR));
		assert!(!<Consent as Commitments<_>>::is_committed(&PATIENT));
	});
}

/// Finding 4: no keys for a grantee that is suspended, or under a grant that expired or is
/// used up.
#[test]
fn envelopes_are_only_added_to_effective_grants() {
	run(|| {
		let grant = direct(DOCTOR, Scope::Reports, 10, None, &[]).unwrap();
		TestRegistry::set_verified(DOCTOR, false);
		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), grant, envelopes(&[REPORT])),
			Error::<Test>::GranteeNotVerified
		);
		TestRegistry::set_verified(DOCTOR, true);
		System::set_block_number(10);
		assert_noop!(
			Consent::add_envelopes(RuntimeOrigin::signed(PATIENT), grant, envelopes(&[REPORT])),
			Error::<Test>::GrantNotLive
		);
	});
}

/// Finding 11: the grant charged for a read is the one that carries the reader's envelope.
#[test]
fn the_grant_charged_is_the_one_holding_the_envelope() {
	run(|| {
		let keyless = direct(DOCTOR, Scope::Reports, 10, Some(1), &[]).unwrap();
		assert_eq!(
			why_not(DOCTOR, REPORT, RecordKind::Report),
			ReadRefusal::NoEnvelope { grant: keyless }
		);
		let keyed = direct(DOCTOR, Scope::Reports, 30, Some(1), &[REPORT]).unwrap();
		assert_eq!(read_grant(DOCTOR, REPORT, RecordKind::Report), Some(keyed));
		assert_ne!(keyless, keyed);
	});
}

/// Finding 12: a patient has at most `MaxEmergencyPerPatient` emergency grants open, and
/// they do not use up the patient's own grants.
#[test]
fn emergency_grants_are_bounded_per_patient_apart_from_the_patients_grants() {
	run(|| {
		for who in [DOCTOR, HOSPITAL, PHARMACY, OTHER_DOCTOR] {
			assert_ok!(direct(who, Scope::Profile, 30, None, &[]));
		}
		assert_ok!(emergency(DOCTOR));
		assert_ok!(emergency(OTHER_DOCTOR));
		TestRegistry::set(STRANGER, Role::Doctor, true);
		assert_noop!(emergency(STRANGER), Error::<Test>::TooManyEmergencies);
		assert_noop!(emergency(BROKE_DOCTOR), Error::<Test>::TooManyEmergencies);
	});
}

/// Finding 7 of the second review: grants pushed onto a practitioner without a request are
/// bounded per grantee, never keep it from leaving, and end (deposits back to their patients)
/// when it leaves. A grant it asked for still keeps it.
#[test]
fn unasked_grants_are_bounded_and_end_when_their_grantee_leaves() {
	let committed = |who| <Consent as Commitments<_>>::is_committed(&who);
	run(|| {
		let first = direct(HOSPITAL, Scope::Profile, 30, None, &[]).unwrap();
		direct(HOSPITAL, Scope::Reports, 30, None, &[REPORT]).unwrap();
		assert_ok!(Consent::grant_access(
			RuntimeOrigin::signed(OTHER_PATIENT),
			HOSPITAL,
			Scope::Profile,
			30,
			None,
			BoundedVec::new()
		));
		assert_eq!(UnaskedHeld::<Test>::get(HOSPITAL), MaxUnaskedPerGrantee::get());
		assert_noop!(
			Consent::grant_access(
				RuntimeOrigin::signed(OTHER_PATIENT),
				HOSPITAL,
				Scope::Reports,
				30,
				None,
				BoundedVec::new()
			),
			Error::<Test>::TooManyUnaskedGrants
		);
		assert!(!committed(HOSPITAL));

		// Leaving ends them all, releases the patients' deposits and takes the keys back.
		<Consent as Commitments<_>>::on_leave(&HOSPITAL);
		assert!(Consent::held_grants(HOSPITAL).is_empty());
		assert_eq!(UnaskedHeld::<Test>::get(HOSPITAL), 0);
		assert_eq!(held(HoldReason::Grant, PATIENT), 0);
		assert_eq!(held(HoldReason::Grant, OTHER_PATIENT), 0);
		assert_eq!(envelope_holders(REPORT, HOSPITAL), 0);
		assert!(actions(PATIENT).contains(&AuditAction::GrantRenounced { grant: first }));

		// A grant answering the hospital's own request keeps it until it is ended.
		let id = request(HOSPITAL, Scope::Reports).unwrap();
		assert_ok!(Consent::grant(
			RuntimeOrigin::signed(PATIENT),
			id,
			30,
			None,
			None,
			BoundedVec::new()
		));
		assert!(committed(HOSPITAL));
	});
}

/// An emergency grant that expired but that the sweep has not reached yet (it runs on what
/// blocks leave) no longer keeps a doctor out when the patient's emergency grants are full.
#[test]
fn expired_emergency_grants_do_not_count_against_the_limit() {
	run(|| {
		assert_ok!(emergency(DOCTOR));
		assert_ok!(emergency(OTHER_DOCTOR));
		TestRegistry::set(STRANGER, Role::Doctor, true);
		assert_noop!(emergency(STRANGER), Error::<Test>::TooManyEmergencies);
		// Past their expiry, with no sweep: both are still stored.
		System::set_block_number(System::block_number() + EmergencyDuration::get());
		assert_eq!(EmergencyCount::<Test>::get(PATIENT), 2);
		assert_ok!(emergency(STRANGER));
		// One expired grant was ended to make room; the other waits for the sweep.
		assert_eq!(EmergencyCount::<Test>::get(PATIENT), 2);
		let trail = actions(PATIENT);
		assert_eq!(
			trail.iter().filter(|a| matches!(a, AuditAction::GrantExpired { .. })).count(),
			1
		);
	});
}

/// Grants that expired but that the sweep has not reached yet count against none of the
/// limits: the patient's, the pair's, and the grantee's unasked grants. Each full limit ends
/// one of them, as its expiry, and the call is charged for looking only when a limit was full.
#[test]
fn expired_grants_do_not_count_against_any_limit() {
	let expired = || {
		actions(PATIENT).iter().filter(|a| matches!(a, AuditAction::GrantExpired { .. })).count()
	};
	// The patient's limit (4).
	run(|| {
		for grantee in [HOSPITAL, HOSPITAL, PHARMACY, PHARMACY] {
			direct(grantee, Scope::Profile, 5, None, &[]).unwrap();
		}
		assert_noop!(direct(DOCTOR, Scope::Profile, 30, None, &[]), Error::<Test>::TooManyGrants);
		System::set_block_number(5);
		let info = Consent::grant_access(
			RuntimeOrigin::signed(PATIENT),
			DOCTOR,
			Scope::Profile,
			30,
			None,
			BoundedVec::new(),
		)
		.unwrap();
		assert_eq!(
			info.actual_weight,
			Some(Consent::grant_access_weight(0, &Scope::Profile) + Consent::free_slots_weight())
		);
		assert_eq!((GrantCount::<Test>::get(PATIENT), expired()), (4, 1));
		assert_eq!(held(HoldReason::Grant, PATIENT), 4 * GrantDeposit::get());
	});
	// The pair's limit (3): two given unasked, one answering a request.
	run(|| {
		direct(HOSPITAL, Scope::Profile, 5, None, &[]).unwrap();
		direct(HOSPITAL, Scope::Reports, 5, None, &[]).unwrap();
		let first = request(HOSPITAL, Scope::Reports).unwrap();
		grant_request(first, 5, None, &[]).unwrap();
		let second = request(HOSPITAL, Scope::Reports).unwrap();
		assert_noop!(grant_request(second, 30, None, &[]), Error::<Test>::TooManyGrantsForGrantee);
		System::set_block_number(5);
		assert_ok!(grant_request(second, 30, None, &[]));
		assert_eq!(expired(), 1);
	});
	// The grantee's unasked grants (3), from two patients.
	run(|| {
		direct(HOSPITAL, Scope::Profile, 5, None, &[]).unwrap();
		let other = |expires_at| {
			Consent::grant_access(
				RuntimeOrigin::signed(OTHER_PATIENT),
				HOSPITAL,
				Scope::Profile,
				expires_at,
				None,
				BoundedVec::new(),
			)
		};
		assert_ok!(other(5));
		assert_ok!(other(5));
		assert_noop!(other(30), Error::<Test>::TooManyUnaskedGrants);
		System::set_block_number(5);
		assert_ok!(other(30));
		assert_eq!(UnaskedHeld::<Test>::get(HOSPITAL), 3);
		assert_eq!(Consent::held_grants(HOSPITAL).len(), 3);
	});
	// With room everywhere, nothing is looked for and nothing is charged for it.
	run(|| {
		let info = Consent::grant_access(
			RuntimeOrigin::signed(PATIENT),
			DOCTOR,
			Scope::Profile,
			30,
			None,
			BoundedVec::new(),
		)
		.unwrap();
		assert_eq!(info.actual_weight, Some(Consent::grant_access_weight(0, &Scope::Profile)));
	});
}

/// A read's grant is found in one scan of the pair's grants, whether the reader holds a key
/// under it or not: the grant with the key wins, and without one the covering grant is named.
#[test]
fn a_read_finds_the_keyed_grant_or_the_covering_one() {
	run(|| {
		let plain = direct(PHARMACY, Scope::Prescriptions, 10, None, &[]).unwrap();
		assert_eq!(
			why_not(PHARMACY, PRESCRIPTION, RecordKind::Prescription),
			ReadRefusal::NoEnvelope { grant: plain }
		);
		// A later-expiring grant holding the key is preferred to the earlier one without.
		let keyed = direct(PHARMACY, Scope::Prescriptions, 20, None, &[PRESCRIPTION]).unwrap();
		assert_eq!(read_grant(PHARMACY, PRESCRIPTION, RecordKind::Prescription), Some(keyed));
	});
}

/// Finding 10: the invariants catch a broken envelope count and a broken deposit.
#[test]
fn try_state_catches_broken_state() {
	new_test_ext().execute_with(|| {
		direct(DOCTOR, Scope::Reports, 30, None, &[REPORT]).unwrap();
		assert_ok!(Consent::do_try_state());
		<TestRecords as medchain_primitives::RecordIndex<_>>::remove_envelope(REPORT, &DOCTOR);
		assert!(Consent::do_try_state().is_err());
	});
	new_test_ext().execute_with(|| {
		direct(DOCTOR, Scope::Reports, 30, None, &[]).unwrap();
		GrantCount::<Test>::insert(PATIENT, 2);
		assert!(Consent::do_try_state().is_err());
	});
	new_test_ext().execute_with(|| {
		direct(DOCTOR, Scope::Reports, 30, None, &[]).unwrap();
		Expiries::<Test>::remove(30, 0);
		assert!(Consent::do_try_state().is_err());
	});
}

/// Finding 13: the constants are checked.
#[test]
fn integrity_test_passes_for_the_mock() {
	new_test_ext().execute_with(<Consent as Hooks<u64>>::integrity_test);
}

/// A broke doctor cannot open break-glass access: the deposit is required.
#[test]
fn emergency_access_needs_the_deposit() {
	run(|| {
		assert_noop!(emergency(BROKE_DOCTOR), Error::<Test>::InsufficientBalance);
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
