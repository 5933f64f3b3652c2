//! What the other pallets ask of consent: the grants that let a reader read or an author write
//! ([`AccessControl`]), the patient's audit trail ([`AuditLog`]), and whether an account may
//! leave the registry ([`Commitments`]).

use crate::*;
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use medchain_primitives::{
	AccessControl, AuditAction, AuditLog, Commitments, Consumed, GrantId, PairGrant, PairGrants,
	RecordId, Scope,
};

impl<T: Config> AccessControl<T::AccountId> for Pallet<T> {
	fn write_grant(who: &T::AccountId, patient: &T::AccountId) -> Option<GrantId> {
		Self::find_grant(who, patient, |g| g.scope == Scope::Write)
	}

	/// The pair's effective grants, expiring first: the order in which a lookup prefers them.
	fn pair_grants(reader: &T::AccountId, patient: &T::AccountId) -> PairGrants {
		let mut effective = Vec::new();
		let read = Self::scan_effective(reader, patient, |id, grant| {
			let pair_grant = PairGrant {
				id,
				scope: grant.scope,
				keys: grant.envelopes.into_inner(),
				uses_left: grant.uses_left,
				emergency: grant.emergency,
			};
			effective.push(((grant.expires_at, id), pair_grant));
		});
		effective.sort_by_key(|(expiry, _)| *expiry);
		PairGrants::new(effective.into_iter().map(|(_, grant)| grant).collect(), read)
	}

	fn max_grants_per_pair() -> u32 {
		T::MaxGrantsPerPair::get()
	}

	fn consume_uses(grant: GrantId, uses: u32) -> Result<Consumed, DispatchError> {
		let mut entry = Grants::<T>::get(grant).ok_or(Error::<T>::UnknownGrant)?;
		match entry.uses_left {
			Some(left) if left <= uses => {
				let envelopes = entry.envelopes.len() as u32;
				Self::end_grant(grant, entry, EndReason::UsedUp);
				return Ok(Consumed::Ended { envelopes });
			}
			Some(left) => {
				entry.uses_left = Some(left - uses);
				Grants::<T>::insert(grant, entry);
			}
			None => {}
		}
		Ok(Consumed::Counted)
	}

	fn grant_live(grant: GrantId) -> bool {
		let now = frame_system::Pallet::<T>::block_number();
		Grants::<T>::get(grant).is_some_and(|g| {
			Self::is_live(&g, now)
				&& <T::Registry as medchain_primitives::RoleRegistry<_>>::is_active(
					&g.grantee, g.role,
				)
		})
	}

	/// `revoke` is measured ending a grant of `envelopes` envelopes, plus finding it for
	/// the patient: an upper bound of the same end reached by its last use.
	fn end_weight(envelopes: u32) -> Weight {
		T::WeightInfo::revoke(envelopes)
	}

	/// The grant's entry, written back with its uses counted.
	fn uses_written_weight() -> Weight {
		T::DbWeight::get().writes(1)
	}

	fn max_end_weight(uses: u32) -> Weight {
		let ends = uses.min(T::MaxGrantsPerPair::get());
		Self::end_weight(T::MaxEnvelopes::get()).saturating_mul(ends.into())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn grant_for_benchmarks(
		patient: &T::AccountId,
		reader: &T::AccountId,
		scope: Scope,
		records: &[RecordId],
		last_use: bool,
		grants: u32,
	) -> GrantId {
		Self::worst_case_grants(patient, reader, scope, records, last_use, grants)
	}
}

impl<T: Config> AuditLog<T::AccountId> for Pallet<T> {
	fn log(patient: &T::AccountId, actor: &T::AccountId, action: AuditAction) {
		Pallet::<T>::log(patient, actor, action)
	}
}

impl<T: Config> Commitments<T::AccountId> for Pallet<T> {
	/// A patient with live grants or requests waiting for an answer, or a practitioner
	/// holding grants it asked for (or opened in an emergency) or waiting for answers,
	/// must revoke, renounce, deny or cancel them before leaving, so that nothing outlives
	/// its owner's registration. Grants given unasked do not keep anyone: a stranger
	/// could push them onto any practitioner. They end when it leaves (`on_leave`).
	fn is_committed(who: &T::AccountId) -> bool {
		GrantCount::<T>::get(who) > 0
			|| EmergencyCount::<T>::get(who) > 0
			|| HeldCount::<T>::get(who) > UnaskedHeld::<T>::get(who)
			|| PendingCount::<T>::get(who) > 0
			|| PendingByRequester::<T>::get(who) > 0
	}

	/// Ends every grant `who` holds, as a renunciation: when nothing keeps `who`, those
	/// are grants given unasked, at most `MaxUnaskedPerGrantee`.
	fn on_leave(who: &T::AccountId) {
		let held: Vec<(GrantId, Grant<T>)> = GranteeGrants::<T>::iter_key_prefix(who)
			.filter_map(|id| Grants::<T>::get(id).map(|grant| (id, grant)))
			.collect();
		for (id, grant) in held {
			Self::end_grant(id, grant, EndReason::Renounced);
		}
	}

	/// Reading and ending `MaxUnaskedPerGrantee` grants, each with the most envelopes.
	fn on_leave_weight() -> Weight {
		let n = u64::from(T::MaxUnaskedPerGrantee::get());
		T::DbWeight::get()
			.reads(2 * n)
			.saturating_add(T::WeightInfo::revoke(T::MaxEnvelopes::get()).saturating_mul(n))
	}
}
