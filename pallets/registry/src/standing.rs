//! A practitioner's standing: whether its verification holds now, and verifiers' decisions on it.

use crate::*;
use frame_support::pallet_prelude::*;
use medchain_primitives::VerificationStatus;

impl<T: Config> Pallet<T> {
	/// Whether `who` is a practitioner whose verification holds at the current block.
	pub fn verified_now(who: &T::AccountId) -> bool {
		match Practitioners::<T>::get(who).map(|info| info.status) {
			Some(VerificationStatus::Verified { until }) => {
				let now = frame_system::Pallet::<T>::block_number();
				until.is_none_or(|until| until > now)
			}
			_ => false,
		}
	}

	/// The error for `who` lacking a practitioner entry.
	pub(crate) fn not_a_practitioner(who: &T::AccountId) -> Error<T> {
		if Accounts::<T>::contains_key(who) {
			Error::<T>::NotAPractitioner
		} else {
			Error::<T>::NotRegistered
		}
	}

	/// A verifier's decision on `who`: moves it to `new_status` if `allowed` accepts its
	/// current status, and records the decision.
	pub(crate) fn decide(
		verifier: T::AccountId,
		who: &T::AccountId,
		reason: ReasonOf<T>,
		allowed: impl FnOnce(&StatusOf<T>) -> bool,
		new_status: StatusOf<T>,
	) -> DispatchResult {
		ensure!(&verifier != who, Error::<T>::SelfDecision);
		Practitioners::<T>::try_mutate(who, |maybe_info| -> DispatchResult {
			let info = match maybe_info.as_mut() {
				Some(info) => info,
				None => return Err(Self::not_a_practitioner(who).into()),
			};
			ensure!(allowed(&info.status), Error::<T>::InvalidTransition);
			info.status = new_status;
			info.last_decision =
				Some(Decision { verifier, at: frame_system::Pallet::<T>::block_number(), reason });
			Ok(())
		})
	}
}
