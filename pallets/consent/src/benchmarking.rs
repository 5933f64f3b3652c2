//! Benchmarks of the consent pallet, each call in its worst case.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use medchain_primitives::{
	Envelope, GrantId, RecordId, RecordIndex, RecordKind, RequestId, Role, RoleRegistry, Scope,
	MAX_LISTED_RECORDS,
};
use sp_runtime::traits::Saturating;

/// A registered patient, a verified doctor, and `n` reports of the patient.
fn setup<T: Config>(n: u32) -> (T::AccountId, T::AccountId, Vec<RecordId>) {
	let patient: T::AccountId = account("patient", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	T::Registry::register_for_benchmarks(&doctor, Role::Doctor);
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

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A request listing the most records, each checked against the records pallet.
	#[benchmark]
	fn request_access(p: Linear<0, { T::MaxPurposeLen::get() }>) {
		let (patient, doctor, records) = setup::<T>(MAX_LISTED_RECORDS);
		let scope = Scope::Records(BoundedVec::truncate_from(records));
		let purpose = BoundedVec::truncate_from(alloc::vec![1u8; p as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), patient.clone(), scope, purpose, 1u32.into());

		assert_eq!(PendingCount::<T>::get(&patient), 1);
	}

	#[benchmark]
	fn cancel_request() {
		let (patient, doctor, _) = setup::<T>(0);
		let id = pending_request::<T>(&patient, &doctor);

		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), id);

		assert_eq!(PendingCount::<T>::get(&patient), 0);
	}

	#[benchmark]
	fn grant(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = pending_request::<T>(&patient, &doctor);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			id,
			in_a_while::<T>(),
			Some(10),
			envelopes::<T>(&records),
		);

		assert_eq!(GrantCount::<T>::get(&patient), 1);
	}

	#[benchmark]
	fn deny(r: Linear<0, { T::MaxReasonLen::get() }>) {
		let (patient, doctor, _) = setup::<T>(0);
		let id = pending_request::<T>(&patient, &doctor);
		let reason = BoundedVec::truncate_from(alloc::vec![1u8; r as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient), id, reason);

		assert!(DenialReasons::<T>::contains_key(id));
	}

	#[benchmark]
	fn grant_access(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			doctor,
			Scope::Reports,
			in_a_while::<T>(),
			Some(10),
			envelopes::<T>(&records),
		);

		assert_eq!(GrantCount::<T>::get(&patient), 1);
	}

	#[benchmark]
	fn revoke(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = live_grant::<T>(&patient, &doctor, &records);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), id);

		assert_eq!(GrantCount::<T>::get(&patient), 0);
	}

	#[benchmark]
	fn emergency_access(j: Linear<1, { T::MaxReasonLen::get() }>) {
		let (patient, doctor, _) = setup::<T>(0);
		let justification = BoundedVec::truncate_from(alloc::vec![1u8; j as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(doctor.clone()), patient, justification);

		assert!(LastEmergency::<T>::contains_key(&doctor));
	}

	#[benchmark]
	fn add_envelopes(e: Linear<0, { T::MaxEnvelopes::get() }>) {
		let (patient, doctor, records) = setup::<T>(e);
		let id = live_grant::<T>(&patient, &doctor, &[]);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient), id, envelopes::<T>(&records));

		assert_eq!(Grants::<T>::get(id).map(|g| g.envelopes.len() as u32), Some(e));
	}

	/// `g` grants, each with the most envelopes, expiring in the same block.
	#[benchmark]
	fn expire_grants(g: Linear<0, { T::MaxExpiriesPerBlock::get() }>) {
		let (_, doctor, _) = setup::<T>(0);
		let expires_at = in_a_while::<T>();
		for i in 0..g {
			let patient: T::AccountId = account("patient", i + 1, 0);
			T::Registry::register_for_benchmarks(&patient, Role::Patient);
			let records: Vec<RecordId> = (0..T::MaxEnvelopes::get())
				.map(|_| T::Records::create_for_benchmarks(&patient, &doctor, RecordKind::Report))
				.collect();
			Pallet::<T>::grant_access(
				RawOrigin::Signed(patient).into(),
				doctor.clone(),
				Scope::Reports,
				expires_at,
				None,
				envelopes::<T>(&records),
			)
			.expect("grant is valid");
		}
		frame_system::Pallet::<T>::set_block_number(expires_at);

		#[block]
		{
			Pallet::<T>::on_initialize(expires_at);
		}

		assert_eq!(Grants::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
