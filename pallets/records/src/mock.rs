//! A test runtime with simple, controllable stand-ins for the registry, appointments and
//! consent pallets.

use crate as pallet_records;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::Get,
	weights::{RuntimeDbWeight, Weight},
};
use medchain_primitives::{
	AccessControl, AuditAction, AuditLog, CareRelationship, Consumed, GrantId, PairGrant,
	PairGrants, RecordId, RecordIndex, Role, Scope,
};
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
	pub type MedicalRecords = pallet_records;

	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
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
	pub const MaxTitleLen: u32 = 64;
	pub const MaxReadBatch: u32 = 4;
	pub const MaxWriteBatch: u32 = 3;
	pub const RecordDeposit: u64 = RECORD_DEPOSIT;
}

impl pallet_records::Config for Test {
	type Registry = TestRegistry;
	type Care = TestCare;
	type Access = TestAccess;
	type Audit = TestAudit;
	type Locks = ();
	type MaxTitleLen = MaxTitleLen;
	type MaxReadBatch = MaxReadBatch;
	type MaxWriteBatch = MaxWriteBatch;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RecordDeposit = RecordDeposit;
	type WeightInfo = ();
}

pub const PATIENT: AccountId = 1;
pub const DOCTOR: AccountId = 2;
pub const OTHER_DOCTOR: AccountId = 3;
pub const PHARMACY: AccountId = 4;
pub const HOSPITAL: AccountId = 5;
pub const OTHER_PATIENT: AccountId = 6;
pub const STRANGER: AccountId = 9;
/// A verified doctor who treats PATIENT but cannot pay for more than two records.
pub const POOR_DOCTOR: AccountId = 10;

/// What a record costs its author.
pub const RECORD_DEPOSIT: u64 = 10;
/// What every account but POOR_DOCTOR starts with.
pub const ENDOWMENT: u64 = 10_000;

/// What the stand-in charges for ending a grant, per envelope plus one: distinct from every
/// benchmarked weight, so tests see exactly when it is charged.
pub const END_WEIGHT: u64 = 1_000;
/// How many envelopes the stand-in says an ended grant carried.
pub const ENDED_ENVELOPES: u32 = 3;
/// The most envelopes a grant carries, for the stand-in's worst case.
pub const MAX_ENVELOPES: u32 = 64;
/// The most grants the stand-in lets one patient give one grantee.
pub const MAX_GRANTS_PER_PAIR: u32 = 4;

/// A grant as the stand-in consent pallet keeps it.
#[derive(Clone, Debug)]
pub struct TestGrant {
	pub patient: AccountId,
	pub reader: AccountId,
	pub scope: Scope,
	pub uses_left: Option<u32>,
}

thread_local! {
	/// (doctor, patient) pairs in treatment.
	pub static CARE: RefCell<Vec<(AccountId, AccountId)>> = const { RefCell::new(Vec::new()) };
	/// Live grants by id.
	pub static GRANTS: RefCell<BTreeMap<GrantId, TestGrant>> = const { RefCell::new(BTreeMap::new()) };
	/// The audit trail: (patient, actor, action).
	pub static AUDIT: RefCell<Vec<(AccountId, AccountId, AuditAction)>> = const { RefCell::new(Vec::new()) };
}

pub struct TestCare;
impl CareRelationship<AccountId> for TestCare {
	fn is_treating(doctor: &AccountId, patient: &AccountId) -> bool {
		CARE.with(|c| c.borrow().contains(&(*doctor, *patient)))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn start_treatment_for_benchmarks(doctor: &AccountId, patient: &AccountId) {
		CARE.with(|c| c.borrow_mut().push((*doctor, *patient)));
	}
}

pub struct TestAccess;
impl AccessControl<AccountId> for TestAccess {
	fn write_grant(who: &AccountId, patient: &AccountId) -> Option<GrantId> {
		GRANTS.with(|g| {
			g.borrow()
				.iter()
				.find(|(_, g)| g.reader == *who && g.patient == *patient && g.scope == Scope::Write)
				.map(|(id, _)| *id)
		})
	}
	fn pair_grants(reader: &AccountId, patient: &AccountId) -> PairGrants {
		// The stand-in lets any covering grant supply the envelopes the records pallet holds.
		let keys: Vec<RecordId> = pallet_records::Envelopes::<Test>::iter_keys()
			.filter(|(_, holder)| holder == reader)
			.map(|(record, _)| record)
			.collect();
		let grants = GRANTS.with(|g| {
			g.borrow()
				.iter()
				.filter(|(_, g)| g.reader == *reader && g.patient == *patient)
				.map(|(id, g)| PairGrant {
					id: *id,
					scope: g.scope.clone(),
					keys: keys.clone(),
					uses_left: g.uses_left,
					emergency: false,
				})
				.collect()
		});
		// The stand-in's lookup reads one grant; the records pallet's refund is tested on it.
		PairGrants::new(grants, 1)
	}
	fn max_grants_per_pair() -> u32 {
		MAX_GRANTS_PER_PAIR
	}
	fn consume_uses(grant: GrantId, uses: u32) -> Result<Consumed, DispatchError> {
		GRANTS.with(|g| {
			let mut grants = g.borrow_mut();
			let entry = grants.get_mut(&grant).ok_or(DispatchError::Other("no such grant"))?;
			match entry.uses_left {
				Some(left) if left <= uses => {
					grants.remove(&grant);
					return Ok(Consumed::Ended { envelopes: ENDED_ENVELOPES });
				}
				Some(ref mut left) => *left -= uses,
				None => {}
			}
			Ok(Consumed::Counted)
		})
	}
	fn grant_live(grant: GrantId) -> bool {
		GRANTS.with(|g| g.borrow().contains_key(&grant))
	}
	fn end_weight(envelopes: u32) -> Weight {
		Weight::from_parts(END_WEIGHT * (1 + u64::from(envelopes)), 0)
	}
	fn uses_written_weight() -> Weight {
		<<Test as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get().writes(1)
	}
	fn max_end_weight(uses: u32) -> Weight {
		Self::end_weight(MAX_ENVELOPES).saturating_mul(uses.into())
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn grant_for_benchmarks(
		patient: &AccountId,
		reader: &AccountId,
		scope: Scope,
		records: &[RecordId],
		last_use: bool,
		_grants: u32,
	) -> GrantId {
		for record in records {
			let _ = <MedicalRecords as RecordIndex<_>>::add_envelope(*record, reader, [5; 80]);
		}
		add_grant(*patient, *reader, scope, if last_use { Some(1) } else { None })
	}
}

pub struct TestAudit;
impl AuditLog<AccountId> for TestAudit {
	fn log(patient: &AccountId, actor: &AccountId, action: AuditAction) {
		AUDIT.with(|a| a.borrow_mut().push((*patient, *actor, action)));
	}
}

pub fn start_care(doctor: AccountId, patient: AccountId) {
	CARE.with(|c| c.borrow_mut().push((doctor, patient)));
}

pub fn add_grant(
	patient: AccountId,
	reader: AccountId,
	scope: Scope,
	uses_left: Option<u32>,
) -> GrantId {
	GRANTS.with(|g| {
		let mut grants = g.borrow_mut();
		let id = grants.keys().last().map_or(0, |k| k + 1);
		grants.insert(id, TestGrant { patient, reader, scope, uses_left });
		id
	})
}

pub fn audit() -> Vec<(AccountId, AccountId, AuditAction)> {
	AUDIT.with(|a| a.borrow().clone())
}

/// Genesis with no records; the stand-ins start empty and the usual cast registered.
pub fn new_test_ext() -> sp_io::TestExternalities {
	TestRegistry::clear();
	CARE.with(|c| c.borrow_mut().clear());
	GRANTS.with(|g| g.borrow_mut().clear());
	AUDIT.with(|a| a.borrow_mut().clear());
	TestRegistry::set(PATIENT, Role::Patient, false);
	TestRegistry::set(OTHER_PATIENT, Role::Patient, false);
	TestRegistry::set(DOCTOR, Role::Doctor, true);
	TestRegistry::set(OTHER_DOCTOR, Role::Doctor, true);
	TestRegistry::set(PHARMACY, Role::Pharmacy, true);
	TestRegistry::set(HOSPITAL, Role::Hospital, true);
	TestRegistry::set(POOR_DOCTOR, Role::Doctor, true);
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let endowed = [PATIENT, DOCTOR, OTHER_DOCTOR, PHARMACY, HOSPITAL, OTHER_PATIENT, STRANGER];
	pallet_balances::GenesisConfig::<Test> {
		balances: endowed
			.into_iter()
			.map(|who| (who, ENDOWMENT))
			// The existential deposit (1) plus two records.
			.chain([(POOR_DOCTOR, 1 + 2 * RECORD_DEPOSIT)])
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
		MedicalRecords::do_try_state().expect("invariants hold");
	});
}
