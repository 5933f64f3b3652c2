//! The runtime's base and database weights, generated on MedChain's reference machine (this
//! project's 2-core build machine; see docs/performance.md). Never edit the generated files by
//! hand.
//! - `block_weights.rs`, `extrinsic_weights.rs`: `medchain-node benchmark overhead --chain dev
//!   --weight-path runtime/src/weights` (`scripts/benchmark.sh overhead`). The runtime charges
//!   [`extrinsic_base`], the measured extrinsic less what its extensions are charged for.
//! - `paritydb_weights.rs`: `medchain-node benchmark storage --disable-pov-recorder` on the
//!   ParityDB state the dev chain's load leaves (`STORAGE=1 SYNC=0 STEPS=dev scripts/bench.sh`,
//!   1 081 276 keys on 2026-12-07), the average read and write. No proof recorder: a
//!   standalone chain's nodes import blocks without one.
//! - `frame_system_extensions.rs`, `pallet_transaction_payment.rs`, `pallet_balances.rs`,
//!   `pallet_timestamp.rs`: `medchain-node benchmark pallet` (`scripts/benchmark.sh`), for the
//!   FRAME pallets and transaction extensions the runtime uses.

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod pallet_timestamp;
pub mod pallet_transaction_payment;
// The generator documents each field of the weight struct with its statistics.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;

use ::pallet_transaction_payment::WeightInfo as _;
use frame_support::weights::Weight;
use frame_system::ExtensionsWeightInfo as _;

type SystemExtensions = frame_system_extensions::WeightInfo<crate::Runtime>;
type Payment = self::pallet_transaction_payment::WeightInfo<crate::Runtime>;

/// What the transaction extensions' own benchmarks charge for executing them on a signed
/// extrinsic (`CheckMetadataHash` and `AuthorizeCall` charge nothing for a remark). The
/// signer's account, which `CheckNonce` reads and writes, is not in it: it stays charged, at
/// the database's cold cost.
pub fn extensions_execution() -> Weight {
	let nonce_account =
		<crate::Runtime as frame_system::Config>::DbWeight::get().reads_writes(1, 1);
	let execution = [
		SystemExtensions::check_non_zero_sender(),
		SystemExtensions::check_spec_version(),
		SystemExtensions::check_tx_version(),
		SystemExtensions::check_genesis(),
		// The cheaper era of the two, so as not to take off more than was measured.
		SystemExtensions::check_mortality_mortal_transaction()
			.min(SystemExtensions::check_mortality_immortal_transaction()),
		SystemExtensions::check_nonce().saturating_sub(nonce_account),
		SystemExtensions::check_weight(),
		Payment::charge_transaction_payment(),
		SystemExtensions::weight_reclaim(),
	];
	let ref_time = execution.iter().map(Weight::ref_time).fold(0u64, u64::saturating_add);
	Weight::from_parts(ref_time, 0)
}

/// The base weight of every extrinsic: what no transaction extension is charged for
/// (decoding, the signature, the dispatch itself and its events).
///
/// `benchmark overhead` measures a whole no-op signed extrinsic (`System.remark`), every
/// transaction extension included, and each extension is charged again through its own
/// benchmark: the double count polkadot-sdk#9981 describes. The base is therefore the
/// measured no-op less [`extensions_execution`]. A no-op extrinsic is still charged all that
/// was measured, plus a cold read and write of its signer's account.
pub fn extrinsic_base() -> Weight {
	extrinsic_weights::ExtrinsicBaseWeight::get().saturating_sub(extensions_execution())
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::weights::constants::WEIGHT_REF_TIME_PER_MICROS;
	use sp_runtime::traits::TransactionExtension;

	/// The base and the extensions' execution add up to the measured no-op extrinsic: nothing
	/// measured goes uncharged.
	#[test]
	fn a_no_op_extrinsic_is_charged_what_was_measured() {
		let measured = extrinsic_weights::ExtrinsicBaseWeight::get();
		assert!(extensions_execution().ref_time() < measured.ref_time());
		assert_eq!(extrinsic_base() + extensions_execution(), measured);
		// Still more than checking an sr25519 signature could take.
		assert!(extrinsic_base().ref_time() >= 10 * WEIGHT_REF_TIME_PER_MICROS);
	}

	/// The extensions the runtime signs with charge, for a remark, at least the execution
	/// taken off the base, and the signer's account on top.
	#[test]
	fn the_extensions_charge_what_the_base_leaves_out() {
		let remark = crate::RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		let extensions: crate::TxExtension = (
			frame_system::AuthorizeCall::new(),
			frame_system::CheckNonZeroSender::new(),
			frame_system::CheckSpecVersion::new(),
			frame_system::CheckTxVersion::new(),
			frame_system::CheckGenesis::new(),
			frame_system::CheckEra::from(sp_runtime::generic::Era::mortal(256, 0)),
			frame_system::CheckNonce::from(0),
			frame_system::CheckWeight::new(),
			::pallet_transaction_payment::ChargeTransactionPayment::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::new(false),
			frame_system::WeightReclaim::new(),
		);
		let charged = extensions.weight(&remark);
		let account = <crate::Runtime as frame_system::Config>::DbWeight::get().reads_writes(1, 1);
		assert!(charged.ref_time() >= (extensions_execution() + account).ref_time());
	}
}
