//! Locks, read entries and the release decision; the emergency summary; the sweep.

use alloc::vec;
use codec::Encode;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	pallet_prelude::{Get, Weight},
	traits::fungible::MutateHold,
};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{
	AccessControl, CommitteeCiphertext, CommitteeLocks, GrantId, RecordId, ReleaseKey, RoleRegistry,
};
use medchain_threshold::{label, record_digest, verify, Purpose};
use sp_runtime::{traits::Saturating, DispatchError};

use crate::{pallet::*, Lock, ReadEntry, Refusal, Release, WeightInfo};

impl<T: Config> Pallet<T> {
	/// The current committee's epoch, if it has a key.
	fn keyed_epoch() -> Result<u32, Error<T>> {
		let committee = CurrentCommittee::<T>::get().ok_or(Error::<T>::NoCommittee)?;
		ensure!(committee.key.is_some(), Error::<T>::CommitteeNotReady);
		Ok(committee.epoch)
	}

	/// What a validator may release for `reader`'s read of `record` recorded at block `at`,
	/// judged now. The node asks this at its finalized block.
	pub fn release(
		record: RecordId,
		reader: &T::AccountId,
		at: BlockNumberFor<T>,
	) -> Result<Release, Refusal> {
		let committee = CurrentCommittee::<T>::get().ok_or(Refusal::NoCommitteeKey)?;
		ensure!(committee.key.is_some(), Refusal::NoCommitteeKey);
		let lock = Locks::<T>::get(record).ok_or(Refusal::NotLocked)?;
		ensure!(lock.epoch == committee.epoch, Refusal::OldEpoch);
		let entry = Reads::<T>::get(at, (record, reader)).ok_or(Refusal::NoReadEntry)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= at.saturating_add(T::ReleaseWindow::get()), Refusal::Expired);
		// A grant that ended by this very read (its last use) still lets the read finish;
		// one that was revoked, renounced or expired does not, nor a reader no longer
		// verified (which `grant_live` also covers).
		let permitted = T::Access::grant_live(entry.grant)
			|| (entry.last_use && T::Registry::is_verified_practitioner(reader));
		ensure!(permitted, Refusal::NotPermitted);
		let mut parts = vec![(Purpose::Record, lock.committee)];
		if entry.emergency {
			let (sealed, _) = lock.emergency.ok_or(Refusal::NotPermitted)?;
			parts.push((Purpose::Emergency, sealed));
		}
		Ok(Release { epoch: lock.epoch, key: entry.key, digest: lock.digest, parts })
	}

	/// Adds `record` to `patient`'s emergency summary with `sealed` (`K_p` to the committee).
	pub(crate) fn summary_add(
		patient: &T::AccountId,
		record: RecordId,
		sealed: CommitteeCiphertext,
	) -> DispatchResult {
		let mut lock = Locks::<T>::get(record).ok_or(Error::<T>::NotLocked)?;
		ensure!(lock.patient == *patient, Error::<T>::NotPatient);
		ensure!(lock.emergency.is_none(), Error::<T>::AlreadyInSummary);
		let epoch = Self::keyed_epoch()?;
		ensure!(lock.epoch == epoch, Error::<T>::OldEpoch);
		let count = SummaryCount::<T>::get(patient);
		ensure!(count < T::MaxSummary::get(), Error::<T>::SummaryFull);
		verify(&sealed, &label(Purpose::Emergency, epoch, &lock.digest))
			.map_err(|_| Error::<T>::InvalidLock)?;
		let deposit = T::SummaryDeposit::get();
		T::Currency::hold(&HoldReason::EmergencySummary.into(), patient, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		lock.emergency = Some((sealed, deposit));
		Locks::<T>::insert(record, lock);
		SummaryCount::<T>::insert(patient, count + 1);
		Ok(())
	}

	/// Removes read entries older than the release window, with what `remaining` allows.
	pub(crate) fn sweep(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let window = T::ReleaseWindow::get();
		if now <= window {
			return Weight::zero();
		}
		let last = now.saturating_sub(window).saturating_sub(1u32.into());
		let db = T::DbWeight::get();
		let (used, cursor) = medchain_primitives::sweep_expired(
			last,
			remaining,
			db,
			db.reads_writes(1, 1),
			SweepCursor::<T>::get,
			|block| Reads::<T>::iter_key_prefix(block).next(),
			Reads::<T>::remove,
		);
		if let Some(cursor) = cursor {
			SweepCursor::<T>::put(cursor);
		}
		used
	}
}

impl<T: Config> CommitteeLocks<T::AccountId> for Pallet<T> {
	fn lock(
		record: RecordId,
		patient: &T::AccountId,
		author: &T::AccountId,
		cid: &[u8],
		lock: &CommitteeCiphertext,
	) -> Result<(), DispatchError> {
		let epoch = Self::keyed_epoch()?;
		let digest = record_digest(&patient.encode(), &author.encode(), cid);
		verify(lock, &label(Purpose::Record, epoch, &digest))
			.map_err(|_| Error::<T>::InvalidLock)?;
		Locks::<T>::insert(
			record,
			Lock { epoch, patient: patient.clone(), digest, committee: *lock, emergency: None },
		);
		Ok(())
	}

	fn note_read(
		record: RecordId,
		_patient: &T::AccountId,
		reader: &T::AccountId,
		grant: Option<GrantId>,
		last_use: bool,
		emergency: bool,
		key: ReleaseKey,
	) {
		// The patient and the author hold both parts in their envelopes: nothing to release.
		let Some(grant) = grant else { return };
		if !Locks::<T>::contains_key(record) {
			return;
		}
		let now = frame_system::Pallet::<T>::block_number();
		Reads::<T>::insert(now, (record, reader), ReadEntry { key, grant, last_use, emergency });
	}

	fn in_emergency_summary(record: RecordId) -> bool {
		Locks::<T>::get(record).is_some_and(|l| l.emergency.is_some())
	}

	fn lock_weight() -> Weight {
		T::WeightInfo::lock()
	}

	fn note_read_weight() -> Weight {
		T::WeightInfo::note_read()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn committee_for_benchmarks() -> medchain_threshold::Point {
		crate::benchmarking::keyed_committee::<T>()
	}
}
