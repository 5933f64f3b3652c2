//! The runtime's base weights, generated on MedChain's reference machine by
//! `medchain-node benchmark overhead --chain dev --weight-path runtime/src/weights`
//! (see docs/development.md). Never edit the generated files by hand.

pub mod block_weights;
pub mod extrinsic_weights;
