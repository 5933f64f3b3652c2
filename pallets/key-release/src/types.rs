//! What the key-release pallet stores and answers.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, PartialEqNoBound,
};
use medchain_primitives::{CommitteeCiphertext, GrantId, ReleaseKey};
use medchain_threshold::{Point, Purpose};
use scale_info::TypeInfo;

use crate::{crypto::Public as MemberId, BalanceOf, Config};

/// A member's index in the committee, from 1 (its x-coordinate in the sharing).
pub type MemberIndex = u16;

/// A member's round-1 package: FROST's commitments and proof of possession.
pub type Round1Package<T> = BoundedVec<u8, <T as Config>::MaxPackageLen>;

/// A round-2 package sealed to its recipient.
pub type SealedPackage<T> = BoundedVec<u8, <T as Config>::MaxSealedPackageLen>;

/// A member's round-2 packages, one per recipient.
pub type SealedPackages<T> = BoundedVec<(MemberIndex, SealedPackage<T>), <T as Config>::MaxMembers>;

/// The committee of one epoch: its members, its threshold and, once the key generation has
/// finished, its key.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxMembers))]
pub struct Committee<MaxMembers: Get<u32>> {
	/// Counts key generations: a record's committee part names the epoch it was locked to.
	pub epoch: u32,
	/// How many members' shares release a key.
	pub threshold: u16,
	/// The members' keys (`mkrl` in their keystores), member `i` at position `i − 1`.
	pub members: BoundedVec<MemberId, MaxMembers>,
	/// The committee key, once every member confirmed the same one.
	pub key: Option<CommitteeKey<MaxMembers>>,
}

impl<M: Get<u32>> Committee<M> {
	/// How many members there are.
	pub fn size(&self) -> u16 {
		self.members.len() as u16
	}

	/// The index of `member`, if it is one.
	pub fn index_of(&self, member: &MemberId) -> Option<MemberIndex> {
		self.members.iter().position(|m| m == member).map(|i| i as u16 + 1)
	}

	/// The key of member `index`.
	pub fn member(&self, index: MemberIndex) -> Option<&MemberId> {
		index.checked_sub(1).and_then(|i| self.members.get(i as usize))
	}
}

/// The committee key: `H = x·G` and each member's verifying share `x_i·G`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxMembers))]
pub struct CommitteeKey<MaxMembers: Get<u32>> {
	/// What records are locked to.
	pub public: Point,
	/// Member `i`'s verifying share at position `i − 1`: readers check shares against it.
	pub verifying: BoundedVec<Point, MaxMembers>,
}

/// What a member published in the first round of the key generation.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
pub struct Round1Entry<T: Config> {
	/// Its FROST round-1 package: commitments to its polynomial and a proof of possession.
	pub package: Round1Package<T>,
	/// The X25519 key the others seal its round-2 packages to.
	pub sealing_key: [u8; 32],
}

/// A record's committee part, kept from `add_record` on.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
pub struct Lock<T: Config> {
	/// The committee epoch it is locked to.
	pub epoch: u32,
	/// The record's patient.
	pub patient: T::AccountId,
	/// The record's digest (patient, author, CID) its ciphertexts are bound to.
	pub digest: [u8; 32],
	/// `K_c` encrypted to the committee.
	pub committee: CommitteeCiphertext,
	/// For a record of the patient's emergency summary: `K_p` encrypted to the committee,
	/// and the deposit the patient paid for it.
	pub emergency: Option<(CommitteeCiphertext, BalanceOf<T>)>,
}

/// A recorded read the validators may answer: kept for `ReleaseWindow` blocks.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReadEntry {
	/// The reader's one-time X25519 key, which the shares are sealed to.
	pub key: ReleaseKey,
	/// The grant the read was made under.
	pub grant: GrantId,
	/// The read used the grant's last use: the grant ended by being used, not revoked.
	pub last_use: bool,
	/// A read of the emergency summary under emergency access: `K_p` is released too.
	pub emergency: bool,
}

/// What a validator may release for a read, as the runtime decides it at a block.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Release {
	/// The committee epoch whose key shares answer.
	pub epoch: u32,
	/// The reader's one-time key.
	pub key: ReleaseKey,
	/// The record's digest, which the ciphertexts' labels are made of.
	pub digest: [u8; 32],
	/// The ciphertexts to share: the record's committee part, and `K_p` for an emergency read.
	pub parts: Vec<(Purpose, CommitteeCiphertext)>,
}

/// Why a validator may not release anything for a read.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
	/// The committee has no key yet.
	NoCommitteeKey,
	/// The record has no committee part (written before two-lock records, or unknown).
	NotLocked,
	/// The record is locked to an earlier committee epoch, which no longer answers.
	OldEpoch,
	/// No read of this record by this reader was recorded in that block (or it has passed
	/// the release window and was swept).
	NoReadEntry,
	/// The read is older than the release window.
	Expired,
	/// The grant the read was made under has ended other than by that read (revoked,
	/// renounced, expired), or the reader is no longer verified.
	NotPermitted,
}

/// The key generation as one member sees it, for its node.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct DkgView {
	/// The epoch under way or done.
	pub epoch: u32,
	/// The threshold.
	pub threshold: u16,
	/// All members' keys, in index order.
	pub members: Vec<[u8; 32]>,
	/// Each member's round-1 package and sealing key, where published.
	pub round1: Vec<Option<(Vec<u8>, [u8; 32])>>,
	/// Whether each member has published its round-2 packages.
	pub round2_done: Vec<bool>,
	/// The round-2 packages sent to the asking member, by sender index.
	pub round2_to_me: Vec<(MemberIndex, Vec<u8>)>,
	/// Whether each member has confirmed the key it derived.
	pub confirmed: Vec<bool>,
	/// The committee key, once agreed.
	pub key: Option<(Point, Vec<Point>)>,
	/// Each member's announced release endpoint, where announced.
	pub endpoints: Vec<Option<Vec<u8>>>,
}
