//! Test runtime for the registry pallet: System, Balances (for the deposit holds) and Registry.

use crate as pallet_registry;
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Registry: pallet_registry,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	/// Accounts that still give or hold live grants, as the consent pallet would report.
	pub static Committed: Vec<u64> = Vec::new();
}

/// Commitments as the test sets them in [`Committed`].
pub struct TestCommitments;
impl medchain_primitives::Commitments<u64> for TestCommitments {
	fn is_committed(who: &u64) -> bool {
		Committed::get().contains(who)
	}
}

/// The account genesis makes a verifier.
pub const VERIFIER: u64 = 100;
/// Accounts with plenty of funds.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CAROL: u64 = 3;
pub const DAVE: u64 = 4;
/// An account too poor for any deposit.
pub const POOR: u64 = 9;
/// The funds every rich account starts with.
pub const INITIAL_BALANCE: u64 = 1_000;

parameter_types! {
	pub static PatientDeposit: u64 = 10;
	pub static PractitionerDeposit: u64 = 50;
}

impl pallet_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type PatientDeposit = PatientDeposit;
	type PractitionerDeposit = PractitionerDeposit;
	type AdminOrigin = EnsureRoot<u64>;
	type VerifierOrigin = pallet_registry::EnsureVerifier<Test>;
	type MaxVerifiers = ConstU32<3>;
	type MaxNameLen = ConstU32<32>;
	type MaxSpecializationLen = ConstU32<32>;
	type MaxLicenceLen = ConstU32<16>;
	type MaxReasonLen = ConstU32<64>;
	type Commitments = TestCommitments;
	type WeightInfo = ();
}

/// Genesis: rich accounts 1 to 4 and the verifier, a poor account 9, and one verifier.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, INITIAL_BALANCE),
			(BOB, INITIAL_BALANCE),
			(CAROL, INITIAL_BALANCE),
			(DAVE, INITIAL_BALANCE),
			(VERIFIER, INITIAL_BALANCE),
			(POOR, 5),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_registry::GenesisConfig::<Test> { verifiers: vec![VERIFIER] }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` on a fresh genesis, then checks the pallet's invariants.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Registry::do_try_state().expect("the registry's invariants hold");
	});
}
