//! Test runtime: `frame_system` plus this pallet, with a role registry tests can change.

use crate as pallet_appointments;
use frame_support::{derive_impl, parameter_types};
use medchain_primitives::{AuditAction, AuditLog, Role};
use sp_runtime::BuildStorage;
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		AppointmentsPallet: pallet_appointments,
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

/// Registered patients.
pub const PATIENT: u64 = 1;
pub const PATIENT_2: u64 = 2;
/// Verified doctors.
pub const DOCTOR: u64 = 10;
pub const DOCTOR_2: u64 = 11;
/// A doctor whose verification is pending.
pub const UNVERIFIED_DOCTOR: u64 = 12;
/// A verified hospital (a practitioner, but not a doctor).
pub const HOSPITAL: u64 = 20;
/// An account with no role.
pub const NOBODY: u64 = 99;

pub const MAX_REASON_LEN: u32 = 64;
pub const MAX_OPEN_PER_PATIENT: u32 = 3;
pub const MAX_PENDING_PER_DOCTOR: u32 = 3;
pub const FOLLOW_UP_PERIOD: u64 = 10;

parameter_types! {
	pub const MaxReasonLen: u32 = MAX_REASON_LEN;
	pub const MaxOpenPerPatient: u32 = MAX_OPEN_PER_PATIENT;
	pub const MaxPendingPerDoctor: u32 = MAX_PENDING_PER_DOCTOR;
	pub const FollowUpPeriod: u64 = FOLLOW_UP_PERIOD;
	pub const AppointmentDeposit: u64 = APPOINTMENT_DEPOSIT;
	pub const MaxPendingPerPair: u32 = 2;
}

/// Held per stored appointment.
pub const APPOINTMENT_DEPOSIT: u64 = 3;
/// What every account starts with.
pub const ENDOWMENT: u64 = 1_000;

pub use medchain_test_support::TestRegistry;

thread_local! {
	/// Every audit entry written, as (patient, actor, action).
	pub static AUDIT: RefCell<Vec<(u64, u64, AuditAction)>> = const { RefCell::new(Vec::new()) };
}

/// An audit trail the tests read back.
pub struct TestAudit;

impl AuditLog<u64> for TestAudit {
	fn log(patient: &u64, actor: &u64, action: AuditAction) {
		AUDIT.with(|a| a.borrow_mut().push((*patient, *actor, action)));
	}
}

/// The audit entries written so far.
pub fn audit() -> Vec<(u64, u64, AuditAction)> {
	AUDIT.with(|a| a.borrow().clone())
}

impl pallet_appointments::Config for Test {
	type Registry = TestRegistry;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AppointmentDeposit = AppointmentDeposit;
	type MaxPendingPerPair = MaxPendingPerPair;
	type MaxReasonLen = MaxReasonLen;
	type MaxOpenPerPatient = MaxOpenPerPatient;
	type MaxPendingPerDoctor = MaxPendingPerDoctor;
	type FollowUpPeriod = FollowUpPeriod;
	type Audit = TestAudit;
	type WeightInfo = ();
}

/// Fresh storage at block 1 (events are recorded from block 1), with the accounts above
/// registered.
pub fn new_test_ext() -> sp_io::TestExternalities {
	TestRegistry::clear();
	AUDIT.with(|a| a.borrow_mut().clear());
	TestRegistry::set(PATIENT, Role::Patient, false);
	TestRegistry::set(PATIENT_2, Role::Patient, false);
	TestRegistry::set(DOCTOR, Role::Doctor, true);
	TestRegistry::set(DOCTOR_2, Role::Doctor, true);
	TestRegistry::set(UNVERIFIED_DOCTOR, Role::Doctor, false);
	TestRegistry::set(HOSPITAL, Role::Hospital, true);

	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [PATIENT, PATIENT_2, DOCTOR, DOCTOR_2, UNVERIFIED_DOCTOR, HOSPITAL, NOBODY]
			.into_iter()
			.map(|who| (who, ENDOWMENT))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` on fresh storage, then checks the pallet's invariants.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		AppointmentsPallet::do_try_state().expect("invariants hold");
	});
}

/// Moves to block `n`.
pub fn go_to(n: u64) {
	System::set_block_number(n);
}
