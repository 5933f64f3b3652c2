//! The runtime's base and database weights, generated on MedChain's reference machine (this
//! project's 2-core build machine; see docs/performance.md). Never edit the generated files by
//! hand.
//! - `block_weights.rs`, `extrinsic_weights.rs`: `medchain-node benchmark overhead --chain dev
//!   --weight-path runtime/src/weights` (`scripts/benchmark.sh overhead`).
//! - `paritydb_weights.rs`: `medchain-node benchmark storage` on the ParityDB state a full
//!   `scripts/bench.sh` run leaves (414 603 keys), the average read and write.

pub mod block_weights;
pub mod extrinsic_weights;
// The generator documents each field of the weight struct with its statistics.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;
