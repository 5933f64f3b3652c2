//! The invariants `try_state` checks (see the module docs). Each compares two independent
//! pieces of state, so a bug in either makes it fail.

use crate::*;
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use medchain_primitives::{RecordId, RecordIndex};
use sp_runtime::{Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks every invariant listed in the module docs.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_grants()?;
		Self::check_requests()?;
		Self::check_audit()
	}

	fn check_grants() -> Result<(), TryRuntimeError> {
		let mut given: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut emergencies: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut held: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut unasked: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut unasked_ids = alloc::collections::BTreeSet::new();
		let mut pairs: BTreeMap<(T::AccountId, T::AccountId), u32> = BTreeMap::new();
		let mut holders: BTreeMap<(RecordId, T::AccountId), u32> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, grant) in Grants::<T>::iter() {
			ensure!(id < NextGrantId::<T>::get(), "grant id at or above NextGrantId");
			ensure!(
				PatientGrants::<T>::contains_key((&grant.patient, &grant.grantee, id)),
				"grant missing from the patient index"
			);
			ensure!(
				GranteeGrants::<T>::contains_key(&grant.grantee, id),
				"grant missing from the grantee index"
			);
			ensure!(
				Expiries::<T>::contains_key(grant.expires_at, id),
				"grant missing from the expiry index"
			);
			ensure!(
				grant.emergency == EmergencyJustifications::<T>::contains_key(id),
				"emergency grant without justification, or justification without one"
			);
			for record in &grant.envelopes {
				*holders.entry((*record, grant.grantee.clone())).or_default() += 1;
			}
			let counter = if grant.emergency { &mut emergencies } else { &mut given };
			*counter.entry(grant.patient.clone()).or_default() += 1;
			*held.entry(grant.grantee.clone()).or_default() += 1;
			if grant.is_unasked() {
				*unasked.entry(grant.grantee.clone()).or_default() += 1;
				unasked_ids.insert((grant.grantee.clone(), id));
			}
			*pairs.entry((grant.patient.clone(), grant.grantee.clone())).or_default() += 1;
			let paid = deposits.entry(grant.depositor().clone()).or_default();
			*paid = paid.saturating_add(grant.deposit);
		}
		for ((patient, grantee, id), ()) in PatientGrants::<T>::iter() {
			let grant = Grants::<T>::get(id).ok_or("patient index entry without grant")?;
			ensure!(grant.patient == patient && grant.grantee == grantee, "index mismatch");
		}
		for (grantee, id, ()) in GranteeGrants::<T>::iter() {
			let grant = Grants::<T>::get(id).ok_or("grantee index entry without grant")?;
			ensure!(grant.grantee == grantee, "grantee index mismatch");
		}
		for (at, id, ()) in Expiries::<T>::iter() {
			let grant = Grants::<T>::get(id).ok_or("expiry entry of an ended grant")?;
			ensure!(grant.expires_at == at, "expiry entry at the wrong block");
		}
		Self::check_counter(GrantCount::<T>::iter(), given, T::MaxGrantsPerPatient::get())?;
		Self::check_counter(
			EmergencyCount::<T>::iter(),
			emergencies,
			T::MaxEmergencyPerPatient::get(),
		)?;
		Self::check_counter(HeldCount::<T>::iter(), held, u32::MAX)?;
		let indexed: alloc::collections::BTreeSet<_> =
			UnaskedGrants::<T>::iter().map(|(grantee, id, ())| (grantee, id)).collect();
		ensure!(unasked_ids == indexed, "unasked-grant index differs from the unasked grants");
		Self::check_counter(UnaskedHeld::<T>::iter(), unasked, T::MaxUnaskedPerGrantee::get())?;
		ensure!(
			pairs.values().all(|n| *n <= T::MaxGrantsPerPair::get()),
			"more grants for one pair than MaxGrantsPerPair"
		);
		for ((record, grantee), count) in holders {
			ensure!(
				T::Records::grant_holders(record, &grantee) == count,
				"envelope holders disagree with the live grants listing the record"
			);
		}
		Self::check_held(HoldReason::Grant, deposits)
	}

	fn check_requests() -> Result<(), TryRuntimeError> {
		let mut pending: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut per_pair: BTreeMap<(T::AccountId, T::AccountId), u32> = BTreeMap::new();
		let mut per_requester: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, request) in Requests::<T>::iter() {
			let indexed = PendingRequests::<T>::contains_key(&request.patient, id);
			ensure!(
				indexed == (request.status == RequestStatus::Pending),
				"pending index disagrees with request status"
			);
			if indexed {
				*pending.entry(request.patient.clone()).or_default() += 1;
				*per_pair
					.entry((request.patient.clone(), request.requester.clone()))
					.or_default() += 1;
				*per_requester.entry(request.requester.clone()).or_default() += 1;
			}
			let paid = deposits.entry(request.requester.clone()).or_default();
			*paid = paid.saturating_add(request.deposit);
		}
		for (id, _) in DenialReasons::<T>::iter() {
			let request = Requests::<T>::get(id).ok_or("deny reason without its request")?;
			ensure!(request.status == RequestStatus::Denied, "deny reason of a request not denied");
		}
		Self::check_counter(PendingCount::<T>::iter(), pending, T::MaxPendingRequests::get())?;
		Self::check_counter(PendingByRequester::<T>::iter(), per_requester, u32::MAX)?;
		for (patient, requester, count) in PendingPerRequester::<T>::iter() {
			ensure!(
				per_pair.remove(&(patient, requester)) == Some(count),
				"per-requester pending counter mismatch"
			);
			ensure!(count <= T::MaxPendingPerRequester::get(), "too many pending per requester");
		}
		ensure!(per_pair.is_empty(), "pending requests without a per-requester counter");
		Self::check_held(HoldReason::Request, deposits)
	}

	fn check_audit() -> Result<(), TryRuntimeError> {
		for (patient, len) in AuditLen::<T>::iter() {
			let mut stored = 0u32;
			for index in Audit::<T>::iter_key_prefix(&patient) {
				ensure!(index < len, "audit entry past the trail's length");
				stored += 1;
			}
			ensure!(stored == len, "audit trail has gaps");
		}
		for (patient, _, _) in Audit::<T>::iter() {
			ensure!(AuditLen::<T>::contains_key(&patient), "audit entries without a length");
		}
		Ok(())
	}

	/// A stored counter per account agrees with what was counted, and stays within `max`.
	fn check_counter(
		stored: impl Iterator<Item = (T::AccountId, u32)>,
		mut counted: BTreeMap<T::AccountId, u32>,
		max: u32,
	) -> Result<(), TryRuntimeError> {
		for (who, count) in stored {
			ensure!(counted.remove(&who) == Some(count), "counter disagrees with the items");
			ensure!(count <= max, "counter above its maximum");
		}
		ensure!(counted.is_empty(), "items without a counter");
		Ok(())
	}

	/// What is held for `reason` from each account is exactly what its items recorded.
	fn check_held(
		reason: HoldReason,
		expected: BTreeMap<T::AccountId, BalanceOf<T>>,
	) -> Result<(), TryRuntimeError> {
		let reason: T::RuntimeHoldReason = reason.into();
		for (who, amount) in expected {
			ensure!(
				T::Currency::balance_on_hold(&reason, &who) == amount,
				"deposit held differs from the items' deposits"
			);
		}
		Ok(())
	}
}
