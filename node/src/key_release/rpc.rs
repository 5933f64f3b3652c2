//! `keyRelease_share`: this validator's share of a record's committee part, for a read the
//! chain recorded, sealed to the reader's one-time key.
//!
//! The runtime decides at the node's *finalized* block (`KeyReleaseApi::release`); the share
//! is computed from the ciphertext in state, never from the request, so the method is no
//! decryption oracle. It needs no authentication: only the holder of the read's one-time key
//! opens the answer.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::{
	core::{async_trait, RpcResult},
	proc_macros::rpc,
	types::ErrorObjectOwned,
};
use medchain_runtime::AccountId;
use medchain_threshold::{
	decryption_share, label, seal, verify, DecryptionShare, KeyShare, Purpose, Scalar,
};
use pallet_key_release::{runtime_api::KeyReleaseApi, Refusal};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;

use super::{Options, SharedState};
use crate::service::FullClient;

/// A validator's answer: its member index, the committee epoch, and its shares (one per
/// released part), SCALE-encoded and sealed to the reader's one-time key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareAnswer {
	/// The answering member's index, from 1.
	pub index: u16,
	/// The committee epoch.
	pub epoch: u32,
	/// `0x`-hex of the sealed `Vec<(Purpose, DecryptionShare)>`.
	pub sealed: String,
}

/// The error codes of `keyRelease_share`.
pub mod codes {
	/// The read is recorded in a block that is not finalized yet: retry after finality.
	pub const NOT_FINAL: i32 = 4001;
	/// No such read in that block (or it was swept).
	pub const NO_READ_ENTRY: i32 = 4002;
	/// The read is older than the release window.
	pub const EXPIRED: i32 = 4003;
	/// The read's grant ended (revoked, renounced, expired) or the reader lost verification.
	pub const NOT_PERMITTED: i32 = 4004;
	/// The record has no committee part.
	pub const NOT_LOCKED: i32 = 4005;
	/// The committee has no key yet, or this node has not rebuilt its share.
	pub const NOT_READY: i32 = 4006;
	/// The record is locked to an earlier epoch.
	pub const OLD_EPOCH: i32 = 4007;
	/// The request itself is malformed.
	pub const BAD_REQUEST: i32 = 4008;
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

/// The key-release RPC methods.
#[rpc(server)]
pub trait KeyReleaseRpc {
	/// This validator's share of `record`'s committee part for `reader`'s read recorded at
	/// block `at` (SS58 or `0x`-hex account), sealed to the read's one-time key.
	#[method(name = "keyRelease_share")]
	async fn share(&self, record: u64, reader: String, at: u32) -> RpcResult<ShareAnswer>;
}

/// Serves `keyRelease_share`.
pub struct KeyRelease {
	client: Arc<FullClient>,
	state: SharedState,
	options: Options,
}

impl KeyRelease {
	/// The server over `client`, answering with the share in `state`.
	pub fn new(client: Arc<FullClient>, state: SharedState, options: Options) -> Self {
		Self { client, state, options }
	}
}

fn parse_account(text: &str) -> Result<AccountId, ErrorObjectOwned> {
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes: [u8; 32] = hex::decode(hex)
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| error(codes::BAD_REQUEST, "reader: not a 32-byte hex account id"))?;
		return Ok(AccountId::new(bytes));
	}
	AccountId::from_ss58check(text)
		.map_err(|_| error(codes::BAD_REQUEST, "reader: not an SS58 address or 0x-hex account id"))
}

fn refusal(refusal: Refusal) -> ErrorObjectOwned {
	match refusal {
		Refusal::NoCommitteeKey => error(codes::NOT_READY, "the committee has no key yet"),
		Refusal::NotLocked => error(codes::NOT_LOCKED, "the record has no committee part"),
		Refusal::OldEpoch => {
			error(codes::OLD_EPOCH, "the record is locked to an earlier committee")
		}
		Refusal::NoReadEntry => {
			error(codes::NO_READ_ENTRY, "no read of this record by this reader in that block")
		}
		Refusal::Expired => error(codes::EXPIRED, "the read is older than the release window"),
		Refusal::NotPermitted => error(
			codes::NOT_PERMITTED,
			"the read's grant has ended or the reader is no longer verified",
		),
	}
}

#[async_trait]
impl KeyReleaseRpcServer for KeyRelease {
	async fn share(&self, record: u64, reader: String, at: u32) -> RpcResult<ShareAnswer> {
		let reader = parse_account(&reader)?;
		let info = self.client.info();
		let api = self.client.runtime_api();
		let decided = api
			.release(info.finalized_hash, record, reader.clone(), at)
			.map_err(|e| error(codes::NOT_READY, e.to_string()))?;
		let release = match decided {
			Ok(release) => release,
			// The read may be in a block that is not final yet: say so, so the reader waits.
			Err(Refusal::NoReadEntry) if at > info.finalized_number => {
				// A runtime API instance serves one block: ask the best block with another.
				let pending =
					self.client.runtime_api().release(info.best_hash, record, reader.clone(), at);
				return Err(match pending {
					Ok(Ok(_)) => error(codes::NOT_FINAL, "the read is not finalized yet"),
					_ => refusal(Refusal::NoReadEntry),
				});
			}
			Err(other) => return Err(refusal(other)),
		};
		let held = self.state.held.read().map_err(|e| error(codes::NOT_READY, e.to_string()))?;
		let held = held.as_ref().filter(|h| h.epoch == release.epoch).ok_or_else(|| {
			error(codes::NOT_READY, "this validator has not derived its share yet")
		})?;
		let mut rng = rand_core::OsRng;
		let mut shares: Vec<(Purpose, DecryptionShare)> = Vec::new();
		for (purpose, ct) in &release.parts {
			// The runtime checked it when it was stored; checking again costs little and
			// yields the point the share is computed on.
			let u = verify(ct, &label(*purpose, release.epoch, &release.digest))
				.map_err(|e| error(codes::NOT_LOCKED, e.to_string()))?;
			let share = if self.options.faulty {
				// Testing only: a share made with the wrong secret, whose proof cannot hold
				// against this member's verifying share.
				let wrong = KeyShare {
					index: held.share.index,
					secret: held.share.secret + Scalar::ONE,
					verifying: held.share.verifying,
				};
				decryption_share(&wrong, &u, &mut rng)
			} else {
				decryption_share(&held.share, &u, &mut rng)
			};
			shares.push((*purpose, share));
		}
		let info = seal::answer_info(record, reader.as_ref(), held.share.index);
		let sealed = seal::seal(&release.key, &info, &shares.encode(), &mut rng)
			.map_err(|e| error(codes::BAD_REQUEST, e.to_string()))?;
		Ok(ShareAnswer {
			index: held.share.index,
			epoch: release.epoch,
			sealed: format!("0x{}", hex::encode(sealed)),
		})
	}
}
