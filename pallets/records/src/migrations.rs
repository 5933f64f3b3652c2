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
			Records::<T>::translate::<old::Record<T>, _>(|_, r| {
				count += 1;
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

#[cfg(test)]
mod tests {
	use super::v2::{old, MigrateV1ToV2};
	use crate::{mock::*, types::benchmark_cid, *};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};
	use medchain_primitives::RecordKind;

	#[test]
	fn v1_records_migrate_to_v2_with_no_deposit() {
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
			let migrated = Records::<Test>::get(1).unwrap();
			assert_eq!((migrated.supersedes, migrated.deposit, migrated.size), (Some(0), 0, 10));
			assert_eq!(Records::<Test>::get(0).unwrap().title.to_vec(), vec![0; 3]);
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");
			// Run again, it changes nothing: it is versioned.
			let weight = MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert!(weight.ref_time() < 1_000_000_000);
			assert_eq!(Records::<Test>::iter().count(), 2);
		});
	}
}
