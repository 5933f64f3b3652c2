//! # MedChain runtime
//!
//! The state transition function of MedChain: FRAME's system pallets (Aura block production,
//! GRANDPA finality, balances, transaction payment and sudo as the dev chain's administrator)
//! plus MedChain's own pallets, which join as they land.
//!
//! The layout follows the polkadot-sdk templates:
//! - [`configs`] holds every pallet's `Config`,
//! - [`apis`] implements the runtime APIs the node and clients call,
//! - [`genesis_config_presets`] builds the `development` and `local_testnet` genesis,
//! - `benchmarks` lists the pallets the node's `benchmark pallet` command measures.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to deeply nested types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// `benchmarks` defines the `list_benchmarks!`/`add_benchmarks!` macros that `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod authorized;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types for the node: it only needs blocks and extrinsics as bytes, so it keeps syncing
/// across runtime upgrades that change their inner structure.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The session keys of a MedChain validator.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub key_release: KeyRelease,
	}
}

/// Runtime version. `spec_version` must be bumped on every change of runtime logic,
/// `impl_version` on a change of code that does the same thing, `transaction_version` on every
/// change of call indices or arguments.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("medchain"),
	impl_name: alloc::borrow::Cow::Borrowed("medchain-node"),
	authoring_version: 1,
	spec_version: 116,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

mod block_times {
	/// Average time between blocks. Aura's slot duration is twice the timestamp pallet's
	/// minimum period, which is derived from this (or from a development chain's shorter
	/// `configs::SlotDuration`).
	///
	/// Changing it on a running chain stalls block production.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;

	/// Slot duration of Aura, in milliseconds.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
}
pub use block_times::*;

/// Time expressed in blocks, for durations of grants and appointments.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// The token: MED with 12 decimals.
pub const TOKEN_SYMBOL: &str = "MED";
pub const TOKEN_DECIMALS: u8 = 12;
/// One MED in its smallest unit.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = 1_000_000_000;
pub const MICRO_UNIT: Balance = 1_000_000;

/// The balance below which an account is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// The SS58 address prefix (42: the generic Substrate prefix that wallets know).
pub const SS58_PREFIX: u16 = 42;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;

/// An account id: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account.
pub type Balance = u128;

/// Index of a transaction in the chain.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;

/// An index to a block.
pub type BlockNumber = u32;

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;

/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// A Block signed with a Justification.
pub type SignedBlock = generic::SignedBlock<Block>;

/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions: the standard set, so polkadot.js Apps and subxt sign MedChain
/// transactions without custom types.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations of the runtime, aside from the ones declared in the pallets.
#[allow(unused_parens)]
type Migrations = (
	pallet_consent::migrations::v2::MigrateV1ToV2<Runtime, configs::medchain::ConsentV1AuditRing>,
	pallet_consent::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_consent::migrations::v4::MigrateV3ToV4<Runtime>,
	pallet_appointments::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_appointments::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_records::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_records::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_key_release::migrations::v1::InitCommittee<Runtime, configs::medchain::GrandpaMembers>,
);

/// Executive: handles dispatch to the various modules.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	// MedChain's own pallets.
	#[runtime::pallet_index(10)]
	pub type Registry = pallet_registry;

	#[runtime::pallet_index(11)]
	pub type Appointments = pallet_appointments;

	#[runtime::pallet_index(12)]
	pub type Records = pallet_records;

	#[runtime::pallet_index(13)]
	pub type Consent = pallet_consent;

	#[runtime::pallet_index(14)]
	pub type ShareLinks = pallet_share_links;

	#[runtime::pallet_index(15)]
	pub type KeyRelease = pallet_key_release;
}
