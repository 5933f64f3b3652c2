//! The patient's append-only audit trail.

use crate::*;
use medchain_primitives::AuditAction;

impl<T: Config> Pallet<T> {
	/// Appends to `patient`'s audit trail. Nothing is ever evicted, so no one's actions can
	/// push an entry about the patient's data out of it.
	pub(crate) fn log(patient: &T::AccountId, actor: &T::AccountId, action: AuditAction) {
		let index = AuditLen::<T>::get(patient);
		let entry = AuditEntry {
			at: frame_system::Pallet::<T>::block_number(),
			actor: actor.clone(),
			action,
		};
		Audit::<T>::insert(patient, index, entry);
		AuditLen::<T>::insert(patient, index.saturating_add(1));
	}
}
