//! `try_state`: the invariants the module docs list. Always compiled: the runtime fuzzer
//! checks them after every block.

use alloc::collections::BTreeMap;
use frame_support::{ensure, pallet_prelude::Get, traits::fungible::InspectHold};
use sp_runtime::{traits::Saturating, TryRuntimeError};

use crate::pallet::*;

impl<T: Config> Pallet<T> {
	/// Checks the invariants listed in the module docs.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let epoch = match CurrentCommittee::<T>::get() {
			Some(committee) => {
				let n = committee.size();
				ensure!(n >= 1, "a committee without members");
				ensure!(
					committee.threshold >= 1 && committee.threshold <= n,
					"committee threshold outside 1..=n"
				);
				if let Some(key) = &committee.key {
					ensure!(
						key.verifying.len() == n as usize,
						"verifying shares are not one per member"
					);
				}
				ensure!(
					Round1::<T>::iter_keys().all(|i| (1..=n).contains(&i)),
					"round 1 of a non-member"
				);
				ensure!(
					Round2::<T>::iter_keys()
						.all(|(a, b)| (1..=n).contains(&a) && (1..=n).contains(&b) && a != b),
					"round 2 between non-members or to oneself"
				);
				ensure!(
					Confirmations::<T>::iter_keys().all(|i| (1..=n).contains(&i)),
					"confirmation of a non-member"
				);
				Some(committee.epoch)
			}
			None => None,
		};
		let mut summaries = BTreeMap::<T::AccountId, (u32, BalanceOf<T>)>::new();
		for (_, lock) in Locks::<T>::iter() {
			ensure!(epoch.is_some_and(|e| lock.epoch <= e), "a lock of a future or absent epoch");
			if let Some((_, deposit)) = lock.emergency {
				let entry = summaries.entry(lock.patient).or_default();
				entry.0 += 1;
				entry.1 = entry.1.saturating_add(deposit);
			}
		}
		for (patient, count) in SummaryCount::<T>::iter() {
			let (found, _) = summaries.get(&patient).copied().unwrap_or_default();
			ensure!(count == found && count > 0, "summary count differs from summary records");
			ensure!(count <= T::MaxSummary::get(), "summary above MaxSummary");
		}
		for (patient, (count, deposits)) in &summaries {
			ensure!(SummaryCount::<T>::get(patient) == *count, "summary records without a count");
			let held = T::Currency::balance_on_hold(&HoldReason::EmergencySummary.into(), patient);
			ensure!(held == *deposits, "summary hold differs from its deposits");
		}
		let cursor = SweepCursor::<T>::get();
		for (block, (record, _)) in Reads::<T>::iter_keys() {
			ensure!(block >= cursor, "a read entry behind the sweep's cursor");
			ensure!(Locks::<T>::contains_key(record), "a read entry of an unlocked record");
		}
		Ok(())
	}
}
