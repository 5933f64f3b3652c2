//! What the pallet stores about a link.

use crate::{BalanceOf, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

/// A live SMART Health Link.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Link<T: Config> {
	/// Whose records it shares; pays the deposit.
	pub patient: T::AccountId,
	/// The account of the host that serves it, the only one that records its use.
	pub host: T::AccountId,
	/// The block it was created in.
	pub created_at: BlockNumberFor<T>,
	/// The first block in which it no longer opens.
	pub expires_at: BlockNumberFor<T>,
	/// Openings left (at least one while it lives).
	pub uses_left: u32,
	/// Whether a passcode guards it.
	pub passcode: bool,
	/// Wrong passcodes left before it locks (zero without a passcode).
	pub attempts_left: u32,
	/// How many times it was opened.
	pub opened: u32,
	/// How many wrong passcodes were tried.
	pub failed: u32,
	/// Held from the patient until it ends.
	pub deposit: BalanceOf<T>,
	/// What it shares (label and records), sealed to the patient by their client.
	pub sealed: BoundedVec<u8, T::MaxSealedLen>,
}

impl<T: Config> Link<T> {
	/// Whether the link still opens at block `now`.
	pub fn is_live(&self, now: BlockNumberFor<T>) -> bool {
		now < self.expires_at
	}
}

/// Why a link ended.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum EndReason {
	/// The patient revoked it.
	Revoked,
	/// It reached its expiry block.
	Expired,
	/// Its last use was consumed.
	UsedUp,
	/// Wrong passcodes used up its attempts.
	Locked,
}
