//! Benchmarks of the share links pallet, each call in its worst case.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	weights::Weight,
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use medchain_primitives::{LinkId, Role, RoleRegistry, SEALED_NAME_LEN};
use sp_runtime::traits::Saturating;

const LINK: LinkId = [7; 32];

/// A registered patient able to pay many deposits, and a host.
fn setup<T: Config>() -> (T::AccountId, T::AccountId) {
	let patient: T::AccountId = account("patient", 0, 0);
	let host: T::AccountId = account("host", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	let amount = <T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance()
		.saturating_add(T::LinkDeposit::get().saturating_mul(1_000u32.into()));
	T::Currency::set_balance(&patient, amount);
	(patient, host)
}

fn expiry<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(T::MaxLinkDuration::get())
}

/// A live link of the patient with the longest description, `uses` uses and a passcode.
fn live_link<T: Config>(patient: &T::AccountId, host: &T::AccountId, uses: u32) {
	let sealed = BoundedVec::truncate_from(alloc::vec![1u8; T::MaxSealedLen::get() as usize]);
	Pallet::<T>::create(
		RawOrigin::Signed(patient.clone()).into(),
		LINK,
		host.clone(),
		expiry::<T>(),
		uses,
		true,
		sealed,
	)
	.expect("link is valid");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Creating a link with a sealed description of `s` bytes.
	#[benchmark]
	fn create(s: Linear<0, { T::MaxSealedLen::get() }>) {
		let (patient, host) = setup::<T>();
		let sealed = BoundedVec::truncate_from(alloc::vec![1u8; s as usize]);
		let expires_at = expiry::<T>();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			LINK,
			host,
			expires_at,
			T::MaxUses::get(),
			true,
			sealed,
		);

		assert!(Links::<T>::contains_key(LINK));
	}

	#[benchmark]
	fn revoke() {
		let (patient, host) = setup::<T>();
		live_link::<T>(&patient, &host, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient), LINK);

		assert!(!Links::<T>::contains_key(LINK));
	}

	/// The worst case: the last use, which also ends the link.
	#[benchmark]
	fn record_opening() {
		let (patient, host) = setup::<T>();
		live_link::<T>(&patient, &host, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(host), LINK, [3u8; SEALED_NAME_LEN]);

		assert!(!Links::<T>::contains_key(LINK));
	}

	/// The worst case: the last attempt, which locks the link.
	#[benchmark]
	fn record_failure() {
		let (patient, host) = setup::<T>();
		live_link::<T>(&patient, &host, 1);
		Links::<T>::mutate(LINK, |link| {
			if let Some(link) = link {
				link.attempts_left = 1;
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(host), LINK, [3u8; SEALED_NAME_LEN]);

		assert!(!Links::<T>::contains_key(LINK));
	}

	/// The sweep ending one expired link.
	#[benchmark]
	fn expire_link() {
		let (patient, host) = setup::<T>();
		live_link::<T>(&patient, &host, 1);
		let expires_at = expiry::<T>();
		SweepCursor::<T>::put(expires_at);
		frame_system::Pallet::<T>::set_block_number(expires_at);

		#[block]
		{
			Pallet::<T>::sweep(expires_at, Weight::MAX);
		}

		assert!(!Links::<T>::contains_key(LINK));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
