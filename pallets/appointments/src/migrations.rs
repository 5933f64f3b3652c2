//! Storage migrations of the appointments pallet.

/// Version 1 to 2: appointments gain their deposit (zero for those booked before deposits),
/// unanswered requests are counted per (doctor, patient), and accepted ones per doctor.
pub mod v2 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::traits::Zero;

	/// An appointment as version 1 stored it.
	#[derive(Encode, Decode)]
	pub struct OldAppointment<T: Config> {
		pub patient: T::AccountId,
		pub doctor: T::AccountId,
		pub at: u64,
		pub reason: BoundedVec<u8, T::MaxReasonLen>,
		pub decline_note: Option<BoundedVec<u8, T::MaxReasonLen>>,
		pub status: AppointmentStatus,
		pub requested_at: BlockNumberFor<T>,
		pub updated_at: BlockNumberFor<T>,
	}

	/// The migration, run only on version 1.
	pub type MigrateV1ToV2<T> =
		VersionedMigration<1, 2, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned steps of [`MigrateV1ToV2`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut count = 0u64;
			super::v3::v2_layout::Appointments::<T>::translate::<OldAppointment<T>, _>(|_, a| {
				count += 1;
				match a.status {
					AppointmentStatus::Requested => {
						PendingPerPair::<T>::mutate(&a.doctor, &a.patient, |n| *n += 1)
					}
					AppointmentStatus::Accepted => {
						AcceptedByDoctor::<T>::mutate(&a.doctor, |n| *n += 1)
					}
					_ => {}
				}
				Some(super::v3::OldAppointment {
					patient: a.patient,
					doctor: a.doctor,
					at: a.at,
					reason: a.reason,
					decline_note: a.decline_note,
					status: a.status,
					requested_at: a.requested_at,
					updated_at: a.updated_at,
					deposit: Zero::zero(),
				})
			});
			T::DbWeight::get().reads_writes(2 * count, 2 * count)
		}
	}
}

/// Version 2 to 3: requests learn their lane (every request stored before was counted in the
/// doctor's queue, so all are in the new lane), and treatments the registrations they began
/// under (zero: the registry's value for accounts registered before it kept the block).
pub mod v3 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use medchain_primitives::AppointmentId;

	/// An appointment as version 2 stored it.
	#[derive(Encode, Decode)]
	pub struct OldAppointment<T: Config> {
		pub patient: T::AccountId,
		pub doctor: T::AccountId,
		pub at: u64,
		pub reason: BoundedVec<u8, T::MaxReasonLen>,
		pub decline_note: Option<BoundedVec<u8, T::MaxReasonLen>>,
		pub status: AppointmentStatus,
		pub requested_at: BlockNumberFor<T>,
		pub updated_at: BlockNumberFor<T>,
		pub deposit: BalanceOf<T>,
	}

	/// Version 2's storage layout, which [`super::v2`] writes.
	pub mod v2_layout {
		use super::*;

		/// The appointments map as version 2 stored it.
		#[frame_support::storage_alias]
		pub type Appointments<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, AppointmentId, OldAppointment<T>, OptionQuery>;
	}

	/// A treatment entry as version 2 stored it.
	#[derive(Encode, Decode)]
	pub struct OldTreatmentInfo<BlockNumber> {
		pub open: u32,
		pub follow_up_until: BlockNumber,
	}

	/// The migration, run only on version 2.
	pub type MigrateV2ToV3<T> =
		VersionedMigration<2, 3, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned steps of [`MigrateV2ToV3`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut count = 0u64;
			Appointments::<T>::translate::<OldAppointment<T>, _>(|_, a| {
				count += 1;
				Some(Appointment {
					patient: a.patient,
					doctor: a.doctor,
					at: a.at,
					reason: a.reason,
					decline_note: a.decline_note,
					status: a.status,
					requested_at: a.requested_at,
					updated_at: a.updated_at,
					deposit: a.deposit,
					known_patient: false,
				})
			});
			Treatment::<T>::translate::<OldTreatmentInfo<BlockNumberFor<T>>, _>(|_, _, t| {
				count += 1;
				Some(TreatmentInfo {
					open: t.open,
					follow_up_until: t.follow_up_until,
					doctor_registration: 0,
					patient_registration: 0,
				})
			});
			T::DbWeight::get().reads_writes(count, count)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{
		v2::{MigrateV1ToV2, OldAppointment},
		v3::{self, MigrateV2ToV3},
	};
	use crate::{mock::*, *};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};

	#[test]
	fn v1_appointments_migrate_to_v2() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(1).put::<Pallet<Test>>();
			for (id, status) in
				[(0, AppointmentStatus::Requested), (1, AppointmentStatus::Completed)]
			{
				let old = OldAppointment::<Test> {
					patient: PATIENT,
					doctor: DOCTOR,
					at: 5,
					reason: BoundedVec::truncate_from(vec![1, 2]),
					decline_note: None,
					status,
					requested_at: 1,
					updated_at: 1,
				};
				unhashed::put(&Appointments::<Test>::hashed_key_for(id), &old);
				PatientAppointments::<Test>::insert(PATIENT, id, ());
				DoctorAppointments::<Test>::insert(DOCTOR, id, ());
			}
			NextAppointmentId::<Test>::put(2);
			OpenByPatient::<Test>::insert(PATIENT, 1);
			PendingByDoctor::<Test>::insert(DOCTOR, 1);

			MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			MigrateV2ToV3::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			let migrated = Appointments::<Test>::get(1).unwrap();
			assert_eq!((migrated.status, migrated.deposit), (AppointmentStatus::Completed, 0));
			assert_eq!(PendingPerPair::<Test>::get(DOCTOR, PATIENT), 1);
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");
			// The patient may clear the closed one; nothing was held, nothing is released.
			assert!(
				Pallet::<Test>::clear(frame_system::RawOrigin::Signed(PATIENT).into(), 1).is_ok()
			);
		});
	}

	#[test]
	fn v2_requests_join_the_new_lane_and_treatments_the_first_registration() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(2).put::<Pallet<Test>>();
			let old = v3::OldAppointment::<Test> {
				patient: PATIENT,
				doctor: DOCTOR,
				at: 5,
				reason: BoundedVec::truncate_from(vec![1, 2]),
				decline_note: None,
				status: AppointmentStatus::Requested,
				requested_at: 1,
				updated_at: 1,
				deposit: 0,
			};
			unhashed::put(&Appointments::<Test>::hashed_key_for(0), &old);
			PatientAppointments::<Test>::insert(PATIENT, 0, ());
			DoctorAppointments::<Test>::insert(DOCTOR, 0, ());
			NextAppointmentId::<Test>::put(1);
			OpenByPatient::<Test>::insert(PATIENT, 1);
			PendingByDoctor::<Test>::insert(DOCTOR, 1);
			PendingPerPair::<Test>::insert(DOCTOR, PATIENT, 1);
			let treatment = v3::OldTreatmentInfo::<u64> { open: 0, follow_up_until: 9 };
			unhashed::put(&Treatment::<Test>::hashed_key_for(DOCTOR_2, PATIENT), &treatment);

			MigrateV2ToV3::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			assert!(!Appointments::<Test>::get(0).unwrap().known_patient);
			assert_eq!(
				Treatment::<Test>::get(DOCTOR_2, PATIENT),
				Some(TreatmentInfo {
					open: 0,
					follow_up_until: 9,
					doctor_registration: 0,
					patient_registration: 0
				})
			);
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");
			// The request still counts in the doctor's queue: declining it empties it.
			assert!(Pallet::<Test>::decline(
				frame_system::RawOrigin::Signed(DOCTOR).into(),
				0,
				None
			)
			.is_ok());
			assert_eq!(PendingByDoctor::<Test>::get(DOCTOR), 0);
		});
	}
}
