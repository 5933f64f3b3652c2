//! Stand-ins shared by the MedChain pallets' unit tests, so each mock runtime plugs in the same
//! controllable registry instead of writing its own.

use medchain_primitives::{EncryptionKey, Role, RoleRegistry};
use std::{cell::RefCell, collections::BTreeMap};

thread_local! {
	/// account -> (role, verified, registration).
	static ROLES: RefCell<BTreeMap<u64, (Role, bool, u64)>> =
		const { RefCell::new(BTreeMap::new()) };
	/// The registration the next `set` hands out.
	static NEXT_REGISTRATION: RefCell<u64> = const { RefCell::new(0) };
}

/// A role registry kept in a thread-local map, for mocks whose accounts are `u64`.
pub struct TestRegistry;

impl TestRegistry {
	/// Registers `who` as `role`, verified or not (replacing any earlier role). Each call is
	/// a new registration, as leaving and registering again would be.
	pub fn set(who: u64, role: Role, verified: bool) {
		let registration = NEXT_REGISTRATION.with(|n| {
			let mut n = n.borrow_mut();
			*n += 1;
			*n
		});
		ROLES.with(|r| r.borrow_mut().insert(who, (role, verified, registration)));
	}

	/// Deregisters `who`.
	pub fn remove(who: u64) {
		ROLES.with(|r| r.borrow_mut().remove(&who));
	}

	/// Changes whether `who` is verified (e.g. to suspend a doctor mid-test).
	pub fn set_verified(who: u64, verified: bool) {
		ROLES.with(|r| {
			if let Some(entry) = r.borrow_mut().get_mut(&who) {
				entry.1 = verified;
			}
		});
	}

	/// Forgets every account.
	pub fn clear() {
		ROLES.with(|r| r.borrow_mut().clear());
	}
}

impl RoleRegistry<u64> for TestRegistry {
	fn role(who: &u64) -> Option<Role> {
		ROLES.with(|r| r.borrow().get(who).map(|(role, ..)| *role))
	}

	fn is_verified_practitioner(who: &u64) -> bool {
		ROLES.with(|r| {
			r.borrow()
				.get(who)
				.is_some_and(|(role, verified, _)| role.is_practitioner() && *verified)
		})
	}

	fn registration(who: &u64) -> Option<u64> {
		ROLES.with(|r| r.borrow().get(who).map(|(.., registration)| *registration))
	}

	fn encryption_key(who: &u64) -> Option<EncryptionKey> {
		Self::role(who).map(|_| [*who as u8; 32])
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(who: &u64, role: Role) {
		Self::set(*who, role, true);
	}
}
