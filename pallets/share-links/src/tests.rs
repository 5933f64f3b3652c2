use crate::{mock::*, *};
use frame_support::traits::Hooks;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{InspectHold, MutateHold},
	weights::Weight,
	BoundedVec,
};
use medchain_primitives::{AuditAction, LinkId, SealedName, SEALED_NAME_LEN};

const LINK: LinkId = [7; 32];
const OTHER_LINK: LinkId = [8; 32];
const NAME: SealedName = [3; SEALED_NAME_LEN];

fn sealed() -> BoundedVec<u8, MaxSealedLen> {
	BoundedVec::truncate_from(vec![1, 2, 3])
}

fn create(link: LinkId, uses: u32, passcode: bool) -> frame_support::dispatch::DispatchResult {
	ShareLinks::create(RuntimeOrigin::signed(PATIENT), link, HOST, 50, uses, passcode, sealed())
}

fn held(who: AccountId) -> u64 {
	Balances::balance_on_hold(&HoldReason::Link.into(), &who)
}

fn check() {
	ShareLinks::do_try_state().expect("invariants hold");
}

#[test]
fn creating_a_link_holds_the_deposit_and_logs_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 2, true));
		let link = Links::<Test>::get(LINK).unwrap();
		assert_eq!((link.patient, link.host, link.expires_at), (PATIENT, HOST, 50));
		assert_eq!((link.uses_left, link.attempts_left, link.deposit), (2, 3, 10));
		assert_eq!(held(PATIENT), 10);
		assert_eq!(LinkCount::<Test>::get(PATIENT), 1);
		assert_eq!(trail(), vec![(PATIENT, PATIENT, AuditAction::LinkCreated { link: LINK })]);
		System::assert_last_event(
			Event::LinkCreated {
				link: LINK,
				patient: PATIENT,
				host: HOST,
				expires_at: 50,
				uses: 2,
				passcode: true,
			}
			.into(),
		);
		check();
	});
}

#[test]
fn bad_links_are_refused_and_nothing_is_stored() {
	new_test_ext().execute_with(|| {
		let origin = |who| RuntimeOrigin::signed(who);
		assert_noop!(
			ShareLinks::create(origin(DOCTOR), LINK, HOST, 50, 1, false, sealed()),
			Error::<Test>::NotAPatient
		);
		assert_noop!(
			ShareLinks::create(origin(PATIENT), LINK, HOST, 1, 1, false, sealed()),
			Error::<Test>::ExpiryInPast
		);
		assert_noop!(
			ShareLinks::create(origin(PATIENT), LINK, HOST, 102, 1, false, sealed()),
			Error::<Test>::DurationTooLong
		);
		assert_noop!(create(LINK, 0, false), Error::<Test>::ZeroUses);
		assert_noop!(create(LINK, 6, false), Error::<Test>::TooManyUses);
		assert_noop!(
			ShareLinks::create(origin(BROKE_PATIENT), LINK, HOST, 50, 1, false, sealed()),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(create(LINK, 1, false));
		assert_noop!(create(LINK, 1, false), Error::<Test>::LinkExists);
		assert_ok!(create(OTHER_LINK, 1, false));
		assert_noop!(create([9; 32], 1, false), Error::<Test>::TooManyLinks);
		check();
	});
}

#[test]
fn each_opening_uses_the_link_up_and_the_last_ends_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 2, false));
		assert_noop!(
			ShareLinks::record_opening(RuntimeOrigin::signed(OTHER_HOST), LINK, NAME),
			Error::<Test>::NotHost
		);
		assert_ok!(ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME));
		assert_eq!(Links::<Test>::get(LINK).unwrap().uses_left, 1);
		assert_eq!(Links::<Test>::get(LINK).unwrap().opened, 1);
		check();
		assert_ok!(ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME));
		assert!(Links::<Test>::get(LINK).is_none());
		assert_eq!(held(PATIENT), 0);
		assert_eq!(LinkCount::<Test>::get(PATIENT), 0);
		System::assert_last_event(
			Event::LinkEnded { link: LINK, patient: PATIENT, reason: EndReason::UsedUp }.into(),
		);
		assert_eq!(
			trail()[1..],
			[
				(PATIENT, HOST, AuditAction::LinkOpened { link: LINK, recipient: NAME }),
				(PATIENT, HOST, AuditAction::LinkOpened { link: LINK, recipient: NAME }),
				(PATIENT, HOST, AuditAction::LinkUsedUp { link: LINK }),
			]
		);
		// A used-up link opens no more.
		assert_noop!(
			ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME),
			Error::<Test>::UnknownLink
		);
		check();
	});
}

#[test]
fn wrong_passcodes_count_down_and_lock_the_link() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, true));
		assert_ok!(create(OTHER_LINK, 5, false));
		assert_noop!(
			ShareLinks::record_failure(RuntimeOrigin::signed(HOST), OTHER_LINK, NAME),
			Error::<Test>::NoPasscode
		);
		for left in [2, 1] {
			assert_ok!(ShareLinks::record_failure(RuntimeOrigin::signed(HOST), LINK, NAME));
			System::assert_last_event(
				Event::PasscodeFailed { link: LINK, patient: PATIENT, attempts_left: left }.into(),
			);
		}
		assert_ok!(ShareLinks::record_failure(RuntimeOrigin::signed(HOST), LINK, NAME));
		assert!(Links::<Test>::get(LINK).is_none());
		assert_eq!(held(PATIENT), 10, "only the other link's deposit is left");
		assert_eq!(trail().last(), Some(&(PATIENT, HOST, AuditAction::LinkLocked { link: LINK })));
		assert_noop!(
			ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME),
			Error::<Test>::UnknownLink
		);
		check();
	});
}

#[test]
fn only_the_patient_revokes_and_a_revoked_link_opens_no_more() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, false));
		assert_noop!(
			ShareLinks::revoke(RuntimeOrigin::signed(HOST), LINK),
			Error::<Test>::NotPatient
		);
		assert_ok!(ShareLinks::revoke(RuntimeOrigin::signed(PATIENT), LINK));
		assert_eq!(held(PATIENT), 0);
		assert_eq!(
			trail().last(),
			Some(&(PATIENT, PATIENT, AuditAction::LinkRevoked { link: LINK }))
		);
		assert_noop!(
			ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME),
			Error::<Test>::UnknownLink
		);
		assert_noop!(
			ShareLinks::revoke(RuntimeOrigin::signed(PATIENT), LINK),
			Error::<Test>::UnknownLink
		);
		check();
	});
}

#[test]
fn an_expired_link_opens_no_more_and_the_sweep_ends_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, true));
		System::set_block_number(50);
		assert_noop!(
			ShareLinks::record_opening(RuntimeOrigin::signed(HOST), LINK, NAME),
			Error::<Test>::LinkExpired
		);
		assert_noop!(
			ShareLinks::record_failure(RuntimeOrigin::signed(HOST), LINK, NAME),
			Error::<Test>::LinkExpired
		);
		System::set_block_number(49);
		run_to_block(50);
		assert!(Links::<Test>::get(LINK).is_none());
		assert_eq!(held(PATIENT), 0);
		assert_eq!(SweepCursor::<Test>::get(), 51);
		assert_eq!(
			trail().last(),
			Some(&(PATIENT, PATIENT, AuditAction::LinkExpired { link: LINK }))
		);
		check();
	});
}

#[test]
fn the_sweep_stops_when_the_block_is_full() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, false));
		System::set_block_number(60);
		// Not even the cursor fits: nothing is done or charged.
		assert_eq!(ShareLinks::on_idle(60, Weight::zero()), Weight::zero());
		assert!(Links::<Test>::get(LINK).is_some());
		check();
	});
}

#[test]
fn try_state_catches_a_released_deposit_and_a_wrong_counter() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, false));
		let _ = Balances::release(
			&HoldReason::Link.into(),
			&PATIENT,
			10,
			frame_support::traits::tokens::Precision::Exact,
		);
		assert!(ShareLinks::do_try_state().is_err());
	});
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, false));
		LinkCount::<Test>::insert(PATIENT, 2);
		assert!(ShareLinks::do_try_state().is_err());
	});
	new_test_ext().execute_with(|| {
		assert_ok!(create(LINK, 5, true));
		Links::<Test>::mutate(LINK, |link| link.as_mut().unwrap().attempts_left = 0);
		assert!(ShareLinks::do_try_state().is_err());
	});
}

#[test]
fn a_patient_lists_their_live_links_oldest_first() {
	new_test_ext().execute_with(|| {
		assert_ok!(create(OTHER_LINK, 1, false));
		System::set_block_number(2);
		assert_ok!(create(LINK, 1, false));
		let ids: Vec<LinkId> =
			ShareLinks::patient_links(PATIENT).into_iter().map(|(id, _)| id).collect();
		assert_eq!(ids, vec![OTHER_LINK, LINK]);
		assert_ok!(ShareLinks::revoke(RuntimeOrigin::signed(PATIENT), OTHER_LINK));
		assert!(ShareLinks::link(OTHER_LINK).is_none());
		assert_eq!(ShareLinks::patient_links(PATIENT).len(), 1);
	});
}
