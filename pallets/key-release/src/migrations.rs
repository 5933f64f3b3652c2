//! Storage migrations of the key-release pallet.

/// Version 0 to 1: a chain that adds this pallet in a runtime upgrade (rather than at genesis)
/// starts its first committee from `Members`, with a threshold of more than two thirds (as
/// GRANDPA's). Its members' nodes then run the key generation. A chain whose genesis already
/// had the pallet is at version 1 and skips it.
pub mod v1 {
	use crate::*;
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};

	/// The threshold for `n` members: more than two thirds (1 of 1, 3 of 4, 5 of 7).
	pub fn threshold_for(n: usize) -> u16 {
		n.saturating_sub(n.saturating_sub(1) / 3) as u16
	}

	/// The migration, run only on version 0.
	pub type InitCommittee<T, Members> = VersionedMigration<
		0,
		1,
		Unchecked<T, Members>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// The unversioned step of [`InitCommittee`].
	pub struct Unchecked<T, Members>(core::marker::PhantomData<(T, Members)>);

	impl<T: Config, Members: Get<Vec<crypto::Public>>> UncheckedOnRuntimeUpgrade
		for Unchecked<T, Members>
	{
		fn on_runtime_upgrade() -> Weight {
			let db = T::DbWeight::get();
			if CurrentCommittee::<T>::exists() {
				return db.reads(1);
			}
			let mut members = Members::get();
			members.truncate(T::MaxMembers::get() as usize);
			if members.is_empty() {
				return db.reads(2);
			}
			let threshold = threshold_for(members.len());
			let members = BoundedVec::truncate_from(members);
			CurrentCommittee::<T>::put(Committee { epoch: 0, threshold, members, key: None });
			db.reads_writes(2, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(CurrentCommittee::<T>::exists(), "no committee after the migration");
			Pallet::<T>::do_try_state()
		}
	}

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::mock::*;
		use frame_support::{
			assert_ok,
			traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		};

		frame_support::parameter_types! {
			pub FourMembers: Vec<crypto::Public> = (1..=4).map(member_key).collect();
		}

		/// A chain upgraded to include the pallet gets a committee of its validators with
		/// threshold 3 of 4, and version 1; running it again changes nothing.
		#[test]
		fn an_upgraded_chain_starts_its_first_committee() {
			new_test_ext().execute_with(|| {
				StorageVersion::new(0).put::<Pallet<Test>>();
				CurrentCommittee::<Test>::kill();
				InitCommittee::<Test, FourMembers>::on_runtime_upgrade();
				let committee = CurrentCommittee::<Test>::get().expect("a committee");
				assert_eq!((committee.epoch, committee.threshold, committee.size()), (0, 3, 4));
				assert!(committee.key.is_none());
				assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
				assert_ok!(Pallet::<Test>::do_try_state());
				CurrentCommittee::<Test>::mutate(|c| c.as_mut().unwrap().threshold = 4);
				InitCommittee::<Test, FourMembers>::on_runtime_upgrade();
				assert_eq!(CurrentCommittee::<Test>::get().unwrap().threshold, 4);
			});
		}

		#[test]
		fn thresholds_are_more_than_two_thirds() {
			let t: Vec<u16> = (1..=7).map(threshold_for).collect();
			assert_eq!(t, vec![1, 2, 3, 3, 4, 5, 5]);
		}
	}
}
