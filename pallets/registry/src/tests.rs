//! Tests for the registry pallet.

use crate::{
	mock::*, Accounts, DetailsOf, EnsureVerifier, Error, Event, HoldReason, PastStanding,
	Practitioners, ReasonOf, RevokedAccounts, StatusOf, Verifiers,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, EnsureOrigin},
	BoundedVec,
};
use medchain_primitives::{
	validate_cid, CidBytes, EncryptionKey, Role, RoleRegistry, VerificationStatus,
};
use sp_runtime::DispatchError;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A valid CIDv1 (raw, sha2-256) whose digest is `seed` repeated.
fn cid(seed: u8) -> CidBytes {
	let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend_from_slice(&[seed; 32]);
	CidBytes::truncate_from(bytes)
}

/// The longest valid CID: CIDv1, dag-pb, blake2b-256 (as the benchmarks use).
fn long_cid(seed: u8) -> CidBytes {
	let mut bytes = vec![0x01, 0x70, 0xa0, 0xe4, 0x02, 0x20];
	bytes.extend_from_slice(&[seed; 32]);
	CidBytes::truncate_from(bytes)
}

/// Bytes that are not a CID.
fn bad_cid() -> CidBytes {
	CidBytes::truncate_from(b"not a cid".to_vec())
}

fn key(who: u64) -> EncryptionKey {
	[who as u8; 32]
}

fn details(name: &[u8], specialization: &[u8], licence: &[u8]) -> DetailsOf<Test> {
	crate::PractitionerDetails {
		name: BoundedVec::try_from(name.to_vec()).unwrap(),
		specialization: BoundedVec::try_from(specialization.to_vec()).unwrap(),
		licence: BoundedVec::try_from(licence.to_vec()).unwrap(),
	}
}

fn doctor_details() -> DetailsOf<Test> {
	details(b"Dr Ada", b"cardiology", b"LIC-0001")
}

fn reason(text: &[u8]) -> ReasonOf<Test> {
	BoundedVec::try_from(text.to_vec()).unwrap()
}

fn last_event(event: Event<Test>) {
	System::assert_last_event(event.into());
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// What `who` has on hold for its registration.
fn held(who: u64) -> u64 {
	let reason: RuntimeHoldReason = HoldReason::Registration.into();
	<Balances as InspectHold<u64>>::balance_on_hold(&reason, &who)
}

fn status(who: u64) -> Option<StatusOf<Test>> {
	Practitioners::<Test>::get(who).map(|info| info.status)
}

fn register_patient(who: u64) {
	assert_ok!(Registry::register_patient(signed(who), key(who), Some(cid(who as u8))));
}

fn apply_as(who: u64, role: Role) {
	assert_ok!(Registry::apply(
		signed(who),
		role,
		key(who),
		None,
		cid(who as u8),
		doctor_details()
	));
}

fn verify(who: u64, until: Option<u64>) {
	assert_ok!(Registry::verify(signed(VERIFIER), who, until));
}

/// The statuses a practitioner can be in, each reached through the calls.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Start {
	Pending,
	Verified,
	Rejected,
	Suspended,
	Revoked,
}

const ALL_START: [Start; 5] =
	[Start::Pending, Start::Verified, Start::Rejected, Start::Suspended, Start::Revoked];

/// Makes `who` a doctor in status `from`, the way it would get there.
fn doctor_in(who: u64, from: Start) {
	apply_as(who, Role::Doctor);
	match from {
		Start::Pending => {}
		Start::Verified => verify(who, None),
		Start::Rejected => {
			assert_ok!(Registry::reject(signed(VERIFIER), who, reason(b"unreadable scan")));
		}
		Start::Suspended => {
			verify(who, None);
			assert_ok!(Registry::suspend(signed(VERIFIER), who, reason(b"complaint")));
		}
		Start::Revoked => {
			assert_ok!(Registry::revoke(signed(VERIFIER), who, reason(b"licence withdrawn")));
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Genesis and helpers
// ---------------------------------------------------------------------------------------------

#[test]
fn genesis_sets_the_verifiers() {
	run(|| {
		assert!(Verifiers::<Test>::contains_key(VERIFIER));
		assert_eq!(Verifiers::<Test>::count(), 1);
		assert_eq!(Registry::verifiers(), vec![VERIFIER]);
	});
}

#[test]
fn test_cids_are_valid() {
	assert_eq!(validate_cid(&cid(1)), Ok(()));
	assert_eq!(validate_cid(&long_cid(1)), Ok(()));
	assert!(validate_cid(&bad_cid()).is_err());
}

// ---------------------------------------------------------------------------------------------
// register_patient
// ---------------------------------------------------------------------------------------------

#[test]
fn register_patient_works() {
	run(|| {
		assert_ok!(Registry::register_patient(signed(ALICE), key(ALICE), Some(cid(7))));
		assert_eq!(
			Registry::account(ALICE),
			Some(crate::AccountInfo {
				role: Role::Patient,
				encryption_key: key(ALICE),
				profile: Some(cid(7)),
				deposit: 10,
			})
		);
		assert!(Registry::practitioner(ALICE).is_none());
		assert_eq!(held(ALICE), 10);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE - 10);
		last_event(Event::Registered { who: ALICE, role: Role::Patient });
	});
}

#[test]
fn register_patient_without_profile_works() {
	run(|| {
		assert_ok!(Registry::register_patient(signed(ALICE), key(ALICE), None));
		assert_eq!(Accounts::<Test>::get(ALICE).unwrap().profile, None);
	});
}

#[test]
fn register_patient_with_zero_deposit_holds_nothing() {
	run(|| {
		PatientDeposit::set(0);
		assert_ok!(Registry::register_patient(signed(POOR), key(POOR), None));
		assert_eq!(held(POOR), 0);
		assert_eq!(Accounts::<Test>::get(POOR).unwrap().deposit, 0);
		PatientDeposit::set(10);
	});
}

#[test]
fn register_patient_fails_for_bad_origin() {
	run(|| {
		assert_noop!(
			Registry::register_patient(RuntimeOrigin::none(), key(ALICE), None),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Registry::register_patient(RuntimeOrigin::root(), key(ALICE), None),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_patient_fails_when_registered() {
	run(|| {
		register_patient(ALICE);
		assert_noop!(
			Registry::register_patient(signed(ALICE), key(ALICE), None),
			Error::<Test>::AlreadyRegistered
		);
		apply_as(BOB, Role::Doctor);
		assert_noop!(
			Registry::register_patient(signed(BOB), key(BOB), None),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_patient_fails_for_invalid_profile() {
	run(|| {
		assert_noop!(
			Registry::register_patient(signed(ALICE), key(ALICE), Some(bad_cid())),
			Error::<Test>::InvalidCid
		);
	});
}

#[test]
fn register_patient_fails_without_funds() {
	run(|| {
		assert_noop!(
			Registry::register_patient(signed(POOR), key(POOR), None),
			Error::<Test>::InsufficientBalance
		);
		// An account that does not exist at all.
		assert_noop!(
			Registry::register_patient(signed(77), key(77), None),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn register_patient_fails_for_revoked_account() {
	run(|| {
		doctor_in(ALICE, Start::Revoked);
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert_noop!(
			Registry::register_patient(signed(ALICE), key(ALICE), None),
			Error::<Test>::AccountRevoked
		);
	});
}

// ---------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------

#[test]
fn apply_works_for_every_practitioner_role() {
	run(|| {
		for (who, role) in [(ALICE, Role::Doctor), (BOB, Role::Hospital), (CAROL, Role::Pharmacy)] {
			assert_ok!(Registry::apply(
				signed(who),
				role,
				key(who),
				Some(cid(1)),
				long_cid(2),
				doctor_details()
			));
			last_event(Event::Applied { who, role });
			let account = Registry::account(who).unwrap();
			assert_eq!(account.role, role);
			assert_eq!(account.encryption_key, key(who));
			assert_eq!(account.profile, Some(cid(1)));
			assert_eq!(account.deposit, 50);
			assert_eq!(held(who), 50);
			let info = Registry::practitioner(who).unwrap();
			assert_eq!(info.details, doctor_details());
			assert_eq!(info.credentials, long_cid(2));
			assert_eq!(info.status, VerificationStatus::Pending);
			assert_eq!(info.last_decision, None);
			assert!(!Registry::is_verified(who));
		}
	});
}

#[test]
fn apply_accepts_an_empty_specialization() {
	run(|| {
		assert_ok!(Registry::apply(
			signed(ALICE),
			Role::Pharmacy,
			key(ALICE),
			None,
			cid(1),
			details(b"Corner Pharmacy", b"", b"PH-9")
		));
	});
}

#[test]
fn apply_fails_for_bad_origin() {
	run(|| {
		assert_noop!(
			Registry::apply(
				RuntimeOrigin::none(),
				Role::Doctor,
				key(ALICE),
				None,
				cid(1),
				doctor_details()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn apply_fails_for_patient_role() {
	run(|| {
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Patient,
				key(ALICE),
				None,
				cid(1),
				doctor_details()
			),
			Error::<Test>::PatientRoleNotApplicable
		);
	});
}

#[test]
fn apply_fails_when_registered() {
	run(|| {
		register_patient(ALICE);
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				cid(1),
				doctor_details()
			),
			Error::<Test>::AlreadyRegistered
		);
		apply_as(BOB, Role::Doctor);
		assert_noop!(
			Registry::apply(signed(BOB), Role::Hospital, key(BOB), None, cid(1), doctor_details()),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn apply_fails_for_revoked_account() {
	run(|| {
		doctor_in(ALICE, Start::Revoked);
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				cid(1),
				doctor_details()
			),
			Error::<Test>::AccountRevoked
		);
	});
}

#[test]
fn apply_fails_for_invalid_cids() {
	run(|| {
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				Some(bad_cid()),
				cid(1),
				doctor_details()
			),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				bad_cid(),
				doctor_details()
			),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				CidBytes::default(),
				doctor_details()
			),
			Error::<Test>::InvalidCid
		);
	});
}

#[test]
fn apply_fails_for_empty_name_or_licence() {
	run(|| {
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				cid(1),
				details(b"", b"cardiology", b"LIC")
			),
			Error::<Test>::EmptyName
		);
		assert_noop!(
			Registry::apply(
				signed(ALICE),
				Role::Doctor,
				key(ALICE),
				None,
				cid(1),
				details(b"Dr Ada", b"cardiology", b"")
			),
			Error::<Test>::EmptyLicence
		);
	});
}

#[test]
fn apply_fails_without_funds() {
	run(|| {
		assert_noop!(
			Registry::apply(signed(POOR), Role::Doctor, key(POOR), None, cid(1), doctor_details()),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn apply_takes_the_current_practitioner_deposit() {
	run(|| {
		PractitionerDeposit::set(120);
		apply_as(ALICE, Role::Doctor);
		assert_eq!(held(ALICE), 120);
		assert_eq!(Accounts::<Test>::get(ALICE).unwrap().deposit, 120);
		PractitionerDeposit::set(50);
	});
}

// ---------------------------------------------------------------------------------------------
// update_credentials
// ---------------------------------------------------------------------------------------------

/// Finding 3: new credentials are checked again, but do not lift a suspension.
#[test]
fn update_credentials_keeps_a_suspension() {
	run(|| {
		doctor_in(ALICE, Start::Suspended);
		let new_details = details(b"Dr Ada Lovelace", b"", b"LIC-0002");
		assert_ok!(Registry::update_credentials(signed(ALICE), cid(42), new_details));
		let info = Registry::practitioner(ALICE).unwrap();
		assert_eq!(info.status, VerificationStatus::Suspended);
		assert_eq!(info.credentials, cid(42));
		assert!(!Registry::is_verified(ALICE));
	});
}

#[test]
fn update_credentials_works_and_goes_back_to_pending() {
	for from in [Start::Pending, Start::Verified, Start::Rejected] {
		run(|| {
			doctor_in(ALICE, from);
			let new_details = details(b"Dr Ada Lovelace", b"", b"LIC-0002");
			assert_ok!(Registry::update_credentials(signed(ALICE), cid(42), new_details.clone()));
			let info = Registry::practitioner(ALICE).unwrap();
			assert_eq!(info.status, VerificationStatus::Pending, "from {:?}", from);
			assert_eq!(info.credentials, cid(42));
			assert_eq!(info.details, new_details);
			assert!(!Registry::is_verified(ALICE));
			assert_eq!(Registry::pending_applications(), vec![ALICE]);
			last_event(Event::CredentialsUpdated { who: ALICE });
		});
	}
}

#[test]
fn update_credentials_fails_when_revoked() {
	run(|| {
		doctor_in(ALICE, Start::Revoked);
		assert_noop!(
			Registry::update_credentials(signed(ALICE), cid(42), doctor_details()),
			Error::<Test>::InvalidTransition
		);
	});
}

#[test]
fn update_credentials_fails_for_non_practitioners() {
	run(|| {
		assert_noop!(
			Registry::update_credentials(signed(ALICE), cid(42), doctor_details()),
			Error::<Test>::NotRegistered
		);
		register_patient(ALICE);
		assert_noop!(
			Registry::update_credentials(signed(ALICE), cid(42), doctor_details()),
			Error::<Test>::NotAPractitioner
		);
		assert_noop!(
			Registry::update_credentials(RuntimeOrigin::none(), cid(42), doctor_details()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn update_credentials_validates_its_input() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		assert_noop!(
			Registry::update_credentials(signed(ALICE), bad_cid(), doctor_details()),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			Registry::update_credentials(signed(ALICE), cid(42), details(b"", b"x", b"LIC")),
			Error::<Test>::EmptyName
		);
		assert_noop!(
			Registry::update_credentials(signed(ALICE), cid(42), details(b"Dr Ada", b"x", b"")),
			Error::<Test>::EmptyLicence
		);
	});
}

// ---------------------------------------------------------------------------------------------
// update_keys
// ---------------------------------------------------------------------------------------------

#[test]
fn update_keys_works_for_every_registered_account() {
	run(|| {
		register_patient(ALICE);
		assert_ok!(Registry::update_keys(signed(ALICE), [0xaa; 32], None));
		let account = Registry::account(ALICE).unwrap();
		assert_eq!(account.encryption_key, [0xaa; 32]);
		assert_eq!(account.profile, None);
		assert_eq!(account.deposit, 10);
		last_event(Event::KeysUpdated { who: ALICE });
		assert_eq!(<Registry as RoleRegistry<u64>>::encryption_key(&ALICE), Some([0xaa; 32]));

		// Practitioners too, whatever their status.
		doctor_in(BOB, Start::Revoked);
		assert_ok!(Registry::update_keys(signed(BOB), [0xbb; 32], Some(cid(9))));
		let account = Registry::account(BOB).unwrap();
		assert_eq!(account.encryption_key, [0xbb; 32]);
		assert_eq!(account.profile, Some(cid(9)));
		assert_eq!(status(BOB), Some(VerificationStatus::Revoked));
	});
}

#[test]
fn update_keys_fails_when_not_registered() {
	run(|| {
		assert_noop!(
			Registry::update_keys(signed(ALICE), [0xaa; 32], None),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Registry::update_keys(RuntimeOrigin::none(), [0xaa; 32], None),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn update_keys_fails_for_invalid_profile() {
	run(|| {
		register_patient(ALICE);
		assert_noop!(
			Registry::update_keys(signed(ALICE), [0xaa; 32], Some(bad_cid())),
			Error::<Test>::InvalidCid
		);
	});
}

// ---------------------------------------------------------------------------------------------
// deregister
// ---------------------------------------------------------------------------------------------

#[test]
fn deregister_releases_the_patient_deposit() {
	run(|| {
		register_patient(ALICE);
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert!(Registry::account(ALICE).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		last_event(Event::Deregistered { who: ALICE, deposit_released: 10 });
		// It may register again.
		register_patient(ALICE);
	});
}

/// Finding 4 of the second review: each registration is told apart, so what an earlier one
/// started (a follow-up window) can end when the account leaves.
#[test]
fn each_registration_is_told_apart() {
	let registration = |who| <Registry as RoleRegistry<u64>>::registration(&who);
	run(|| {
		assert_eq!(registration(ALICE), None);
		System::set_block_number(3);
		register_patient(ALICE);
		assert_eq!(crate::RegisteredAt::<Test>::get(ALICE), Some(3));
		assert_eq!(registration(ALICE), Some(3));
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert_eq!(crate::RegisteredAt::<Test>::get(ALICE), None);
		assert_eq!(registration(ALICE), None);
		System::set_block_number(8);
		doctor_in(ALICE, Start::Verified);
		assert_eq!(registration(ALICE), Some(8));
	});
}

#[test]
fn deregister_removes_the_practitioner() {
	run(|| {
		doctor_in(ALICE, Start::Verified);
		assert!(Registry::is_verified(ALICE));
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert!(Accounts::<Test>::get(ALICE).is_none());
		assert!(Practitioners::<Test>::get(ALICE).is_none());
		assert!(!Registry::is_verified(ALICE));
		assert_eq!(<Registry as RoleRegistry<u64>>::role(&ALICE), None);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		last_event(Event::Deregistered { who: ALICE, deposit_released: 50 });
	});
}

#[test]
fn deregister_releases_what_was_held_after_the_deposit_changed() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		PractitionerDeposit::set(80);
		assert_ok!(Registry::deregister(signed(ALICE)));
		last_event(Event::Deregistered { who: ALICE, deposit_released: 50 });
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		PractitionerDeposit::set(50);
	});
}

#[test]
fn deregister_keeps_the_revoked_mark() {
	run(|| {
		doctor_in(ALICE, Start::Revoked);
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert!(Accounts::<Test>::get(ALICE).is_none());
		assert!(RevokedAccounts::<Test>::contains_key(ALICE));
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
	});
}

/// Finding 3: a suspended practitioner who leaves and applies again comes back suspended,
/// with the verifier's decision shown.
#[test]
fn leaving_does_not_erase_a_suspension() {
	run(|| {
		doctor_in(ALICE, Start::Suspended);
		let decision = Practitioners::<Test>::get(ALICE).unwrap().last_decision;
		assert!(decision.is_some());
		assert_ok!(Registry::deregister(signed(ALICE)));
		apply_as(ALICE, Role::Doctor);
		let info = Practitioners::<Test>::get(ALICE).unwrap();
		assert_eq!(info.status, VerificationStatus::Suspended);
		assert_eq!(info.last_decision, decision);
		assert!(!Registry::is_verified(ALICE));
		// A rejected applicant may apply afresh; the verifiers still see the rejection.
		doctor_in(BOB, Start::Rejected);
		assert_ok!(Registry::deregister(signed(BOB)));
		apply_as(BOB, Role::Doctor);
		let info = Practitioners::<Test>::get(BOB).unwrap();
		assert_eq!(info.status, VerificationStatus::Pending);
		assert!(info.last_decision.is_some());
	});
}

/// Found by the runtime fuzzer: a practitioner who leaves and registers as a patient keeps its
/// standing (the invariants hold meanwhile), and a suspension is back when it applies again.
#[test]
fn a_former_practitioner_registered_as_patient_keeps_its_standing() {
	run(|| {
		doctor_in(ALICE, Start::Suspended);
		assert_ok!(Registry::deregister(signed(ALICE)));
		assert_ok!(Registry::register_patient(signed(ALICE), key(ALICE), None));
		assert!(PastStanding::<Test>::contains_key(ALICE));
		assert_ok!(Registry::do_try_state());
		assert_ok!(Registry::deregister(signed(ALICE)));
		apply_as(ALICE, Role::Doctor);
		assert_eq!(
			Practitioners::<Test>::get(ALICE).unwrap().status,
			VerificationStatus::Suspended
		);
	});
}

/// Finding 3: an account that gives or holds live grants cannot leave.
#[test]
fn deregister_refuses_while_committed() {
	run(|| {
		doctor_in(ALICE, Start::Verified);
		Committed::set(vec![ALICE]);
		assert_noop!(Registry::deregister(signed(ALICE)), Error::<Test>::StillCommitted);
		Committed::set(vec![]);
		assert_ok!(Registry::deregister(signed(ALICE)));
	});
}

#[test]
fn deregister_leaves_verifier_membership_alone() {
	run(|| {
		register_patient(VERIFIER);
		assert_ok!(Registry::deregister(signed(VERIFIER)));
		assert!(Verifiers::<Test>::contains_key(VERIFIER));
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, None);
	});
}

#[test]
fn deregister_fails_when_not_registered() {
	run(|| {
		assert_noop!(Registry::deregister(signed(ALICE)), Error::<Test>::NotRegistered);
		assert_noop!(Registry::deregister(RuntimeOrigin::none()), DispatchError::BadOrigin);
	});
}

// ---------------------------------------------------------------------------------------------
// verify
// ---------------------------------------------------------------------------------------------

#[test]
fn verify_works_from_pending() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		assert_ok!(Registry::verify(signed(VERIFIER), ALICE, Some(20)));
		let info = Registry::practitioner(ALICE).unwrap();
		assert_eq!(info.status, VerificationStatus::Verified { until: Some(20) });
		let decision = info.last_decision.unwrap();
		assert_eq!(decision.verifier, VERIFIER);
		assert_eq!(decision.at, 1);
		assert!(decision.reason.is_empty());
		assert!(Registry::is_verified(ALICE));
		assert!(Registry::pending_applications().is_empty());
		last_event(Event::Verified { who: ALICE, verifier: VERIFIER, until: Some(20) });
	});
}

#[test]
fn verify_extends_a_verification() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, Some(5));
		System::set_block_number(4);
		verify(ALICE, Some(50));
		assert_eq!(status(ALICE), Some(VerificationStatus::Verified { until: Some(50) }));
		verify(ALICE, None);
		assert_eq!(status(ALICE), Some(VerificationStatus::Verified { until: None }));
	});
}

#[test]
fn verify_renews_an_expired_verification() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, Some(5));
		System::set_block_number(5);
		assert!(!Registry::is_verified(ALICE));
		verify(ALICE, Some(10));
		assert!(Registry::is_verified(ALICE));
	});
}

#[test]
fn verify_lifts_a_suspension() {
	run(|| {
		doctor_in(ALICE, Start::Suspended);
		assert!(!Registry::is_verified(ALICE));
		verify(ALICE, None);
		assert!(Registry::is_verified(ALICE));
	});
}

#[test]
fn verify_fails_for_until_not_in_the_future() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		System::set_block_number(10);
		assert_noop!(
			Registry::verify(signed(VERIFIER), ALICE, Some(10)),
			Error::<Test>::UntilInPast
		);
		assert_noop!(
			Registry::verify(signed(VERIFIER), ALICE, Some(3)),
			Error::<Test>::UntilInPast
		);
		assert_ok!(Registry::verify(signed(VERIFIER), ALICE, Some(11)));
	});
}

#[test]
fn verify_fails_from_rejected_and_revoked() {
	for from in [Start::Rejected, Start::Revoked] {
		run(|| {
			doctor_in(ALICE, from);
			assert_noop!(
				Registry::verify(signed(VERIFIER), ALICE, None),
				Error::<Test>::InvalidTransition
			);
		});
	}
}

#[test]
fn verify_fails_for_non_verifiers() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		assert_noop!(Registry::verify(signed(BOB), ALICE, None), DispatchError::BadOrigin);
		assert_noop!(
			Registry::verify(RuntimeOrigin::root(), ALICE, None),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Registry::verify(RuntimeOrigin::none(), ALICE, None),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn verify_fails_for_unknown_or_patient_accounts() {
	run(|| {
		assert_noop!(Registry::verify(signed(VERIFIER), ALICE, None), Error::<Test>::NotRegistered);
		register_patient(ALICE);
		assert_noop!(
			Registry::verify(signed(VERIFIER), ALICE, None),
			Error::<Test>::NotAPractitioner
		);
	});
}

#[test]
fn verifiers_cannot_decide_on_themselves() {
	run(|| {
		assert_ok!(Registry::add_verifier(RuntimeOrigin::root(), ALICE));
		doctor_in(ALICE, Start::Verified);
		assert_noop!(Registry::verify(signed(ALICE), ALICE, None), Error::<Test>::SelfDecision);
		assert_noop!(
			Registry::suspend(signed(ALICE), ALICE, reason(b"")),
			Error::<Test>::SelfDecision
		);
		assert_noop!(
			Registry::revoke(signed(ALICE), ALICE, reason(b"")),
			Error::<Test>::SelfDecision
		);
		assert_ok!(Registry::update_credentials(signed(ALICE), cid(3), doctor_details()));
		assert_noop!(
			Registry::reject(signed(ALICE), ALICE, reason(b"")),
			Error::<Test>::SelfDecision
		);
	});
}

// ---------------------------------------------------------------------------------------------
// reject, suspend, revoke
// ---------------------------------------------------------------------------------------------

#[test]
fn reject_works_from_pending() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		System::set_block_number(3);
		assert_ok!(Registry::reject(signed(VERIFIER), ALICE, reason(b"licence expired")));
		let info = Registry::practitioner(ALICE).unwrap();
		assert_eq!(info.status, VerificationStatus::Rejected);
		let decision = info.last_decision.unwrap();
		assert_eq!(decision.verifier, VERIFIER);
		assert_eq!(decision.at, 3);
		assert_eq!(decision.reason, reason(b"licence expired"));
		assert!(Registry::pending_applications().is_empty());
		last_event(Event::Rejected { who: ALICE, verifier: VERIFIER });
		// The deposit stays held until the applicant leaves.
		assert_eq!(held(ALICE), 50);
	});
}

#[test]
fn suspend_works_from_verified() {
	run(|| {
		doctor_in(ALICE, Start::Verified);
		assert!(Registry::is_verified(ALICE));
		assert_ok!(Registry::suspend(signed(VERIFIER), ALICE, reason(b"under investigation")));
		assert_eq!(status(ALICE), Some(VerificationStatus::Suspended));
		assert_eq!(
			Registry::practitioner(ALICE).unwrap().last_decision.unwrap().reason,
			reason(b"under investigation")
		);
		assert!(!Registry::is_verified(ALICE));
		last_event(Event::Suspended { who: ALICE, verifier: VERIFIER });
	});
}

#[test]
fn suspend_works_for_an_expired_verification() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, Some(5));
		System::set_block_number(8);
		assert_ok!(Registry::suspend(signed(VERIFIER), ALICE, reason(b"")));
		assert_eq!(status(ALICE), Some(VerificationStatus::Suspended));
	});
}

#[test]
fn revoke_works_from_every_other_status() {
	for from in [Start::Pending, Start::Verified, Start::Rejected, Start::Suspended] {
		run(|| {
			doctor_in(ALICE, from);
			assert_ok!(Registry::revoke(signed(VERIFIER), ALICE, reason(b"fraud")));
			assert_eq!(status(ALICE), Some(VerificationStatus::Revoked), "from {:?}", from);
			assert!(RevokedAccounts::<Test>::contains_key(ALICE));
			assert!(!Registry::is_verified(ALICE));
			last_event(Event::Revoked { who: ALICE, verifier: VERIFIER });
		});
	}
}

#[test]
fn decisions_fail_for_bad_origin_and_unknown_accounts() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		register_patient(BOB);
		let calls: [fn(RuntimeOrigin, u64) -> sp_runtime::DispatchResult; 3] = [
			|o, who| Registry::reject(o, who, reason(b"r")),
			|o, who| Registry::suspend(o, who, reason(b"r")),
			|o, who| Registry::revoke(o, who, reason(b"r")),
		];
		for call in calls {
			assert_noop!(call(signed(CAROL), ALICE), DispatchError::BadOrigin);
			assert_noop!(call(RuntimeOrigin::root(), ALICE), DispatchError::BadOrigin);
			assert_noop!(call(signed(VERIFIER), DAVE), Error::<Test>::NotRegistered);
			assert_noop!(call(signed(VERIFIER), BOB), Error::<Test>::NotAPractitioner);
		}
	});
}

// ---------------------------------------------------------------------------------------------
// The transitions table
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Action {
	Verify,
	Reject,
	Suspend,
	Revoke,
	UpdateCredentials,
}

fn act(action: Action, who: u64) -> sp_runtime::DispatchResult {
	match action {
		Action::Verify => Registry::verify(signed(VERIFIER), who, None),
		Action::Reject => Registry::reject(signed(VERIFIER), who, reason(b"r")),
		Action::Suspend => Registry::suspend(signed(VERIFIER), who, reason(b"r")),
		Action::Revoke => Registry::revoke(signed(VERIFIER), who, reason(b"r")),
		Action::UpdateCredentials => {
			Registry::update_credentials(signed(who), cid(5), doctor_details())
		}
	}
}

#[test]
fn transitions_follow_the_table() {
	use VerificationStatus as S;
	let verified: StatusOf<Test> = S::Verified { until: None };
	// (from, action, resulting status or None for InvalidTransition)
	let table: Vec<(Start, Action, Option<StatusOf<Test>>)> = vec![
		(Start::Pending, Action::Verify, Some(verified)),
		(Start::Pending, Action::Reject, Some(S::Rejected)),
		(Start::Pending, Action::Suspend, None),
		(Start::Pending, Action::Revoke, Some(S::Revoked)),
		(Start::Pending, Action::UpdateCredentials, Some(S::Pending)),
		(Start::Verified, Action::Verify, Some(verified)),
		(Start::Verified, Action::Reject, None),
		(Start::Verified, Action::Suspend, Some(S::Suspended)),
		(Start::Verified, Action::Revoke, Some(S::Revoked)),
		(Start::Verified, Action::UpdateCredentials, Some(S::Pending)),
		(Start::Rejected, Action::Verify, None),
		(Start::Rejected, Action::Reject, None),
		(Start::Rejected, Action::Suspend, None),
		(Start::Rejected, Action::Revoke, Some(S::Revoked)),
		(Start::Rejected, Action::UpdateCredentials, Some(S::Pending)),
		(Start::Suspended, Action::Verify, Some(verified)),
		(Start::Suspended, Action::Reject, None),
		(Start::Suspended, Action::Suspend, None),
		(Start::Suspended, Action::Revoke, Some(S::Revoked)),
		// New credentials do not lift a suspension.
		(Start::Suspended, Action::UpdateCredentials, Some(S::Suspended)),
		(Start::Revoked, Action::Verify, None),
		(Start::Revoked, Action::Reject, None),
		(Start::Revoked, Action::Suspend, None),
		(Start::Revoked, Action::Revoke, None),
		(Start::Revoked, Action::UpdateCredentials, None),
	];
	assert_eq!(table.len(), ALL_START.len() * 5);
	for (from, action, expected) in table {
		run(|| {
			doctor_in(ALICE, from);
			match expected {
				Some(expected) => {
					assert_ok!(act(action, ALICE));
					assert_eq!(status(ALICE), Some(expected), "{:?} then {:?}", from, action);
				}
				None => {
					assert_noop!(act(action, ALICE), Error::<Test>::InvalidTransition);
				}
			}
		});
	}
}

// ---------------------------------------------------------------------------------------------
// Expiry and the RoleRegistry implementation
// ---------------------------------------------------------------------------------------------

#[test]
fn verification_expires_at_until() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, Some(10));
		System::set_block_number(9);
		assert!(Registry::is_verified(ALICE));
		assert!(<Registry as RoleRegistry<u64>>::is_verified_practitioner(&ALICE));
		System::set_block_number(10);
		assert!(!Registry::is_verified(ALICE));
		assert!(!<Registry as RoleRegistry<u64>>::is_verified_practitioner(&ALICE));
		assert!(!<Registry as RoleRegistry<u64>>::is_active(&ALICE, Role::Doctor));
		// The stored status is unchanged: only its meaning depends on the block.
		assert_eq!(status(ALICE), Some(VerificationStatus::Verified { until: Some(10) }));
	});
}

#[test]
fn role_registry_reports_roles_keys_and_verification() {
	run(|| {
		type R = Registry;
		register_patient(ALICE);
		apply_as(BOB, Role::Doctor);
		apply_as(CAROL, Role::Pharmacy);

		assert_eq!(<R as RoleRegistry<u64>>::role(&ALICE), Some(Role::Patient));
		assert_eq!(<R as RoleRegistry<u64>>::role(&BOB), Some(Role::Doctor));
		assert_eq!(<R as RoleRegistry<u64>>::role(&CAROL), Some(Role::Pharmacy));
		assert_eq!(<R as RoleRegistry<u64>>::role(&DAVE), None);
		assert_eq!(<R as RoleRegistry<u64>>::encryption_key(&BOB), Some(key(BOB)));
		assert_eq!(<R as RoleRegistry<u64>>::encryption_key(&DAVE), None);

		// A patient is active without verification, but is no verified practitioner.
		assert!(<R as RoleRegistry<u64>>::is_active(&ALICE, Role::Patient));
		assert!(!<R as RoleRegistry<u64>>::is_active(&ALICE, Role::Doctor));
		assert!(!<R as RoleRegistry<u64>>::is_verified_practitioner(&ALICE));

		// A pending doctor is not active.
		assert!(!<R as RoleRegistry<u64>>::is_verified_practitioner(&BOB));
		assert!(!<R as RoleRegistry<u64>>::is_active(&BOB, Role::Doctor));

		verify(BOB, None);
		verify(CAROL, None);
		assert!(<R as RoleRegistry<u64>>::is_verified_practitioner(&BOB));
		assert!(<R as RoleRegistry<u64>>::is_active(&BOB, Role::Doctor));
		assert!(!<R as RoleRegistry<u64>>::is_active(&BOB, Role::Pharmacy));
		assert!(<R as RoleRegistry<u64>>::is_active(&CAROL, Role::Pharmacy));

		// A suspension takes effect at once.
		assert_ok!(Registry::suspend(signed(VERIFIER), BOB, reason(b"")));
		assert!(!<R as RoleRegistry<u64>>::is_verified_practitioner(&BOB));
		assert!(!<R as RoleRegistry<u64>>::is_active(&BOB, Role::Doctor));

		// So does a credentials update.
		assert_ok!(Registry::update_credentials(signed(CAROL), cid(8), doctor_details()));
		assert!(!<R as RoleRegistry<u64>>::is_active(&CAROL, Role::Pharmacy));

		// And a revocation.
		verify(BOB, None);
		assert!(<R as RoleRegistry<u64>>::is_active(&BOB, Role::Doctor));
		assert_ok!(Registry::revoke(signed(VERIFIER), BOB, reason(b"")));
		assert!(!<R as RoleRegistry<u64>>::is_active(&BOB, Role::Doctor));
	});
}

// ---------------------------------------------------------------------------------------------
// Verifier management and EnsureVerifier
// ---------------------------------------------------------------------------------------------

#[test]
fn add_verifier_works() {
	run(|| {
		assert_ok!(Registry::add_verifier(RuntimeOrigin::root(), ALICE));
		assert!(Verifiers::<Test>::contains_key(ALICE));
		assert_eq!(Verifiers::<Test>::count(), 2);
		last_event(Event::VerifierAdded { who: ALICE });
		let mut verifiers = Registry::verifiers();
		verifiers.sort();
		assert_eq!(verifiers, vec![ALICE, VERIFIER]);
		// The new verifier may decide at once.
		apply_as(BOB, Role::Doctor);
		assert_ok!(Registry::verify(signed(ALICE), BOB, None));
	});
}

#[test]
fn add_verifier_fails() {
	run(|| {
		assert_noop!(Registry::add_verifier(signed(VERIFIER), ALICE), DispatchError::BadOrigin);
		assert_noop!(Registry::add_verifier(signed(ALICE), ALICE), DispatchError::BadOrigin);
		assert_noop!(
			Registry::add_verifier(RuntimeOrigin::root(), VERIFIER),
			Error::<Test>::AlreadyVerifier
		);
		assert_ok!(Registry::add_verifier(RuntimeOrigin::root(), ALICE));
		assert_ok!(Registry::add_verifier(RuntimeOrigin::root(), BOB));
		assert_noop!(
			Registry::add_verifier(RuntimeOrigin::root(), CAROL),
			Error::<Test>::TooManyVerifiers
		);
	});
}

#[test]
fn remove_verifier_works() {
	run(|| {
		apply_as(ALICE, Role::Doctor);
		verify(ALICE, None);
		assert_ok!(Registry::remove_verifier(RuntimeOrigin::root(), VERIFIER));
		assert!(!Verifiers::<Test>::contains_key(VERIFIER));
		assert_eq!(Verifiers::<Test>::count(), 0);
		assert!(Registry::verifiers().is_empty());
		last_event(Event::VerifierRemoved { who: VERIFIER });
		// Past decisions stand; new ones are refused.
		assert!(Registry::is_verified(ALICE));
		assert_noop!(
			Registry::suspend(signed(VERIFIER), ALICE, reason(b"")),
			DispatchError::BadOrigin
		);
		// Room again for a new verifier.
		assert_ok!(Registry::add_verifier(RuntimeOrigin::root(), BOB));
	});
}

#[test]
fn remove_verifier_fails() {
	run(|| {
		assert_noop!(
			Registry::remove_verifier(signed(VERIFIER), VERIFIER),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Registry::remove_verifier(RuntimeOrigin::root(), ALICE),
			Error::<Test>::NotVerifier
		);
	});
}

#[test]
fn ensure_verifier_accepts_only_signed_verifiers() {
	run(|| {
		assert_eq!(EnsureVerifier::<Test>::try_origin(signed(VERIFIER)).ok(), Some(VERIFIER));
		assert!(EnsureVerifier::<Test>::try_origin(signed(ALICE)).is_err());
		assert!(EnsureVerifier::<Test>::try_origin(RuntimeOrigin::root()).is_err());
		assert!(EnsureVerifier::<Test>::try_origin(RuntimeOrigin::none()).is_err());
	});
}

// ---------------------------------------------------------------------------------------------
// Views and invariants
// ---------------------------------------------------------------------------------------------

#[test]
fn view_functions_report_the_registry() {
	run(|| {
		assert_eq!(Registry::account(ALICE), None);
		assert_eq!(Registry::practitioner(ALICE), None);
		assert!(!Registry::is_verified(ALICE));
		assert!(Registry::pending_applications().is_empty());

		register_patient(ALICE);
		apply_as(BOB, Role::Doctor);
		apply_as(CAROL, Role::Hospital);
		apply_as(DAVE, Role::Pharmacy);

		assert_eq!(Registry::account(ALICE).unwrap().role, Role::Patient);
		assert_eq!(Registry::account(CAROL).unwrap().role, Role::Hospital);
		assert_eq!(Registry::practitioner(ALICE), None);
		assert_eq!(Registry::practitioner(BOB).unwrap().details, doctor_details());

		let mut pending = Registry::pending_applications();
		pending.sort();
		assert_eq!(pending, vec![BOB, CAROL, DAVE]);

		verify(BOB, None);
		assert_ok!(Registry::reject(signed(VERIFIER), CAROL, reason(b"")));
		assert_eq!(Registry::pending_applications(), vec![DAVE]);
		assert!(Registry::is_verified(BOB));
		assert!(!Registry::is_verified(CAROL));
		assert!(!Registry::is_verified(ALICE));
		assert_eq!(Registry::verifiers(), vec![VERIFIER]);
	});
}

#[test]
fn try_state_catches_broken_invariants() {
	new_test_ext().execute_with(|| {
		apply_as(ALICE, Role::Doctor);
		assert_ok!(Registry::do_try_state());

		// A practitioner entry without its account.
		let account = Accounts::<Test>::take(ALICE).unwrap();
		assert!(Registry::do_try_state().is_err());
		Accounts::<Test>::insert(ALICE, account.clone());
		assert_ok!(Registry::do_try_state());

		// A recorded deposit that is not held.
		Accounts::<Test>::insert(ALICE, crate::AccountInfo { deposit: 49, ..account.clone() });
		assert!(Registry::do_try_state().is_err());
		Accounts::<Test>::insert(ALICE, account);
		assert_ok!(Registry::do_try_state());

		// A registration block kept for an account that is not registered.
		crate::RegisteredAt::<Test>::insert(BOB, 1);
		assert!(Registry::do_try_state().is_err());
		crate::RegisteredAt::<Test>::remove(BOB);
		assert_ok!(Registry::do_try_state());

		// A revoked practitioner that is not remembered.
		assert_ok!(Registry::revoke(signed(VERIFIER), ALICE, reason(b"")));
		RevokedAccounts::<Test>::remove(ALICE);
		assert!(Registry::do_try_state().is_err());
	});
}
