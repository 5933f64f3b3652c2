//! What registering asks of an account: that it may register, valid CIDs and details, and the
//! deposit it holds while registered.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::Precision,
	},
};
use medchain_primitives::{validate_cid, CidBytes};

impl<T: Config> Pallet<T> {
	/// Fails unless `who` may register now.
	pub(crate) fn ensure_can_register(who: &T::AccountId) -> DispatchResult {
		ensure!(!Accounts::<T>::contains_key(who), Error::<T>::AlreadyRegistered);
		ensure!(!RevokedAccounts::<T>::contains_key(who), Error::<T>::AccountRevoked);
		Ok(())
	}

	/// Fails unless `profile` is absent or a CID MedChain accepts.
	pub(crate) fn check_profile(profile: &Option<CidBytes>) -> DispatchResult {
		if let Some(cid) = profile {
			validate_cid(cid).map_err(|_| Error::<T>::InvalidCid)?;
		}
		Ok(())
	}

	/// Fails unless `credentials` is a CID MedChain accepts and `details` names the
	/// practitioner and its licence.
	pub(crate) fn check_application(
		credentials: &CidBytes,
		details: &DetailsOf<T>,
	) -> DispatchResult {
		validate_cid(credentials).map_err(|_| Error::<T>::InvalidCid)?;
		ensure!(!details.name.is_empty(), Error::<T>::EmptyName);
		ensure!(!details.licence.is_empty(), Error::<T>::EmptyLicence);
		Ok(())
	}

	/// Holds `amount` of `who`'s balance for its registration.
	pub(crate) fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let reason: T::RuntimeHoldReason = HoldReason::Registration.into();
		ensure!(T::Currency::can_hold(&reason, who, amount), Error::<T>::InsufficientBalance);
		T::Currency::hold(&reason, who, amount)
	}

	/// Releases (up to) `amount` held for `who`'s registration; returns what was released.
	pub(crate) fn release_deposit(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if amount.is_zero() {
			return Ok(amount);
		}
		let reason: T::RuntimeHoldReason = HoldReason::Registration.into();
		T::Currency::release(&reason, who, amount, Precision::BestEffort)
	}
}
