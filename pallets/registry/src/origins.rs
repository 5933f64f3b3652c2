//! The origin that decides on practitioners in the runtime: a signed verifier.

use crate::*;
use frame_support::pallet_prelude::*;
use frame_system::RawOrigin;

/// An [`EnsureOrigin`] that succeeds, with the account, for a signed origin of a verifier.
pub struct EnsureVerifier<T>(PhantomData<T>);

impl<T: Config> EnsureOrigin<T::RuntimeOrigin> for EnsureVerifier<T> {
	type Success = T::AccountId;

	fn try_origin(o: T::RuntimeOrigin) -> Result<T::AccountId, T::RuntimeOrigin> {
		match o.as_system_ref() {
			Some(RawOrigin::Signed(who)) if Verifiers::<T>::contains_key(who) => Ok(who.clone()),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<T::RuntimeOrigin, ()> {
		let who: T::AccountId = frame_benchmarking::account("verifier", 0, 0);
		Verifiers::<T>::insert(&who, ());
		Ok(T::RuntimeOrigin::signed(who))
	}
}
