//! Ending links, by hand or by the sweep.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{AuditAction, AuditLog, LinkId};
use sp_runtime::traits::{One, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Removes `link` and its indexes, releases its deposit, and logs why it ended.
	pub(crate) fn end_link(link: LinkId, stored: Link<T>, reason: EndReason) {
		Links::<T>::remove(link);
		PatientLinks::<T>::remove(&stored.patient, link);
		LinkCount::<T>::mutate_exists(&stored.patient, |count| {
			*count = count.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
		});
		Expiries::<T>::remove(stored.expires_at, link);
		if !stored.deposit.is_zero() {
			let hold: T::RuntimeHoldReason = HoldReason::Link.into();
			// Best effort: what was held is exactly what is released (checked by try_state).
			let _ =
				T::Currency::release(&hold, &stored.patient, stored.deposit, Precision::BestEffort);
		}
		// Expiry and a lock are nobody's act: logged under the patient whose terms ended it.
		let (actor, action) = match reason {
			EndReason::Revoked => (&stored.patient, AuditAction::LinkRevoked { link }),
			EndReason::Expired => (&stored.patient, AuditAction::LinkExpired { link }),
			EndReason::UsedUp => (&stored.host, AuditAction::LinkUsedUp { link }),
			EndReason::Locked => (&stored.host, AuditAction::LinkLocked { link }),
		};
		T::Audit::log(&stored.patient, actor, action);
		Self::deposit_event(Event::LinkEnded { link, patient: stored.patient, reason });
	}

	/// Ends expired links, oldest expiry block first, while `remaining` weight allows, and
	/// remembers where it stopped. Returns the weight used.
	pub(crate) fn sweep(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		// Reading and writing the cursor.
		let mut used = db.reads_writes(1, 1);
		let per_link = T::WeightInfo::expire_link();
		let per_block = db.reads(1);
		if remaining.any_lt(used.saturating_add(per_link)) {
			return Weight::zero();
		}
		let start = SweepCursor::<T>::get();
		let mut block = start;
		// A link expiring at `now` no longer opens at `now`, so `now` itself is swept.
		while block <= now && used.saturating_add(per_link).all_lte(remaining) {
			match Expiries::<T>::iter_key_prefix(block).next() {
				Some(link) => {
					Expiries::<T>::remove(block, link);
					if let Some(stored) = Links::<T>::get(link) {
						Self::end_link(link, stored, EndReason::Expired);
					}
					used.saturating_accrue(per_link);
				}
				None => {
					block = block.saturating_add(One::one());
					used.saturating_accrue(per_block);
				}
			}
		}
		if block != start {
			SweepCursor::<T>::put(block);
		}
		used
	}
}
