//! What the other pallets ask of the registry ([`RoleRegistry`]): roles, encryption keys,
//! registrations and whether a practitioner is verified.

use crate::*;
#[cfg(feature = "runtime-benchmarks")]
use frame_support::{pallet_prelude::Zero, BoundedVec};
#[cfg(feature = "runtime-benchmarks")]
use medchain_primitives::{CidBytes, VerificationStatus};
use medchain_primitives::{EncryptionKey, Role, RoleRegistry};
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> RoleRegistry<T::AccountId> for Pallet<T> {
	fn role(who: &T::AccountId) -> Option<Role> {
		Accounts::<T>::get(who).map(|info| info.role)
	}

	fn is_verified_practitioner(who: &T::AccountId) -> bool {
		Self::verified_now(who)
	}

	fn encryption_key(who: &T::AccountId) -> Option<EncryptionKey> {
		Accounts::<T>::get(who).map(|info| info.encryption_key)
	}

	fn registration(who: &T::AccountId) -> Option<u64> {
		Accounts::<T>::contains_key(who)
			.then(|| RegisteredAt::<T>::get(who).map_or(0, |block| block.unique_saturated_into()))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(who: &T::AccountId, role: Role) {
		// No deposit is held (and none recorded), so the deposit invariant holds.
		Accounts::<T>::insert(
			who,
			AccountInfo { role, encryption_key: [1u8; 32], profile: None, deposit: Zero::zero() },
		);
		if role.is_practitioner() {
			Practitioners::<T>::insert(
				who,
				PractitionerInfo {
					details: PractitionerDetails {
						name: BoundedVec::truncate_from(b"benchmark".to_vec()),
						specialization: BoundedVec::new(),
						licence: BoundedVec::truncate_from(b"benchmark".to_vec()),
					},
					credentials: Self::benchmark_cid(),
					status: VerificationStatus::Verified { until: None },
					last_decision: None,
				},
			);
		}
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// A valid credentials CID (CIDv1, raw, sha2-256) for benchmarks.
	fn benchmark_cid() -> CidBytes {
		let mut bytes = alloc::vec![0x01, 0x55, 0x12, 0x20];
		bytes.extend_from_slice(&[1u8; 32]);
		CidBytes::truncate_from(bytes)
	}
}
