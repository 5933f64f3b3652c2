//! A test runtime with balances (for deposits) and simple, controllable stand-ins for the
//! registry and records pallets.

use crate as pallet_consent;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types, traits::Hooks, weights::Weight};
use medchain_primitives::{Envelope, RecordId, RecordIndex, RecordKind, Role};
pub use medchain_test_support::TestRegistry;
use sp_runtime::{BuildStorage, DispatchError};
use std::collections::BTreeMap;

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
	pub type Consent = pallet_consent;
}

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
	pub const MaxPurposeLen: u32 = 32;
	pub const MaxReasonLen: u32 = 32;
	pub const MaxEnvelopes: u32 = 4;
	pub const MaxGrantDuration: u64 = 100;
	pub const MaxPendingRequests: u32 = 3;
	pub const MaxPendingPerRequester: u32 = 2;
	pub const MaxGrantsPerPatient: u32 = 4;
	pub const MaxGrantsPerPair: u32 = 3;
	pub const MaxEmergencyPerPatient: u32 = 2;
	pub const MaxUnaskedPerGrantee: u32 = 3;
	pub const MaxAuditPage: u32 = 4;
	pub const RequestDeposit: u64 = 5;
	pub const RequestFee: u64 = 2;
	pub const GrantDeposit: u64 = 7;
	pub const EmergencyDuration: u64 = 10;
	pub const EmergencyCooldown: u64 = 50;
}

impl pallet_consent::Config for Test {
	type Registry = TestRegistry;
	type Records = TestRecords;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RequestDeposit = RequestDeposit;
	type RequestFee = RequestFee;
	type GrantDeposit = GrantDeposit;
	type MaxPurposeLen = MaxPurposeLen;
	type MaxReasonLen = MaxReasonLen;
	type MaxEnvelopes = MaxEnvelopes;
	type MaxGrantDuration = MaxGrantDuration;
	type MaxPendingRequests = MaxPendingRequests;
	type MaxPendingPerRequester = MaxPendingPerRequester;
	type MaxGrantsPerPatient = MaxGrantsPerPatient;
	type MaxGrantsPerPair = MaxGrantsPerPair;
	type MaxEmergencyPerPatient = MaxEmergencyPerPatient;
	type MaxUnaskedPerGrantee = MaxUnaskedPerGrantee;
	type MaxAuditPage = MaxAuditPage;
	type EmergencyDuration = EmergencyDuration;
	type EmergencyCooldown = EmergencyCooldown;
	type WeightInfo = ();
}

pub const PATIENT: AccountId = 1;
pub const DOCTOR: AccountId = 2;
pub const OTHER_DOCTOR: AccountId = 3;
pub const PHARMACY: AccountId = 4;
pub const HOSPITAL: AccountId = 5;
pub const OTHER_PATIENT: AccountId = 6;
pub const STRANGER: AccountId = 9;
/// A verified doctor with no funds.
pub const BROKE_DOCTOR: AccountId = 7;
/// What every funded account starts with.
pub const ENDOWMENT: u64 = 1_000;

/// PATIENT's report, prescription and lab result, and OTHER_PATIENT's report.
pub const REPORT: RecordId = 10;
pub const PRESCRIPTION: RecordId = 11;
pub const LAB: RecordId = 12;
pub const OTHERS_REPORT: RecordId = 20;

thread_local! {
	/// Record -> (patient, kind).
	pub static RECORDS: RefCell<BTreeMap<RecordId, (AccountId, RecordKind)>> = const { RefCell::new(BTreeMap::new()) };
	/// (record, reader) -> (envelope, holders).
	pub static ENVELOPES: RefCell<BTreeMap<(RecordId, AccountId), (Envelope, u32)>> = const { RefCell::new(BTreeMap::new()) };
}

pub struct TestRecords;
impl RecordIndex<AccountId> for TestRecords {
	fn record(record: RecordId) -> Option<(AccountId, RecordKind)> {
		RECORDS.with(|r| r.borrow().get(&record).cloned())
	}
	fn add_envelope(
		record: RecordId,
		reader: &AccountId,
		envelope: Envelope,
	) -> Result<(), DispatchError> {
		Self::record(record).ok_or(DispatchError::Other("no record"))?;
		ENVELOPES.with(|e| {
			let mut envelopes = e.borrow_mut();
			let entry = envelopes.entry((record, *reader)).or_insert((envelope, 0));
			entry.0 = envelope;
			entry.1 += 1;
		});
		Ok(())
	}
	fn remove_envelope(record: RecordId, reader: &AccountId) {
		ENVELOPES.with(|e| {
			let mut envelopes = e.borrow_mut();
			if let Some(entry) = envelopes.get_mut(&(record, *reader)) {
				entry.1 -= 1;
				if entry.1 == 0 {
					envelopes.remove(&(record, *reader));
				}
			}
		});
	}
	fn has_envelope(record: RecordId, reader: &AccountId) -> bool {
		ENVELOPES.with(|e| e.borrow().contains_key(&(record, *reader)))
	}
	fn grant_holders(record: RecordId, reader: &AccountId) -> u32 {
		// Only grants add envelopes in this stand-in.
		envelope_holders(record, *reader)
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn create_for_benchmarks(
		patient: &AccountId,
		_author: &AccountId,
		kind: RecordKind,
	) -> RecordId {
		RECORDS.with(|r| {
			let mut records = r.borrow_mut();
			let id = records.keys().last().map_or(0, |k| k + 1);
			records.insert(id, (*patient, kind));
			id
		})
	}
}

pub fn envelope_holders(record: RecordId, reader: AccountId) -> u32 {
	ENVELOPES.with(|e| e.borrow().get(&(record, reader)).map_or(0, |(_, n)| *n))
}

/// Moves to block `n`, giving every block on the way (and block `n`) an idle sweep with
/// plenty of weight.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Consent::on_idle(next, Weight::MAX);
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	TestRegistry::clear();
	RECORDS.with(|r| r.borrow_mut().clear());
	ENVELOPES.with(|e| e.borrow_mut().clear());
	TestRegistry::set(PATIENT, Role::Patient, false);
	TestRegistry::set(OTHER_PATIENT, Role::Patient, false);
	TestRegistry::set(DOCTOR, Role::Doctor, true);
	TestRegistry::set(OTHER_DOCTOR, Role::Doctor, true);
	TestRegistry::set(PHARMACY, Role::Pharmacy, true);
	TestRegistry::set(HOSPITAL, Role::Hospital, true);
	TestRegistry::set(BROKE_DOCTOR, Role::Doctor, true);
	RECORDS.with(|r| {
		let mut records = r.borrow_mut();
		records.insert(REPORT, (PATIENT, RecordKind::Report));
		records.insert(PRESCRIPTION, (PATIENT, RecordKind::Prescription));
		records.insert(LAB, (PATIENT, RecordKind::LabResult));
		records.insert(OTHERS_REPORT, (OTHER_PATIENT, RecordKind::Report));
	});
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [PATIENT, DOCTOR, OTHER_DOCTOR, PHARMACY, HOSPITAL, OTHER_PATIENT, STRANGER]
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

/// Runs `test` in a fresh externality and checks the pallet's invariants afterwards.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Consent::do_try_state().expect("invariants hold");
	});
}
