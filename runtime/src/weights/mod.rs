//! The runtime's base and database weights, generated on MedChain's reference machine (this
//! project's 2-core build machine; see docs/performance.md). Never edit the generated files by
//! hand.
//! - `block_weights.rs`, `extrinsic_weights.rs`: `medchain-node benchmark overhead --chain dev
//!   --weight-path runtime/src/weights` (`scripts/benchmark.sh overhead`).
//! - `paritydb_weights.rs`: `medchain-node benchmark storage` on the ParityDB state a full
//!   `scripts/bench.sh` run leaves (1 254 006 keys on 2026-12-05), the average read and write.
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
