//! `medchain-load`: how many of each MedChain call the chain finalizes per second.
//!
//! The design follows polkadot-stps and tx-test-tool:
//! - **Setup outside the window.** Fresh accounts are funded from the dev chain's sudo key and
//!   given the state each workload needs (verified practitioners, registered patients, accepted
//!   appointments, grants, prescriptions), each step a [`wave`] that waits for finality.
//! - **Pre-signed.** Every extrinsic of a workload is signed before the window opens, with
//!   nonces kept here and a mortal era ([`presign`]).
//! - **Unwatched submission** through `author_submitExtrinsic` over several WebSocket
//!   connections with a bounded number in flight ([`submit`]).
//! - **Counted from finalized blocks**, never from submissions ([`follow`]): per (pallet,
//!   call), only extrinsics whose `ExtrinsicSuccess` event was emitted; block time from
//!   `Timestamp.set`; each block's weight and length against the normal-class limits.

pub mod accounts;
pub mod client;
pub mod drift;
pub mod follow;
pub mod links;
pub mod plots;
pub mod presign;
pub mod report;
pub mod setup;
pub mod submit;
pub mod wave;
pub mod workloads;
