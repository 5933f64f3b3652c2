//! Storage migrations of the records pallet.

/// Version 1 to 2: each record carries the deposit its author paid for it. Records written
/// before records were paid for carry zero: nothing was held for them, and nothing is taken
/// now from authors who wrote under the old rules.
pub mod v2 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use medchain_primitives::{CidBytes, RecordId, RecordKind};
	use sp_runtime::traits::Zero;

	/// Version 1's stored types.
	pub mod old {
		use super::*;

		/// A record as version 1 stored it.
		#[derive(Encode, Decode)]
		pub struct Record<T: Config> {
			pub patient: T::AccountId,
			pub author: T::AccountId,
			pub kind: RecordKind,
			pub cid: CidBytes,
			pub size: u64,
			pub title: BoundedVec<u8, T::MaxTitleLen>,
			pub created_at: BlockNumberFor<T>,
			pub supersedes: Option<RecordId>,
			pub superseded_by: Option<RecordId>,
		}
	}

	/// The migration, run only on version 1.
	pub type MigrateV1ToV2<T> =
		VersionedMigration<1, 2, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned step of [`MigrateV1ToV2`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut count = 0u64;
			super::v3::old::Records::<T>::translate::<old::Record<T>, _>(|_, r| {
				count += 1;
				Some(super::v3::old::Record {
					patient: r.patient,
					author: r.author,
					kind: r.kind,
					cid: r.cid,
					size: r.size,
					title: r.title,
					created_at: r.created_at,
					supersedes: r.supersedes,
					superseded_by: r.superseded_by,
					deposit: Zero::zero(),
				})
			});
			T::DbWeight::get().reads_writes(count, count)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Records::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "bad pre-upgrade state")?;
			ensure!(Records::<T>::iter().count() as u64 == before, "records lost in migration");
			Ok(())
		}
	}
}

/// Version 2 to 3: a record keeps its patient's and its author's envelopes itself, so that
/// writing a record is one storage write instead of three. Their entries in `Envelopes` lose
/// the record's hold, and go when no grant holds them either.
pub mod v3 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use medchain_primitives::{CidBytes, Envelope, RecordId, RecordKind};

	/// Version 2's stored types.
	pub mod old {
		use super::*;

		/// A record as version 2 stored it: its envelopes were in `Envelopes`.
		#[derive(Encode, Decode)]
		pub struct Record<T: Config> {
			pub patient: T::AccountId,
			pub author: T::AccountId,
			pub kind: RecordKind,
			pub cid: CidBytes,
			pub size: u64,
			pub title: BoundedVec<u8, T::MaxTitleLen>,
			pub created_at: BlockNumberFor<T>,
			pub supersedes: Option<RecordId>,
			pub superseded_by: Option<RecordId>,
			pub deposit: BalanceOf<T>,
		}

		/// The records map as version 2 typed it.
		#[frame_support::storage_alias]
		pub type Records<T: Config> = StorageMap<Pallet<T>, Twox64Concat, RecordId, Record<T>>;
	}

	/// The migration, run only on version 2.
	pub type MigrateV2ToV3<T> =
		VersionedMigration<2, 3, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned step of [`MigrateV2ToV3`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	/// Takes the record's own hold off `who`'s envelope for `record`, removing the entry when
	/// no grant holds it, and returns the envelope. Version 2's `try_state` kept one for the
	/// patient and the author of every record; were one missing, the record keeps zeros,
	/// which open nothing (the reader asks the author for a new envelope).
	fn take_own<T: Config>(record: RecordId, who: &T::AccountId) -> Envelope {
		Envelopes::<T>::mutate_exists(record, who, |entry| {
			let Some(held) = entry else { return [0; 80] };
			let envelope = held.envelope;
			held.holders = held.holders.saturating_sub(1);
			if held.holders == 0 {
				*entry = None;
			}
			envelope
		})
	}

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut count = 0u64;
			Records::<T>::translate::<old::Record<T>, _>(|id, r| {
				count += 1;
				let patient_envelope = take_own::<T>(id, &r.patient);
				let author_envelope = take_own::<T>(id, &r.author);
				Some(Record {
					patient: r.patient,
					author: r.author,
					kind: r.kind,
					cid: r.cid,
					size: r.size,
					title: r.title,
					created_at: r.created_at,
					supersedes: r.supersedes,
					superseded_by: r.superseded_by,
					deposit: r.deposit,
					patient_envelope,
					author_envelope,
				})
			});
			// Per record: itself and two envelope entries, each read and written.
			T::DbWeight::get().reads_writes(3 * count, 3 * count)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Records::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "bad pre-upgrade state")?;
			ensure!(Records::<T>::iter().count() as u64 == before, "records lost in migration");
			Ok(())
		}
	}
}

#[cfg(test)]
mod tests {
	use super::v2::{old, MigrateV1ToV2};
	use super::v3::MigrateV2ToV3;
	use crate::{mock::*, types::benchmark_cid, *};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};
	use medchain_primitives::RecordKind;

	#[test]
	fn v1_records_migrate_to_v2_with_no_deposit_then_to_v3() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(1).put::<Pallet<Test>>();
			for (id, supersedes, superseded_by) in [(0, None, Some(1)), (1, Some(0), None)] {
				let record = old::Record::<Test> {
					patient: PATIENT,
					author: DOCTOR,
					kind: RecordKind::Report,
					cid: benchmark_cid(),
					size: 10,
					title: BoundedVec::truncate_from(vec![id as u8; 3]),
					created_at: 1,
					supersedes,
					superseded_by,
				};
				unhashed::put(&Records::<Test>::hashed_key_for(id), &record);
				PatientRecords::<Test>::insert(PATIENT, id, ());
				Envelopes::<Test>::insert(id, PATIENT, EnvelopeEntry::new([1; 80]));
				Envelopes::<Test>::insert(id, DOCTOR, EnvelopeEntry::new([2; 80]));
			}
			NextRecordId::<Test>::put(2);

			MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			// Run again, it changes nothing: it is versioned.
			let weight = MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert!(weight.ref_time() < 1_000_000_000);
			MigrateV2ToV3::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			let migrated = Records::<Test>::get(1).unwrap();
			assert_eq!((migrated.supersedes, migrated.deposit, migrated.size), (Some(0), 0, 10));
			assert_eq!(Records::<Test>::get(0).unwrap().title.to_vec(), vec![0; 3]);
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");
			assert_eq!(Records::<Test>::iter().count(), 2);
		});
	}

	#[test]
	fn v2_records_take_their_own_envelopes_in_v3() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(2).put::<Pallet<Test>>();
			let record = super::v3::old::Record::<Test> {
				patient: PATIENT,
				author: DOCTOR,
				kind: RecordKind::Report,
				cid: benchmark_cid(),
				size: 10,
				title: BoundedVec::truncate_from(vec![1; 3]),
				created_at: 1,
				supersedes: None,
				superseded_by: None,
				deposit: 0,
			};
			unhashed::put(&Records::<Test>::hashed_key_for(0), &record);
			PatientRecords::<Test>::insert(PATIENT, 0, ());
			Envelopes::<Test>::insert(0, PATIENT, EnvelopeEntry::new([1; 80]));
			// The author also holds the record under a grant, and so does a hospital.
			Envelopes::<Test>::insert(0, DOCTOR, EnvelopeEntry { envelope: [2; 80], holders: 2 });
			Envelopes::<Test>::insert(0, HOSPITAL, EnvelopeEntry::new([3; 80]));
			NextRecordId::<Test>::put(1);

			MigrateV2ToV3::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			let migrated = Records::<Test>::get(0).unwrap();
			assert_eq!((migrated.patient_envelope, migrated.author_envelope), ([1; 80], [2; 80]));
			assert_eq!((migrated.size, migrated.title.to_vec()), (10, vec![1; 3]));
			// The record's own holds are gone; the grants' stay.
			assert!(!Envelopes::<Test>::contains_key(0, PATIENT));
			assert_eq!(Envelopes::<Test>::get(0, DOCTOR).map(|e| e.holders), Some(1));
			assert_eq!(Envelopes::<Test>::get(0, HOSPITAL).map(|e| e.holders), Some(1));
			assert_eq!(Pallet::<Test>::envelope(0, PATIENT), Some([1; 80]));
			assert_eq!(Pallet::<Test>::envelope(0, HOSPITAL), Some([3; 80]));
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");
			// Versioned: a second run changes nothing.
			MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(Envelopes::<Test>::get(0, DOCTOR).map(|e| e.holders), Some(1));
		});
	}
}
