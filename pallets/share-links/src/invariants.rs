//! The invariants `try_state` checks (see the module docs). Each compares two independent
//! pieces of state, so a bug in either makes it fail.

use crate::*;
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use sp_runtime::{Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks every invariant listed in the module docs.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut counted: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut links = 0u32;
		for (id, link) in Links::<T>::iter() {
			links.saturating_inc();
			ensure!(
				PatientLinks::<T>::contains_key(&link.patient, id),
				"link missing from its patient's index"
			);
			ensure!(
				Expiries::<T>::contains_key(link.expires_at, id),
				"link missing from the expiry index"
			);
			ensure!(link.uses_left > 0, "a live link without uses left");
			ensure!(link.uses_left <= T::MaxUses::get(), "more uses left than MaxUses");
			ensure!(
				link.passcode == (link.attempts_left > 0),
				"attempts left must be positive exactly when a passcode guards the link"
			);
			*counted.entry(link.patient.clone()).or_default() += 1;
			let paid = deposits.entry(link.patient.clone()).or_default();
			*paid = paid.saturating_add(link.deposit);
		}
		ensure!(
			PatientLinks::<T>::iter().count() as u32 == links,
			"patient index entries without a link"
		);
		ensure!(Expiries::<T>::iter().count() as u32 == links, "expiry entries without a link");
		for (who, count) in LinkCount::<T>::iter() {
			ensure!(counted.remove(&who) == Some(count), "link counter disagrees with the links");
			ensure!(count <= T::MaxLinksPerPatient::get(), "link counter above its maximum");
		}
		ensure!(counted.is_empty(), "links without a counter");
		let reason: T::RuntimeHoldReason = HoldReason::Link.into();
		for (who, amount) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&reason, &who) == amount,
				"deposit held differs from the links' deposits"
			);
		}
		Ok(())
	}
}
