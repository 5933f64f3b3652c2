//! The accounts the fuzzer signs with and the genesis they start from.
//!
//! A small fixed cast (rather than random account ids) is what lets random calls meet each
//! other: the same three patients and four practitioners keep booking, granting and reading.

use medchain_runtime::{
	AccountId, BalancesConfig, RegistryConfig, Runtime, RuntimeGenesisConfig, SudoConfig, UNIT,
};
use sp_runtime::{AccountId32, BuildStorage, Storage};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Actor {
	Patient1,
	Patient2,
	Patient3,
	Doctor1,
	Doctor2,
	Hospital,
	Pharmacy,
	Verifier,
	/// Can afford one patient deposit and little else: reaches `InsufficientBalance`.
	Poor,
	/// The sudo key: only signs `sudo(...)` of admin calls (never raw bytes, since sudo of
	/// arbitrary calls may legitimately break any invariant).
	Root,
	/// Throw-away accounts acting together against one victim (the second review's floods):
	/// they register as patients and book one doctor, or push unasked grants onto one
	/// practitioner.
	Sybil1,
	Sybil2,
	Sybil3,
	Sybil4,
	Sybil5,
	Sybil6,
	Sybil7,
	Sybil8,
}

use Actor::*;

pub const PATIENTS: &[Actor] = &[Patient1, Patient2, Patient3, Poor];
pub const DOCTORS: &[Actor] = &[Doctor1, Doctor2];
pub const PRACTITIONERS: &[Actor] = &[Doctor1, Doctor2, Hospital, Pharmacy];
/// Everyone who may sign an arbitrary call.
pub const SIGNERS: &[Actor] =
	&[Patient1, Patient2, Patient3, Doctor1, Doctor2, Hospital, Pharmacy, Verifier, Poor];
pub const SYBILS: &[Actor] = &[Sybil1, Sybil2, Sybil3, Sybil4, Sybil5, Sybil6, Sybil7, Sybil8];
pub const ALL: &[Actor] = &[
	Patient1, Patient2, Patient3, Doctor1, Doctor2, Hospital, Pharmacy, Verifier, Poor, Root,
	Sybil1, Sybil2, Sybil3, Sybil4, Sybil5, Sybil6, Sybil7, Sybil8,
];

impl Actor {
	pub fn account(self) -> AccountId {
		AccountId32::new([self as u8 + 1; 32])
	}

	/// The role a well-behaved client of this actor registers with.
	pub fn natural_role(self) -> medchain_primitives::Role {
		use medchain_primitives::Role;
		match self {
			Doctor1 | Doctor2 | Verifier => Role::Doctor,
			Hospital => Role::Hospital,
			Pharmacy => Role::Pharmacy,
			_ => Role::Patient,
		}
	}
}

/// Picks an actor: mostly one of `natural` (who a real client would sign with), sometimes
/// anyone, so that origin checks are exercised too.
pub fn choose(selector: u8, natural: &[Actor]) -> Actor {
	if selector < 224 {
		natural[selector as usize % natural.len()]
	} else {
		SIGNERS[selector as usize % SIGNERS.len()]
	}
}

fn genesis_storage() -> Storage {
	RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: ALL
				.iter()
				.map(|a| {
					let endowment = match a {
						Poor => 2 * UNIT,
						// Enough to register and act a few times: floods must cost them.
						a if SYBILS.contains(a) => 5 * UNIT,
						_ => 1_000 * UNIT,
					};
					(a.account(), endowment)
				})
				.collect(),
			..Default::default()
		},
		registry: RegistryConfig { verifiers: vec![Verifier.account()] },
		sudo: SudoConfig { key: Some(Root.account()) },
		..Default::default()
	}
	.build_storage()
	.map(with_committee)
	.expect("genesis builds")
}

/// The fuzzer's committee secret seed: cases lock records to its key, and so can make valid
/// committee parts (and grafted or garbled ones).
pub const COMMITTEE_SEED: [u8; 32] = [7; 32];

/// A keyed committee of one, as if its key generation had run: the fuzzer exercises what
/// records and reads do with locks, not the members' messages (the pallet's tests do those).
fn with_committee(mut storage: Storage) -> Storage {
	use codec::Encode;
	use frame_support::BoundedVec;
	let (_, key) = medchain_threshold::dkg::solo(&COMMITTEE_SEED, 0);
	let member =
		pallet_key_release::crypto::Public::from(sp_core::ed25519::Public::from_raw([9; 32]));
	let committee =
		pallet_key_release::Committee::<<Runtime as pallet_key_release::Config>::MaxMembers> {
			epoch: 0,
			threshold: 1,
			members: BoundedVec::truncate_from(vec![member]),
			key: Some(pallet_key_release::CommitteeKey {
				public: key.public,
				verifying: BoundedVec::truncate_from(key.verifying),
			}),
		};
	storage.top.insert(
		pallet_key_release::CurrentCommittee::<Runtime>::hashed_key().to_vec(),
		committee.encode(),
	);
	storage
}

thread_local! {
	/// Built once per thread: every case starts from a copy.
	static GENESIS: Storage = genesis_storage();
}

pub fn new_ext() -> sp_io::TestExternalities {
	GENESIS.with(|g| sp_io::TestExternalities::new(g.clone()))
}

/// The actor behind `account`, if it is one of the cast.
pub fn actor_of(account: &AccountId) -> Option<Actor> {
	ALL.iter().copied().find(|a| a.account() == *account)
}
