//! Benchmarks of the consent pallet, each call in its worst case.
//!
//! Every signed call's signer is whitelisted: the transaction extensions already read and wrote
//! that account in the same extrinsic, and are charged for it, so the call's access to it hits
//! the block's overlay.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::weights::Weight;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use medchain_primitives::{
	Envelope, GrantId, RecordId, RecordIndex, RecordKind, RequestId, Role, RoleRegistry, Scope,
	MAX_LISTED_RECORDS,
};
use sp_runtime::traits::Saturating;

/// Gives `who` enough to pay every deposit a benchmark takes.
fn fund<T: Config>(who: &T::AccountId) {
	let deposits = T::GrantDeposit::get()
		.saturating_add(T::RequestDeposit::get())
		.saturating_add(T::RequestFee::get());
	let amount = <T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance()
		.saturating_add(deposits.saturating_mul(1_000u32.into()));
	T::Currency::set_balance(who, amount);
}

/// A registered patient, a verified doctor (both funded), and `n` reports of the patient.
fn setup<T: Config>(n: u32) -> (T::AccountId, T::AccountId, Vec<RecordId>) {
	let patient: T::AccountId = account("patient", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	T::Registry::register_for_benchmarks(&doctor, Role::Doctor);
	fund::<T>(&patient);
	fund::<T>(&doctor);
	let records = (0..n)
		.map(|_| T::Records::create_for_benchmarks(&patient, &doctor, RecordKind::Report))
		.collect();
	(patient, doctor, records)
}

fn envelopes<T: Config>(records: &[RecordId]) -> BoundedVec<(RecordId, Envelope), T::MaxEnvelopes> {
	BoundedVec::truncate_from(records.iter().map(|r| (*r, [7u8; 80])).collect())
}

fn in_a_while<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(T::MaxGrantDuration::get())
}

/// A request from the doctor for the patient's reports.
fn pending_request<T: Config>(patient: &T::AccountId, doctor: &T::AccountId) -> RequestId {
	let id = NextRequestId::<T>::get();
	Pallet::<T>::request_access(
		RawOrigin::Signed(doctor.clone()).into(),
		patient.clone(),
		Scope::Reports,
		BoundedVec::new(),
		1u32.into(),
	)
	.expect("request is valid");
	id
}

/// A grant from the patient to the doctor over the patient's reports, with envelopes.
fn live_grant<T: Config>(
	patient: &T::AccountId,
	doctor: &T::AccountId,
	records: &[RecordId],
) -> GrantId {
	let id = NextGrantId::<T>::get();
	Pallet::<T>::grant_access(
		RawOrigin::Signed(patient.clone()).into(),
		doctor.clone(),
		Scope::Reports,
		in_a_while::<T>(),
		Some(10),
		envelopes::<T>(records),
	)
	.expect("grant is valid");
	id
}

/// Fills the pair's grants up to one below `MaxGrantsPerPair`, so that the benchmarked call
/// checks against a full index.
fn decoy_grants<T: Config>(patient: &T::AccountId, doctor: &T::AccountId) {
	for _ in 1..T::MaxGrantsPerPair::get() {
		Pallet::<T>::grant_access(
			RawOrigin::Signed(patient.clone()).into(),
			doctor.clone(),
			Scope::Profile,
			in_a_while::<T>(),
			None,
			BoundedVec::new(),
		)
		.expect("decoy grant is valid");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A request for the patient's reports with a purpose of `p` bytes. A scope listing
	/// records adds [`check_listed`](Self::check_listed) on top.
	#[benchmark]
	fn request_access(p: Linear<0, { T::MaxPurposeLen::get() }>) {
		let (patient, doctor, _) = setup::<T>(0);
		let scope = Scope::Reports;
		let purpose = BoundedVec::truncate_from(alloc::vec![1u8; p as usize]);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), patient.clone(), scope, purpose, 1u32.into());

		assert_eq!(PendingCount::<T>::get(&patient), 1);
	}

	#[benchmark]
	fn cancel_request() {
		let (patient, doctor, _) = setup::<T>(0);
		let id = pending_request::<T>(&patient, &doctor);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), id);

		assert_eq!(PendingCount::<T>::get(&patient), 0);
	}

	/// A denied request with the longest reason, cleared.
	#[benchmark]
	fn clear_request() {
		let (patient, doctor, _) = setup::<T>(0);
		let id = pending_request::<T>(&patient, &doctor);
		let reason = BoundedVec::truncate_from(alloc::vec![1u8; T::MaxReasonLen::get() as usize]);
		Pallet::<T>::deny(RawOrigin::Signed(patient).into(), id, reason).expect("pending");

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), id);

		assert!(!Requests::<T>::contains_key(id));
	}

	#[benchmark]
	fn grant(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		decoy_grants::<T>(&patient, &doctor);
		let id = pending_request::<T>(&patient, &doctor);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			id,
			in_a_while::<T>(),
			Some(10),
			None,
			envelopes::<T>(&records),
		);

		assert_eq!(GrantCount::<T>::get(&patient), T::MaxGrantsPerPair::get());
	}

	#[benchmark]
	fn deny(r: Linear<0, { T::MaxReasonLen::get() }>) {
		let (patient, doctor, _) = setup::<T>(0);
		let id = pending_request::<T>(&patient, &doctor);
		let reason = BoundedVec::truncate_from(alloc::vec![1u8; r as usize]);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient), id, reason);

		assert!(DenialReasons::<T>::contains_key(id));
	}

	/// A direct grant of the patient's reports with `e` envelopes, against a full pair index.
	/// A scope listing records adds [`check_listed`](Self::check_listed) on top.
	#[benchmark]
	fn grant_access(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		decoy_grants::<T>(&patient, &doctor);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			doctor,
			Scope::Reports,
			in_a_while::<T>(),
			Some(10),
			envelopes::<T>(&records),
		);

		assert_eq!(GrantCount::<T>::get(&patient), T::MaxGrantsPerPair::get());
	}

	/// Checking a scope that lists `r` records: each must exist, be the patient's and be
	/// distinct.
	#[benchmark]
	fn check_listed(r: Linear<1, MAX_LISTED_RECORDS>) {
		let (patient, _, records) = setup::<T>(r);
		let scope = Scope::Records(BoundedVec::truncate_from(records));

		#[block]
		{
			Pallet::<T>::ensure_scope_valid(&patient, &scope).expect("records are the patient's");
		}
	}

	#[benchmark]
	fn revoke(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = live_grant::<T>(&patient, &doctor, &records);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), id);

		assert_eq!(GrantCount::<T>::get(&patient), 0);
	}

	#[benchmark]
	fn renounce(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = live_grant::<T>(&patient, &doctor, &records);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), id);

		assert_eq!(GrantCount::<T>::get(&patient), 0);
	}

	#[benchmark]
	fn emergency_access(j: Linear<1, { T::MaxReasonLen::get() }>) {
		let (patient, doctor, _) = setup::<T>(0);
		decoy_grants::<T>(&patient, &doctor);
		let justification = BoundedVec::truncate_from(alloc::vec![1u8; j as usize]);

		whitelist_account!(doctor);
		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), patient, justification);

		assert!(LastEmergency::<T>::contains_key(&doctor));
	}

	#[benchmark]
	fn add_envelopes(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = live_grant::<T>(&patient, &doctor, &[]);

		whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient), id, envelopes::<T>(&records));

		assert_eq!(Grants::<T>::get(id).map(|g| g.envelopes.len() as u32), Some(e));
	}

	/// The sweep ending one expired grant that carries the most envelopes.
	#[benchmark]
	fn expire_grant() {
		let (patient, doctor, records) = setup::<T>(T::MaxEnvelopes::get());
		let id = live_grant::<T>(&patient, &doctor, &records);
		let expires_at = Grants::<T>::get(id).expect("live").expires_at;
		SweepCursor::<T>::put(expires_at);
		frame_system::Pallet::<T>::set_block_number(expires_at);

		#[block]
		{
			Pallet::<T>::sweep(expires_at, Weight::MAX);
		}

		assert!(!Grants::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
