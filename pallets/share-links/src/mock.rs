//! A test runtime with balances (for deposits), the shared test registry and an audit trail
//! kept in a thread-local list.

use crate as pallet_share_links;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types, traits::Hooks, weights::Weight};
use medchain_primitives::{AuditAction, AuditLog, Role};
pub use medchain_test_support::TestRegistry;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeHoldReason,
		RuntimeFreezeReason,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(2)]
	pub type ShareLinks = pallet_share_links;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
	// Non-zero, so that the sweep's budget checks mean something.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const LinkDeposit: u64 = 10;
	pub const MaxSealedLen: u32 = 16;
	pub const MaxUses: u32 = 5;
	pub const MaxAttempts: u32 = 3;
	pub const MaxLinksPerPatient: u32 = 2;
	pub const MaxLinkDuration: u64 = 100;
}

thread_local! {
	/// (patient, actor, action), in order.
	pub static TRAIL: RefCell<Vec<(AccountId, AccountId, AuditAction)>> = const { RefCell::new(Vec::new()) };
}

pub struct TestAudit;
impl AuditLog<AccountId> for TestAudit {
	fn log(patient: &AccountId, actor: &AccountId, action: AuditAction) {
		TRAIL.with(|t| t.borrow_mut().push((*patient, *actor, action)));
	}
}

/// The audit entries written so far.
pub fn trail() -> Vec<(AccountId, AccountId, AuditAction)> {
	TRAIL.with(|t| t.borrow().clone())
}

impl pallet_share_links::Config for Test {
	type Registry = TestRegistry;
	type Audit = TestAudit;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type LinkDeposit = LinkDeposit;
	type MaxSealedLen = MaxSealedLen;
	type MaxUses = MaxUses;
	type MaxAttempts = MaxAttempts;
	type MaxLinksPerPatient = MaxLinksPerPatient;
	type MaxLinkDuration = MaxLinkDuration;
	type WeightInfo = ();
}

pub const PATIENT: AccountId = 1;
pub const HOST: AccountId = 2;
pub const OTHER_HOST: AccountId = 3;
pub const DOCTOR: AccountId = 4;
/// A patient with no funds.
pub const BROKE_PATIENT: AccountId = 5;
pub const ENDOWMENT: u64 = 1_000;

/// Moves to block `n`, giving every block on the way (and block `n`) an idle sweep with
/// plenty of weight.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		ShareLinks::on_idle(next, Weight::MAX);
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	TestRegistry::clear();
	TRAIL.with(|t| t.borrow_mut().clear());
	TestRegistry::set(PATIENT, Role::Patient, false);
	TestRegistry::set(BROKE_PATIENT, Role::Patient, false);
	TestRegistry::set(DOCTOR, Role::Doctor, true);
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(PATIENT, ENDOWMENT), (HOST, ENDOWMENT), (DOCTOR, ENDOWMENT)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
