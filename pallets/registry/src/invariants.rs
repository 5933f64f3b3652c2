//! The invariants `try_state` checks (see the module docs).

use crate::*;
use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use medchain_primitives::VerificationStatus;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants (see the module docs). Always compiled: the runtime
	/// fuzzer checks them after every block.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let reason: T::RuntimeHoldReason = HoldReason::Registration.into();
		for (who, info) in Accounts::<T>::iter() {
			let practitioner = Practitioners::<T>::get(&who);
			ensure!(
				info.role.is_practitioner() == practitioner.is_some(),
				"an account's role and its practitioner entry disagree"
			);
			ensure!(
				T::Currency::balance_on_hold(&reason, &who) == info.deposit,
				"an account's recorded deposit differs from its held balance"
			);
			if RevokedAccounts::<T>::contains_key(&who) {
				ensure!(
					practitioner.is_some_and(|p| p.status == VerificationStatus::Revoked),
					"a registered revoked account is not a revoked practitioner"
				);
			}
		}
		// A former practitioner may come back as a patient and keep its standing until it
		// applies again; applying takes it.
		for (who, _) in PastStanding::<T>::iter() {
			ensure!(
				!Accounts::<T>::get(&who).is_some_and(|a| a.role.is_practitioner()),
				"a registered practitioner still has a past standing"
			);
		}
		for (who, info) in Practitioners::<T>::iter() {
			ensure!(
				Accounts::<T>::get(&who).is_some_and(|a| a.role.is_practitioner()),
				"a practitioner entry without a practitioner account"
			);
			if info.status == VerificationStatus::Revoked {
				ensure!(
					RevokedAccounts::<T>::contains_key(&who),
					"a revoked practitioner is not remembered as revoked"
				);
			}
		}
		for who in RegisteredAt::<T>::iter_keys() {
			ensure!(
				Accounts::<T>::contains_key(&who),
				"a registration block kept for an account that left"
			);
		}
		let verifiers = Verifiers::<T>::iter_keys().count() as u32;
		ensure!(verifiers == Verifiers::<T>::count(), "the verifier counter is wrong");
		ensure!(verifiers <= T::MaxVerifiers::get(), "more verifiers than MaxVerifiers");
		Ok(())
	}
}
