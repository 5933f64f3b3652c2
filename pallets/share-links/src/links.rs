//! Ending links, by hand or by the sweep.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{AuditAction, AuditLog, LinkId};
use sp_runtime::traits::Zero;

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
		let (used, moved) = medchain_primitives::sweep_expired(
			now,
			remaining,
			T::DbWeight::get(),
			T::WeightInfo::expire_link(),
			SweepCursor::<T>::get,
			|block| Expiries::<T>::iter_key_prefix(block).next(),
			|block, link| {
				Expiries::<T>::remove(block, link);
				if let Some(stored) = Links::<T>::get(link) {
					Self::end_link(link, stored, EndReason::Expired);
				}
			},
		);
		if let Some(cursor) = moved {
			SweepCursor::<T>::put(cursor);
		}
		used
	}
}
