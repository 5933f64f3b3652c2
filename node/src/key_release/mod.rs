//! The validator's side of key release: it takes part in the committee's key generation
//! ([`dkg`]) and serves its share of records' committee parts over RPC ([`rpc`]). The rules
//! of both live in the runtime (`pallet-key-release`); this module only computes.
//!
//! The member key (`mkrl`) sits in the node's keystore: `--alice` and friends put the dev
//! one there, `author_rotateKeys` or `key insert` a real one. The key generation's secrets
//! (its randomness, the sealing key of round-2 packages) derive from that key's seed and the
//! epoch, so a member that restarts mid-generation resumes it. Once the committee key is
//! agreed, the member's share is kept in the keystore too ([`keystore`], key type `mksh`) and
//! loaded from there on every start.

pub mod dkg;
pub mod keystore;
pub mod rpc;

use std::sync::{Arc, RwLock};

use medchain_threshold::KeyShare;

/// What the operator chose for key release.
#[derive(Clone, Debug, Default)]
pub struct Options {
	/// The URL clients reach this validator's RPC at, announced on chain.
	pub endpoint: Option<String>,
	/// Testing only: answer with wrong shares, so tests can show readers catch them.
	pub faulty: bool,
}

/// This validator's share of the committee key, once the key generation is done.
#[derive(Debug)]
pub struct HeldShare {
	/// The committee epoch the share belongs to.
	pub epoch: u32,
	/// The share itself.
	pub share: KeyShare,
}

/// Shared between the key-generation task and the RPC server.
#[derive(Default)]
pub struct State {
	/// The share, once derived.
	pub held: RwLock<Option<HeldShare>>,
}

/// The state the node's key-release parts share.
pub type SharedState = Arc<State>;
