//! A test runtime with balances (for summary deposits), the shared test registry, stand-ins
//! for consent (live and emergency grants) and records, an audit trail kept in a thread-local
//! list, and committees whose members' `mkrl` keys live in an in-memory keystore.

use crate as pallet_key_release;
use crate::{crypto, DkgMessage, MemberIndex};
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{BuildGenesisConfig, Hooks},
	weights::Weight,
};
use frame_system::EnsureRoot;
use medchain_primitives::{
	AccessControl, AuditAction, AuditLog, Consumed, Envelope, GrantId, PairGrant, PairGrants,
	RecordId, RecordIndex, RecordKind, Role, Scope,
};
pub use medchain_test_support::TestRegistry;
use sp_application_crypto::RuntimeAppPublic;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{BuildStorage, DispatchError};
use std::collections::{BTreeMap, BTreeSet};

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
	pub type KeyRelease = pallet_key_release;
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
	pub const MaxMembers: u32 = 8;
	pub const MaxPackageLen: u32 = 1024;
	pub const MaxSealedPackageLen: u32 = 256;
	pub const MaxEndpointLen: u32 = 128;
	pub const ReleaseWindow: u64 = 10;
	pub const MaxSummary: u32 = 2;
	pub const SummaryDeposit: u64 = 5;
	pub const MessagePriority: u64 = u64::MAX / 2;
}

thread_local! {
	/// The audit trail: (patient, actor, action), in order.
	pub static TRAIL: RefCell<Vec<(AccountId, AccountId, AuditAction)>> =
		const { RefCell::new(Vec::new()) };
	/// The grants that are live (not revoked, renounced, expired or used up).
	static LIVE: RefCell<BTreeSet<GrantId>> = const { RefCell::new(BTreeSet::new()) };
	/// Emergency grants, by (reader, patient).
	static EMERGENCY: RefCell<BTreeMap<(AccountId, AccountId), GrantId>> =
		const { RefCell::new(BTreeMap::new()) };
	/// Records the stand-in records pallet knows: id -> (patient, kind).
	static RECORDS: RefCell<BTreeMap<RecordId, (AccountId, RecordKind)>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The consent pallet as far as key release asks it: which grants are live, and which
/// emergency grants are open.
pub struct TestAccess;
impl AccessControl<AccountId> for TestAccess {
	fn write_grant(_: &AccountId, _: &AccountId) -> Option<GrantId> {
		None
	}
	fn pair_grants(reader: &AccountId, patient: &AccountId) -> PairGrants {
		// Only emergency grants: they open the emergency summary without an envelope.
		let grants = EMERGENCY
			.with(|e| e.borrow().get(&(*reader, *patient)).copied())
			.filter(|grant| Self::grant_live(*grant))
			.map(|id| PairGrant {
				id,
				scope: Scope::Profile,
				keys: Vec::new(),
				uses_left: None,
				emergency: true,
			})
			.into_iter()
			.collect();
		PairGrants::new(grants, 1)
	}
	fn max_grants_per_pair() -> u32 {
		1
	}
	fn consume_uses(grant: GrantId, _: u32) -> Result<Consumed, DispatchError> {
		if Self::grant_live(grant) {
			Ok(Consumed::Counted)
		} else {
			Err(DispatchError::Other("no such grant"))
		}
	}
	fn grant_live(grant: GrantId) -> bool {
		LIVE.with(|l| l.borrow().contains(&grant))
	}
	fn end_weight(_: u32) -> Weight {
		Weight::zero()
	}
	fn uses_written_weight() -> Weight {
		<Test as frame_system::Config>::DbWeight::get().writes(1)
	}
	fn max_end_weight(_: u32) -> Weight {
		Weight::zero()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn grant_for_benchmarks(
		_patient: &AccountId,
		_reader: &AccountId,
		_scope: medchain_primitives::Scope,
		_records: &[RecordId],
		_last_use: bool,
		_grants: u32,
	) -> GrantId {
		let id = LIVE.with(|l| l.borrow().iter().next_back().map_or(0, |last| last + 1));
		grant(id);
		id
	}
}

/// Makes `id` a live grant.
pub fn grant(id: GrantId) {
	LIVE.with(|l| l.borrow_mut().insert(id));
}

/// Ends grant `id` other than by a read (revoked, renounced, expired).
pub fn end_grant(id: GrantId) {
	LIVE.with(|l| l.borrow_mut().remove(&id));
	EMERGENCY.with(|e| e.borrow_mut().retain(|_, grant| *grant != id));
}

/// Opens emergency grant `id` of `reader` on `patient`'s history.
pub fn open_emergency(reader: AccountId, patient: AccountId, id: GrantId) {
	grant(id);
	EMERGENCY.with(|e| e.borrow_mut().insert((reader, patient), id));
}

/// The records pallet, minimal: key release never asks it about a record.
pub struct TestRecords;
impl RecordIndex<AccountId> for TestRecords {
	fn record(record: RecordId) -> Option<(AccountId, RecordKind)> {
		RECORDS.with(|r| r.borrow().get(&record).copied())
	}
	fn add_envelope(_: RecordId, _: &AccountId, _: Envelope) -> Result<(), DispatchError> {
		Ok(())
	}
	fn remove_envelope(_: RecordId, _: &AccountId) {}
	fn has_envelope(_: RecordId, _: &AccountId) -> bool {
		false
	}
	fn grant_holders(_: RecordId, _: &AccountId) -> u32 {
		0
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn create_for_benchmarks(
		patient: &AccountId,
		_author: &AccountId,
		kind: RecordKind,
	) -> RecordId {
		RECORDS.with(|r| {
			let mut records = r.borrow_mut();
			let id = records.keys().next_back().map_or(0, |last| last + 1);
			records.insert(id, (*patient, kind));
			id
		})
	}
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

impl pallet_key_release::Config for Test {
	type Registry = TestRegistry;
	type Access = TestAccess;
	type Records = TestRecords;
	type Audit = TestAudit;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type SummaryDeposit = SummaryDeposit;
	type MaxSummary = MaxSummary;
	type MaxMembers = MaxMembers;
	type MaxPackageLen = MaxPackageLen;
	type MaxSealedPackageLen = MaxSealedPackageLen;
	type MaxEndpointLen = MaxEndpointLen;
	type ReleaseWindow = ReleaseWindow;
	type MessagePriority = MessagePriority;
	type WeightInfo = ();
}

pub const PATIENT: AccountId = 1;
pub const OTHER_PATIENT: AccountId = 2;
pub const DOCTOR: AccountId = 3;
pub const OTHER_DOCTOR: AccountId = 4;
/// A patient with no funds.
pub const BROKE_PATIENT: AccountId = 5;
pub const ENDOWMENT: u64 = 1_000;

/// The keystore seed of the member key numbered `i`: a dev derivation path, so valid UTF-8.
pub fn member_seed(i: u16) -> Vec<u8> {
	format!("//member{i}").into_bytes()
}

/// Puts the member key numbered `i` in the keystore and returns it.
pub fn member_key(i: u16) -> crypto::Public {
	crypto::Public::generate_pair(Some(member_seed(i)))
}

/// The hash of block 0 as `frame_system` gives it here: what members sign against.
pub fn genesis_hash() -> <Test as frame_system::Config>::Hash {
	frame_system::Pallet::<Test>::block_hash(0u64)
}

/// `message` signed with `key` from the keystore, as a member's node signs it.
pub fn sign_with(key: &crypto::Public, message: &DkgMessage<Test>) -> crypto::Signature {
	key.sign(&message.signing_payload(genesis_hash().as_ref()))
		.expect("the member's key is in the keystore")
}

/// Moves to block `n`, giving every block on the way (and block `n`) an idle sweep with
/// plenty of weight.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		KeyRelease::on_idle(next, Weight::MAX);
	}
}

/// Genesis with no committee; the stand-ins start empty, the usual cast registered, and an
/// in-memory keystore for members' keys.
pub fn new_test_ext() -> sp_io::TestExternalities {
	TestRegistry::clear();
	TRAIL.with(|t| t.borrow_mut().clear());
	LIVE.with(|l| l.borrow_mut().clear());
	EMERGENCY.with(|e| e.borrow_mut().clear());
	RECORDS.with(|r| r.borrow_mut().clear());
	TestRegistry::set(PATIENT, Role::Patient, false);
	TestRegistry::set(OTHER_PATIENT, Role::Patient, false);
	TestRegistry::set(BROKE_PATIENT, Role::Patient, false);
	TestRegistry::set(DOCTOR, Role::Doctor, true);
	TestRegistry::set(OTHER_DOCTOR, Role::Doctor, true);
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(PATIENT, ENDOWMENT),
			(OTHER_PATIENT, ENDOWMENT),
			(DOCTOR, ENDOWMENT),
			(OTHER_DOCTOR, ENDOWMENT),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Genesis with a committee of `n` members (keys `//member1` to `//member{n}` in the
/// keystore, member `i` at index `i`) and threshold `threshold`, its key generation not
/// started.
pub fn committee_ext(n: u16, threshold: u16) -> sp_io::TestExternalities {
	let mut ext = new_test_ext();
	ext.execute_with(|| {
		let members: Vec<crypto::Public> = (1..=n).map(member_key).collect();
		pallet_key_release::GenesisConfig::<Test> {
			members,
			threshold,
			_config: Default::default(),
		}
		.build();
	});
	ext
}

/// The index a message is sent by.
pub fn sender(message: &DkgMessage<Test>) -> MemberIndex {
	match message {
		DkgMessage::Round1 { member, .. }
		| DkgMessage::Round2 { member, .. }
		| DkgMessage::Confirm { member, .. }
		| DkgMessage::Endpoint { member, .. } => *member,
	}
}
