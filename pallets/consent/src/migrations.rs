//! Storage migrations of the consent pallet.

/// Version 1 to 2: grants gain their role and deposit (zero for grants made before deposits),
/// requests their deposit (zero), the bounded per-block expiry lists become a (block, grant)
/// index swept from `on_idle`, emergency grants get their own counter, pending requests a
/// per-requester counter, and each patient's audit ring becomes an append-only trail in the
/// same order, oldest first.
pub mod v2 {
	use crate::*;
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use medchain_primitives::{GrantId, RecordId, RequestId, Role, RoleRegistry, Scope};

	/// Version 1's stored types and maps.
	pub mod old {
		use super::*;

		/// A grant as version 1 stored it.
		#[derive(Encode, Decode)]
		pub struct Grant<T: Config> {
			pub patient: T::AccountId,
			pub grantee: T::AccountId,
			pub scope: Scope,
			pub expires_at: BlockNumberFor<T>,
			pub uses_left: Option<u32>,
			pub emergency: bool,
			pub request: Option<RequestId>,
			pub envelopes: BoundedVec<RecordId, T::MaxEnvelopes>,
		}

		/// A request as version 1 stored it.
		#[derive(Encode, Decode)]
		pub struct Request<T: Config> {
			pub requester: T::AccountId,
			pub patient: T::AccountId,
			pub scope: Scope,
			pub purpose: BoundedVec<u8, T::MaxPurposeLen>,
			pub duration: BlockNumberFor<T>,
			pub created_at: BlockNumberFor<T>,
			pub status: RequestStatus,
		}

		/// Where a version 1 audit ring stood.
		#[derive(Encode, Decode, Default, Clone, Copy)]
		pub struct AuditCursor {
			pub next: u32,
			pub len: u32,
		}

		#[storage_alias]
		pub type Expiries<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, BlockNumberFor<T>, Vec<GrantId>, ValueQuery>;

		#[storage_alias]
		pub type AuditCursors<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			AuditCursor,
			ValueQuery,
		>;
	}

	/// The migration, run only on version 1. `RingSize` is version 1's `MaxAuditEntries`.
	pub type MigrateV1ToV2<T, RingSize> = VersionedMigration<
		1,
		2,
		Unchecked<T, RingSize>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// The unversioned steps of [`MigrateV1ToV2`].
	pub struct Unchecked<T, RingSize>(core::marker::PhantomData<(T, RingSize)>);

	impl<T: Config, RingSize: Get<u32>> UncheckedOnRuntimeUpgrade for Unchecked<T, RingSize> {
		fn on_runtime_upgrade() -> Weight {
			let mut reads = 0u64;
			let mut writes = 0u64;
			let now = frame_system::Pallet::<T>::block_number();

			// Expiries are rebuilt from the grants, so clear the old lists first.
			let cleared = old::Expiries::<T>::clear(u32::MAX, None);
			writes += cleared.backend as u64;
			GrantCount::<T>::translate::<u32, _>(|_, _| None);
			let mut cursor = now;
			Grants::<T>::translate::<old::Grant<T>, _>(|id, g| {
				reads += 2;
				writes += 4;
				let role = T::Registry::role(&g.grantee).unwrap_or(Role::Doctor);
				Expiries::<T>::insert(g.expires_at, id, ());
				cursor = cursor.min(g.expires_at);
				if g.emergency {
					EmergencyCount::<T>::mutate(&g.patient, |c| *c += 1);
				} else {
					GrantCount::<T>::mutate(&g.patient, |c| *c += 1);
				}
				HeldCount::<T>::mutate(&g.grantee, |c| *c += 1);
				Some(Grant {
					patient: g.patient,
					grantee: g.grantee,
					role,
					scope: g.scope,
					expires_at: g.expires_at,
					uses_left: g.uses_left,
					emergency: g.emergency,
					request: g.request,
					envelopes: g.envelopes,
					deposit: Zero::zero(),
				})
			});
			SweepCursor::<T>::put(cursor);

			Requests::<T>::translate::<old::Request<T>, _>(|_, r| {
				reads += 1;
				writes += 2;
				if r.status == RequestStatus::Pending {
					PendingPerRequester::<T>::mutate(&r.patient, &r.requester, |c| *c += 1);
					PendingByRequester::<T>::mutate(&r.requester, |c| *c += 1);
				}
				Some(Request {
					requester: r.requester,
					patient: r.patient,
					scope: r.scope,
					purpose: r.purpose,
					duration: r.duration,
					created_at: r.created_at,
					status: r.status,
					deposit: Zero::zero(),
				})
			});

			// Each ring, oldest first, becomes trail entries 0..len.
			let ring = RingSize::get().max(1);
			let cursors: Vec<_> = old::AuditCursors::<T>::drain().collect();
			for (patient, at) in cursors {
				let start = if at.len < ring { 0 } else { at.next };
				let entries: Vec<_> = (0..at.len)
					.filter_map(|i| Audit::<T>::take(&patient, (start + i) % ring))
					.collect();
				reads += entries.len() as u64 + 1;
				writes += 2 * entries.len() as u64 + 2;
				for (i, entry) in entries.iter().enumerate() {
					Audit::<T>::insert(&patient, i as u32, entry);
				}
				AuditLen::<T>::insert(&patient, entries.len() as u32);
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	use sp_runtime::traits::Zero;
}

/// Version 2 to 3: the grants each grantee holds without having asked are counted
/// (`UnaskedHeld`). A grantee holding more than `MaxUnaskedPerGrantee` of them from before keeps
/// them; it cannot be given more until it holds fewer.
pub mod v3 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};

	/// The migration, run only on version 2.
	pub type MigrateV2ToV3<T> =
		VersionedMigration<2, 3, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned steps of [`MigrateV2ToV3`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			for grant in Grants::<T>::iter_values() {
				reads += 1;
				if grant.is_unasked() {
					UnaskedHeld::<T>::mutate(&grant.grantee, |n| *n = n.saturating_add(1));
					reads += 1;
					writes += 1;
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}
	}
}

/// Version 3 to 4: the grants each grantee holds without having asked are indexed
/// (`UnaskedGrants`) beside their count, so that a full limit can be searched for expired ones.
pub mod v4 {
	use crate::*;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};

	/// The migration, run only on version 3.
	pub type MigrateV3ToV4<T> =
		VersionedMigration<3, 4, Unchecked<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

	/// The unversioned step of [`MigrateV3ToV4`].
	pub struct Unchecked<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Unchecked<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			for (id, grant) in Grants::<T>::iter() {
				reads += 1;
				if grant.is_unasked() {
					UnaskedGrants::<T>::insert(&grant.grantee, id, ());
					writes += 1;
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}
	}
}

#[cfg(test)]
mod tests {
	use super::v2::{old, MigrateV1ToV2};
	use crate::{mock::*, *};
	use frame_support::{
		storage::unhashed,
		traits::{ConstU32, GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};
	use medchain_primitives::{AuditAction, Role, Scope};

	fn entry(request: u64) -> AuditEntry<Test> {
		AuditEntry { at: 1, actor: DOCTOR, action: AuditAction::AccessRequested { request } }
	}

	#[test]
	fn v1_state_migrates_to_v2() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(1).put::<Pallet<Test>>();
			let grant = old::Grant::<Test> {
				patient: PATIENT,
				grantee: HOSPITAL,
				scope: Scope::Reports,
				expires_at: 9,
				uses_left: Some(2),
				emergency: false,
				request: None,
				envelopes: BoundedVec::new(),
			};
			unhashed::put(&Grants::<Test>::hashed_key_for(0), &grant);
			let emergency = old::Grant::<Test> { grantee: DOCTOR, emergency: true, ..grant };
			unhashed::put(&Grants::<Test>::hashed_key_for(1), &emergency);
			EmergencyJustifications::<Test>::insert(1, BoundedVec::truncate_from(vec![1]));
			for (id, grantee) in [(0, HOSPITAL), (1, DOCTOR)] {
				PatientGrants::<Test>::insert((PATIENT, grantee, id), ());
				GranteeGrants::<Test>::insert(grantee, id, ());
			}
			NextGrantId::<Test>::put(2);
			GrantCount::<Test>::insert(PATIENT, 2);
			old::Expiries::<Test>::insert(9, vec![0, 1]);
			let request = old::Request::<Test> {
				requester: PHARMACY,
				patient: PATIENT,
				scope: Scope::Prescriptions,
				purpose: BoundedVec::new(),
				duration: 5,
				created_at: 1,
				status: RequestStatus::Pending,
			};
			unhashed::put(&Requests::<Test>::hashed_key_for(0), &request);
			PendingRequests::<Test>::insert(PATIENT, 0, ());
			PendingCount::<Test>::insert(PATIENT, 1);
			// A full ring of 4 whose oldest entry (request 2) sits at slot 2.
			for (slot, request) in [(0, 6), (1, 7), (2, 2), (3, 5)] {
				Audit::<Test>::insert(PATIENT, slot, entry(request));
			}
			old::AuditCursors::<Test>::insert(PATIENT, old::AuditCursor { next: 2, len: 4 });

			MigrateV1ToV2::<Test, ConstU32<4>>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			let migrated = Grants::<Test>::get(0).unwrap();
			assert_eq!(
				(migrated.role, migrated.deposit, migrated.uses_left),
				(Role::Hospital, 0, Some(2))
			);
			assert_eq!(GrantCount::<Test>::get(PATIENT), 1);
			assert_eq!(EmergencyCount::<Test>::get(PATIENT), 1);
			assert_eq!(Expiries::<Test>::iter_prefix(9).count(), 2);
			assert_eq!(SweepCursor::<Test>::get(), 1);
			assert_eq!(Requests::<Test>::get(0).unwrap().deposit, 0);
			assert_eq!(PendingPerRequester::<Test>::get(PATIENT, PHARMACY), 1);
			assert_eq!(PendingByRequester::<Test>::get(PHARMACY), 1);
			let trail: Vec<_> = Pallet::<Test>::audit_trail(PATIENT)
				.into_iter()
				.map(|e| match e.action {
					AuditAction::AccessRequested { request } => request,
					_ => unreachable!(),
				})
				.collect();
			assert_eq!(trail, vec![2, 5, 6, 7]);
			assert!(!old::AuditCursors::<Test>::contains_key(PATIENT));
			// Version 3 counts the grant given to the hospital without a request.
			super::v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			assert_eq!(UnaskedHeld::<Test>::get(HOSPITAL), 1);
			assert_eq!(UnaskedHeld::<Test>::get(DOCTOR), 0);
			// Version 4 indexes it.
			super::v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 4);
			let indexed: Vec<_> = UnaskedGrants::<Test>::iter().collect();
			assert_eq!(indexed, vec![(HOSPITAL, 0, ())]);
			Pallet::<Test>::do_try_state().expect("migrated state is consistent");

			// Run again: the version gate makes it a no-op.
			MigrateV1ToV2::<Test, ConstU32<4>>::on_runtime_upgrade();
			assert_eq!(Pallet::<Test>::audit_trail(PATIENT).len(), 4);
		});
	}
}
