//! Opening, checking, ending and sweeping grants.

use crate::*;
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{
	AuditAction, Envelope, GrantId, RecordId, RecordIndex, RequestId, Role, RoleRegistry, Scope,
	MAX_LISTED_RECORDS,
};
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// Whether `grant` holds at `now` (its grantee's standing is checked apart).
	pub(crate) fn is_live(grant: &Grant<T>, now: BlockNumberFor<T>) -> bool {
		now < grant.expires_at && grant.uses_left != Some(0)
	}

	/// The effective grant from `patient` to `grantee` that `accepts`, if any: live, and its
	/// grantee registered and verified in the role it was given to. Of several matches it
	/// picks the one expiring first. See [`Self::scan_effective`].
	pub(crate) fn find_grant(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		accepts: impl Fn(&Grant<T>) -> bool,
	) -> Option<GrantId> {
		let mut best: Option<(BlockNumberFor<T>, GrantId)> = None;
		Self::scan_effective(grantee, patient, |id, grant| {
			let key = (grant.expires_at, id);
			if accepts(&grant) && best.is_none_or(|b| key < b) {
				best = Some(key);
			}
		});
		best.map(|(_, id)| id)
	}

	/// Passes every effective grant of the pair to `found`, and returns how many grants it
	/// read: all of the pair's (at most `MaxGrantsPerPair`), so the cost of a lookup does not
	/// depend on where a match sits.
	pub(crate) fn scan_effective(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		mut found: impl FnMut(GrantId, Grant<T>),
	) -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		let mut read = 0u32;
		// Every grant of the pair has the same grantee, so the registry is asked once per role
		// rather than once per grant (it reads two entries each time).
		let mut standing: Option<(Role, bool)> = None;
		for id in PatientGrants::<T>::iter_key_prefix((patient, grantee)) {
			read.saturating_inc();
			let Some(grant) = Grants::<T>::get(id) else { continue };
			if !Self::is_live(&grant, now) {
				continue;
			}
			let active = match standing {
				Some((role, active)) if role == grant.role => active,
				_ => {
					let active = T::Registry::is_active(grantee, grant.role);
					standing = Some((grant.role, active));
					active
				}
			};
			if active {
				found(id, grant);
			}
		}
		read
	}

	/// The caller may hold `scope`: a verified practitioner, and a doctor for `Write`.
	pub(crate) fn ensure_may_hold(
		who: &T::AccountId,
		scope: &Scope,
		unverified: Error<T>,
	) -> DispatchResult {
		ensure!(T::Registry::is_verified_practitioner(who), unverified);
		if *scope == Scope::Write {
			ensure!(T::Registry::role(who) == Some(Role::Doctor), Error::<T>::WriteNeedsDoctor);
		}
		Ok(())
	}

	/// Listed records exist, belong to `patient` and are distinct.
	pub(crate) fn ensure_scope_valid(patient: &T::AccountId, scope: &Scope) -> DispatchResult {
		if let Scope::Records(ids) = scope {
			ensure!(!ids.is_empty(), Error::<T>::EmptyScope);
			for (i, id) in ids.iter().enumerate() {
				ensure!(!ids[..i].contains(id), Error::<T>::DuplicateRecord);
				let (owner, _) = T::Records::record(*id).ok_or(Error::<T>::UnknownRecord)?;
				ensure!(owner == *patient, Error::<T>::NotPatientsRecord);
			}
		}
		Ok(())
	}

	/// The scope of a grant that answers a request for `asked` with only the records `ids`:
	/// each must be the patient's, listed once, and covered by what was asked.
	pub(crate) fn narrowed(
		patient: &T::AccountId,
		asked: &Scope,
		ids: BoundedVec<RecordId, ConstU32<MAX_LISTED_RECORDS>>,
	) -> Result<Scope, DispatchError> {
		ensure!(!ids.is_empty(), Error::<T>::EmptyScope);
		for (i, id) in ids.iter().enumerate() {
			ensure!(!ids[..i].contains(id), Error::<T>::DuplicateRecord);
			let (owner, kind) = T::Records::record(*id).ok_or(Error::<T>::UnknownRecord)?;
			ensure!(owner == *patient, Error::<T>::NotPatientsRecord);
			ensure!(asked.covers_record(*id, kind), Error::<T>::NotInRequestedScope);
		}
		Ok(Scope::Records(ids))
	}

	/// Validates and stores a patient's grant with its envelopes. Returns its id and whether
	/// a full limit made [`Self::insert_grant`] look for expired grants.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn open_grant(
		patient: T::AccountId,
		grantee: T::AccountId,
		scope: Scope,
		expires_at: BlockNumberFor<T>,
		max_uses: Option<u32>,
		request: Option<RequestId>,
		envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
	) -> Result<(GrantId, bool), DispatchError> {
		Self::ensure_may_hold(&grantee, &scope, Error::<T>::GranteeNotVerified)?;
		let role = T::Registry::role(&grantee).ok_or(Error::<T>::GranteeNotVerified)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(expires_at > now, Error::<T>::ExpiryInPast);
		ensure!(
			expires_at.saturating_sub(now) <= T::MaxGrantDuration::get(),
			Error::<T>::DurationTooLong
		);
		ensure!(max_uses != Some(0), Error::<T>::ZeroUses);
		let mut grant = Grant {
			patient: patient.clone(),
			grantee: grantee.clone(),
			role,
			scope,
			expires_at,
			uses_left: max_uses,
			emergency: false,
			request,
			envelopes: BoundedVec::new(),
			deposit: T::GrantDeposit::get(),
		};
		Self::seal_envelopes(&mut grant, envelopes)?;
		let (id, looked) = Self::insert_grant(grant)?;
		Self::log(&patient, &patient, AuditAction::AccessGranted { grant: id, request });
		Self::deposit_event(Event::AccessGranted {
			grant: id,
			request,
			patient,
			grantee,
			expires_at,
			max_uses,
		});
		Ok((id, looked))
	}

	/// Checks each envelope against the grant and hands it to the records pallet.
	/// Dispatch is transactional, so a failure half-way leaves no envelope behind.
	pub(crate) fn seal_envelopes(
		grant: &mut Grant<T>,
		envelopes: BoundedVec<(RecordId, Envelope), T::MaxEnvelopes>,
	) -> DispatchResult {
		for (record, envelope) in envelopes {
			ensure!(!grant.envelopes.contains(&record), Error::<T>::DuplicateRecord);
			let (owner, kind) = T::Records::record(record).ok_or(Error::<T>::UnknownRecord)?;
			ensure!(owner == grant.patient, Error::<T>::NotPatientsRecord);
			ensure!(grant.scope.covers_record(record, kind), Error::<T>::EnvelopeOutsideScope);
			grant.envelopes.try_push(record).map_err(|_| Error::<T>::TooManyEnvelopes)?;
			T::Records::add_envelope(record, &grant.grantee, envelope)?;
		}
		Ok(())
	}

	/// Stores a new grant with its indexes, counters, expiry entry and deposit.
	///
	/// Only live grants count against the limits: when one is full, a grant under it may
	/// have expired without the sweep (which runs on what blocks leave) reaching it yet, and
	/// one such grant is ended first. Returns the new grant's id and whether a full limit made
	/// it look (see [`Self::free_slots_weight`]).
	pub(crate) fn insert_grant(grant: Grant<T>) -> Result<(GrantId, bool), DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let (patient, grantee) = (&grant.patient, &grant.grantee);
		let mut looked = false;
		let of_patient = || {
			PatientGrants::<T>::iter_key_prefix((patient,)).map(|(_, id)| id).collect::<Vec<_>>()
		};
		let emergency = grant.emergency;
		let (count, max) = if emergency {
			(EmergencyCount::<T>::get(patient), T::MaxEmergencyPerPatient::get())
		} else {
			(GrantCount::<T>::get(patient), T::MaxGrantsPerPatient::get())
		};
		let mut room = count < max;
		if !room {
			looked = true;
			room = Self::end_one_expired(of_patient(), |g| g.emergency == emergency, now);
		}
		ensure!(
			room,
			if emergency { Error::<T>::TooManyEmergencies } else { Error::<T>::TooManyGrants }
		);
		let pair = || PatientGrants::<T>::iter_key_prefix((patient, grantee)).collect::<Vec<_>>();
		let mut room = (pair().len() as u32) < T::MaxGrantsPerPair::get();
		if !room {
			looked = true;
			room = Self::end_one_expired(pair(), |_| true, now);
		}
		ensure!(room, Error::<T>::TooManyGrantsForGrantee);
		if grant.is_unasked() {
			let mut room = UnaskedHeld::<T>::get(grantee) < T::MaxUnaskedPerGrantee::get();
			if !room {
				looked = true;
				let held = UnaskedGrants::<T>::iter_key_prefix(grantee).collect::<Vec<_>>();
				room = Self::end_one_expired(held, |_| true, now);
			}
			ensure!(room, Error::<T>::TooManyUnaskedGrants);
		}
		// Counted after the ends above, which counted themselves down.
		if emergency {
			EmergencyCount::<T>::mutate(patient, |c| *c = c.saturating_add(1));
		} else {
			GrantCount::<T>::mutate(patient, |c| *c = c.saturating_add(1));
		}
		Self::hold(HoldReason::Grant, grant.depositor(), grant.deposit)?;
		let id = NextGrantId::<T>::get();
		NextGrantId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		HeldCount::<T>::mutate(&grant.grantee, |c| *c = c.saturating_add(1));
		if grant.is_unasked() {
			UnaskedHeld::<T>::mutate(&grant.grantee, |c| *c = c.saturating_add(1));
			UnaskedGrants::<T>::insert(&grant.grantee, id, ());
		}
		Expiries::<T>::insert(grant.expires_at, id, ());
		PatientGrants::<T>::insert((&grant.patient, &grant.grantee, id), ());
		GranteeGrants::<T>::insert(&grant.grantee, id, ());
		Grants::<T>::insert(id, grant);
		Ok((id, looked))
	}

	/// Ends the first grant of `ids` that `counts` and no longer holds at `now`, as its
	/// expiry. Returns whether it found one.
	fn end_one_expired(
		ids: Vec<GrantId>,
		counts: impl Fn(&Grant<T>) -> bool,
		now: BlockNumberFor<T>,
	) -> bool {
		for id in ids {
			let Some(grant) = Grants::<T>::get(id) else { continue };
			if counts(&grant) && !Self::is_live(&grant, now) {
				Self::end_grant(id, grant, EndReason::Expired);
				return true;
			}
		}
		false
	}

	/// The most [`Self::insert_grant`] spends freeing slots when limits are full: reading
	/// every grant of the patient (index key and grant), of the pair, and those the grantee
	/// holds unasked, and ending one grant with the most envelopes under each of the three
	/// limits (the `expire_grant` benchmark). Calls charge it up front and refund it when no
	/// limit was full.
	pub(crate) fn free_slots_weight() -> Weight {
		let scanned = T::MaxGrantsPerPatient::get()
			.saturating_add(T::MaxEmergencyPerPatient::get())
			.saturating_add(T::MaxGrantsPerPair::get())
			.saturating_add(T::MaxUnaskedPerGrantee::get());
		T::DbWeight::get()
			.reads(2 * u64::from(scanned))
			.saturating_add(T::WeightInfo::expire_grant().saturating_mul(3))
	}

	/// Removes a grant, its indexes, expiry entry and envelopes, releases its deposit, and
	/// tells the patient.
	pub(crate) fn end_grant(id: GrantId, grant: Grant<T>, reason: EndReason) {
		Grants::<T>::remove(id);
		PatientGrants::<T>::remove((&grant.patient, &grant.grantee, id));
		GranteeGrants::<T>::remove(&grant.grantee, id);
		Expiries::<T>::remove(grant.expires_at, id);
		let counter = |count: &mut Option<u32>| {
			*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
		};
		if grant.emergency {
			EmergencyCount::<T>::mutate_exists(&grant.patient, counter);
		} else {
			GrantCount::<T>::mutate_exists(&grant.patient, counter);
		}
		HeldCount::<T>::mutate_exists(&grant.grantee, counter);
		if grant.is_unasked() {
			UnaskedHeld::<T>::mutate_exists(&grant.grantee, counter);
			UnaskedGrants::<T>::remove(&grant.grantee, id);
		}
		Self::release(HoldReason::Grant, grant.depositor(), grant.deposit);
		EmergencyJustifications::<T>::remove(id);
		for record in &grant.envelopes {
			T::Records::remove_envelope(*record, &grant.grantee);
		}
		// Each end names what ended the grant, and who: an expiry is nobody's act, so it is
		// logged under the patient whose terms ended it, never as the grantee's.
		let (actor, action) = match reason {
			EndReason::Revoked => (&grant.patient, AuditAction::AccessRevoked { grant: id }),
			EndReason::Expired => (&grant.patient, AuditAction::GrantExpired { grant: id }),
			EndReason::UsedUp => (&grant.grantee, AuditAction::GrantUsedUp { grant: id }),
			EndReason::Renounced => (&grant.grantee, AuditAction::GrantRenounced { grant: id }),
		};
		Self::log(&grant.patient, actor, action);
		Self::deposit_event(Event::GrantEnded {
			grant: id,
			patient: grant.patient,
			grantee: grant.grantee,
			reason,
		});
	}

	/// Ends expired grants, oldest expiry block first, while `remaining` weight allows, and
	/// remembers where it stopped. Returns the weight used.
	pub(crate) fn sweep(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let (used, moved) = medchain_primitives::sweep_expired(
			now,
			remaining,
			T::DbWeight::get(),
			T::WeightInfo::expire_grant(),
			SweepCursor::<T>::get,
			|block| Expiries::<T>::iter_key_prefix(block).next(),
			|block, id| {
				Expiries::<T>::remove(block, id);
				if let Some(grant) = Grants::<T>::get(id) {
					Self::end_grant(id, grant, EndReason::Expired);
				}
			},
		);
		if let Some(cursor) = moved {
			SweepCursor::<T>::put(cursor);
		}
		used
	}

	/// See [`AccessControl::grant_for_benchmarks`].
	#[cfg(feature = "runtime-benchmarks")]
	pub(crate) fn worst_case_grants(
		patient: &T::AccountId,
		reader: &T::AccountId,
		scope: Scope,
		records: &[RecordId],
		last_use: bool,
		grants: u32,
	) -> GrantId {
		use medchain_primitives::RecordKind;
		let expires_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::MaxGrantDuration::get());
		let role = T::Registry::role(reader).expect("benchmark reader is registered");
		use frame_support::traits::fungible::{Inspect, Mutate};
		let grants = grants.clamp(1, T::MaxGrantsPerPair::get());
		let deposits = T::GrantDeposit::get().saturating_mul(grants.into());
		let _ = T::Currency::set_balance(
			patient,
			T::Currency::balance(patient)
				.saturating_add(T::Currency::minimum_balance())
				.saturating_add(deposits),
		);
		let author: T::AccountId = frame_benchmarking::account("author", 0, 0);
		T::Registry::register_for_benchmarks(&author, Role::Doctor);
		let grant = |scope: Scope, uses_left, envelopes, expires_at| Grant::<T> {
			patient: patient.clone(),
			grantee: reader.clone(),
			role,
			scope,
			expires_at,
			uses_left,
			emergency: false,
			request: None,
			envelopes,
			deposit: T::GrantDeposit::get(),
		};
		let kind = if scope == Scope::Prescriptions {
			RecordKind::Prescription
		} else {
			RecordKind::Report
		};
		// `MaxEnvelopes` keys for the reader, on records other than `records` (none for write
		// grants, which carry no keys).
		let keys = |mut envelopes: BoundedVec<RecordId, T::MaxEnvelopes>| {
			while scope != Scope::Write && (envelopes.len() as u32) < T::MaxEnvelopes::get() {
				let extra = T::Records::create_for_benchmarks(patient, &author, kind);
				let _ = envelopes.try_push(extra);
			}
			for record in &envelopes {
				T::Records::add_envelope(*record, reader, [5; 80]).expect("record exists");
			}
			envelopes
		};
		// Decoys every lookup reads and scans in full: of the same scope, each carrying the most
		// keys but not the one looked for, expiring after the match so that the match is picked.
		for _ in 1..grants {
			let decoy =
				grant(scope.clone(), None, keys(BoundedVec::new()), expires_at + One::one());
			Self::insert_grant(decoy).expect("benchmark grants fit");
		}
		// The match, carrying the most envelopes: ending it removes them all.
		let envelopes = keys(BoundedVec::truncate_from(records.to_vec()));
		// Not on its last use, each use counted is a write of the grant.
		let uses = if last_use { 1 } else { u32::MAX };
		Self::insert_grant(grant(scope, Some(uses), envelopes, expires_at))
			.expect("benchmark grants fit")
			.0
	}
}
