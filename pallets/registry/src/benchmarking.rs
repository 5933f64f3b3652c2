//! Benchmarks for the registry pallet: every call in its worst case.

use super::*;
use crate::Pallet as Registry;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect as FunInspect, Mutate as FunMutate},
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use medchain_primitives::{CidBytes, Role, VerificationStatus};
use sp_runtime::traits::Saturating;

/// The longest CID `validate_cid` accepts: CIDv1, dag-pb, blake2b-256 (a 3-byte multihash code).
fn longest_cid(seed: u8) -> CidBytes {
	let mut bytes = vec![0x01, 0x70, 0xa0, 0xe4, 0x02, 0x20];
	bytes.extend_from_slice(&[seed; 32]);
	CidBytes::truncate_from(bytes)
}

/// Details with a name of `n`, a specialization of `s` and a licence of `l` bytes.
fn details<T: Config>(n: u32, s: u32, l: u32) -> DetailsOf<T> {
	PractitionerDetails {
		name: BoundedVec::truncate_from(vec![b'n'; n as usize]),
		specialization: BoundedVec::truncate_from(vec![b's'; s as usize]),
		licence: BoundedVec::truncate_from(vec![b'l'; l as usize]),
	}
}

/// The longest details the runtime allows.
fn longest_details<T: Config>() -> DetailsOf<T> {
	details::<T>(T::MaxNameLen::get(), T::MaxSpecializationLen::get(), T::MaxLicenceLen::get())
}

/// A reason of `r` bytes.
fn reason<T: Config>(r: u32) -> ReasonOf<T> {
	BoundedVec::truncate_from(vec![b'r'; r as usize])
}

/// Gives `who` enough to hold any registration deposit.
fn fund<T: Config>(who: &T::AccountId) {
	let deposit = T::PatientDeposit::get().max(T::PractitionerDeposit::get());
	let amount =
		deposit.saturating_add(T::Currency::minimum_balance()).saturating_mul(10u32.into());
	T::Currency::set_balance(who, amount);
}

/// A funded practitioner that applied with the longest details; it is pending.
fn applicant<T: Config>(index: u32) -> T::AccountId {
	let who: T::AccountId = account("practitioner", index, 0);
	fund::<T>(&who);
	Registry::<T>::apply(
		RawOrigin::Signed(who.clone()).into(),
		Role::Doctor,
		[2u8; 32],
		Some(longest_cid(1)),
		longest_cid(2),
		longest_details::<T>(),
	)
	.expect("a funded, unregistered account can apply");
	who
}

/// A verifier's decision with the longest reason.
fn longest_decision<T: Config>() -> Decision<T> {
	Decision {
		verifier: account("verifier", 0, 0),
		at: frame_system::Pallet::<T>::block_number(),
		reason: BoundedVec::truncate_from(alloc::vec![b'r'; T::MaxReasonLen::get() as usize]),
	}
}

/// Sets the status of the practitioner `who` directly.
fn set_status<T: Config>(who: &T::AccountId, status: StatusOf<T>) {
	Practitioners::<T>::mutate(who, |info| {
		if let Some(info) = info {
			info.status = status;
		}
	});
}

fn status<T: Config>(who: &T::AccountId) -> Option<StatusOf<T>> {
	Practitioners::<T>::get(who).map(|info| info.status)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_patient() {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), [7u8; 32], Some(longest_cid(3)));

		assert_eq!(Accounts::<T>::get(&caller).map(|info| info.role), Some(Role::Patient));
	}

	#[benchmark]
	fn apply(
		n: Linear<1, { T::MaxNameLen::get() }>,
		s: Linear<0, { T::MaxSpecializationLen::get() }>,
		l: Linear<1, { T::MaxLicenceLen::get() }>,
	) {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		// Coming back: the past standing is read and given back.
		PastStanding::<T>::insert(
			&caller,
			(VerificationStatus::Rejected, Some(longest_decision::<T>())),
		);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			Role::Doctor,
			[7u8; 32],
			Some(longest_cid(3)),
			longest_cid(4),
			details::<T>(n, s, l),
		);

		assert_eq!(status::<T>(&caller), Some(VerificationStatus::Pending));
	}

	#[benchmark]
	fn update_credentials(
		n: Linear<1, { T::MaxNameLen::get() }>,
		s: Linear<0, { T::MaxSpecializationLen::get() }>,
		l: Linear<1, { T::MaxLicenceLen::get() }>,
	) {
		let who = applicant::<T>(0);
		set_status::<T>(&who, VerificationStatus::Verified { until: None });

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), longest_cid(5), details::<T>(n, s, l));

		assert_eq!(status::<T>(&who), Some(VerificationStatus::Pending));
	}

	#[benchmark]
	fn update_keys() {
		let who = applicant::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), [9u8; 32], Some(longest_cid(6)));

		assert_eq!(Accounts::<T>::get(&who).map(|info| info.encryption_key), Some([9u8; 32]));
	}

	#[benchmark]
	/// A suspended practitioner with the longest decision reason: its standing is kept.
	fn deregister() {
		let who = applicant::<T>(0);
		set_status::<T>(&who, VerificationStatus::Suspended);
		Practitioners::<T>::mutate(&who, |info| {
			if let Some(info) = info {
				info.last_decision = Some(longest_decision::<T>());
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Accounts::<T>::get(&who).is_none());
		assert!(Practitioners::<T>::get(&who).is_none());
		assert!(PastStanding::<T>::contains_key(&who));
	}

	// Named apart from the call: the benchmark macro reserves `verify` for its own use.
	#[benchmark]
	fn verify_practitioner() -> Result<(), BenchmarkError> {
		let origin =
			T::VerifierOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = applicant::<T>(0);
		let until: BlockNumberFor<T> =
			frame_system::Pallet::<T>::block_number().saturating_add(100u32.into());

		#[extrinsic_call]
		verify(origin as T::RuntimeOrigin, who.clone(), Some(until));

		assert_eq!(status::<T>(&who), Some(VerificationStatus::Verified { until: Some(until) }));
		Ok(())
	}

	#[benchmark]
	fn reject(r: Linear<0, { T::MaxReasonLen::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::VerifierOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = applicant::<T>(0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), reason::<T>(r));

		assert_eq!(status::<T>(&who), Some(VerificationStatus::Rejected));
		Ok(())
	}

	#[benchmark]
	fn suspend(r: Linear<0, { T::MaxReasonLen::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::VerifierOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = applicant::<T>(0);
		set_status::<T>(&who, VerificationStatus::Verified { until: None });

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), reason::<T>(r));

		assert_eq!(status::<T>(&who), Some(VerificationStatus::Suspended));
		Ok(())
	}

	#[benchmark]
	fn revoke(r: Linear<0, { T::MaxReasonLen::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::VerifierOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = applicant::<T>(0);
		set_status::<T>(&who, VerificationStatus::Verified { until: None });

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), reason::<T>(r));

		assert_eq!(status::<T>(&who), Some(VerificationStatus::Revoked));
		assert!(RevokedAccounts::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn add_verifier() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		// Room for one more verifier.
		let existing: Vec<T::AccountId> = Verifiers::<T>::iter_keys().collect();
		if existing.len() as u32 >= T::MaxVerifiers::get() {
			if let Some(first) = existing.first() {
				Verifiers::<T>::remove(first);
			}
		}
		let who: T::AccountId = account("new_verifier", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Verifiers::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_verifier() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("old_verifier", 0, 0);
		Verifiers::<T>::insert(&who, ());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Verifiers::<T>::contains_key(&who));
		Ok(())
	}

	impl_benchmark_test_suite!(Registry, crate::mock::new_test_ext(), crate::mock::Test);
}
