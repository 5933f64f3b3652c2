//! The records pallet's stored types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{CidBytes, CommitteeCiphertext, Envelope, GrantId, RecordId, RecordKind};
use scale_info::TypeInfo;

use crate::BalanceOf;

/// A record as the pallet stores it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Record<T: crate::Config> {
	/// Whose history this record is part of.
	pub patient: T::AccountId,
	/// The doctor who wrote it.
	pub author: T::AccountId,
	/// What it is.
	pub kind: RecordKind,
	/// The binary CID of the encrypted file in IPFS.
	pub cid: CidBytes,
	/// The size of the encrypted file, in bytes.
	pub size: u64,
	/// The title, encrypted with the record's data key.
	pub title: BoundedVec<u8, T::MaxTitleLen>,
	/// When it was added.
	pub created_at: BlockNumberFor<T>,
	/// The record this one corrects.
	pub supersedes: Option<RecordId>,
	/// The record that corrects this one.
	pub superseded_by: Option<RecordId>,
	/// What the author paid for storing it, held for as long as the record exists: for good.
	/// Zero for records written before records were paid for (storage version 1).
	pub deposit: BalanceOf<T>,
	/// The data key sealed to the patient. Kept in the record, which is written anyway, so a
	/// new record costs no separate envelope writes; grantees' envelopes are in
	/// [`crate::Envelopes`].
	pub patient_envelope: Envelope,
	/// The data key sealed to the author.
	pub author_envelope: Envelope,
}

impl<T: crate::Config> Record<T> {
	/// The envelope the record keeps for `reader`: its patient's or its author's.
	pub fn own_envelope(&self, reader: &T::AccountId) -> Option<Envelope> {
		if *reader == self.patient {
			Some(self.patient_envelope)
		} else if *reader == self.author {
			Some(self.author_envelope)
		} else {
			None
		}
	}
}

/// One record of a batch ([`crate::Pallet::add_records`]): every argument of
/// [`crate::Pallet::add_record`] but the patient, which the batch names once. `MaxTitle` is
/// the pallet's `MaxTitleLen`.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(MaxTitle))]
pub struct NewRecord<MaxTitle: Get<u32>> {
	/// What it is.
	pub kind: RecordKind,
	/// The binary CID of the encrypted file in IPFS.
	pub cid: CidBytes,
	/// The size of the encrypted file, in bytes.
	pub size: u64,
	/// The title, encrypted with the record's data key.
	pub title: BoundedVec<u8, MaxTitle>,
	/// The prescribed quantity, for a prescription only.
	pub quantity: Option<u32>,
	/// The data key sealed to the patient.
	pub patient_envelope: Envelope,
	/// The data key sealed to the author.
	pub author_envelope: Envelope,
	/// The record this one corrects.
	pub supersedes: Option<RecordId>,
	/// A two-lock record's committee part: `K_c` encrypted to the validators' committee key,
	/// bound to this record. `None` for a record whose envelopes carry the whole key.
	pub lock: Option<CommitteeCiphertext>,
}

/// A grantee's sealed data key for a record, and how many live grants listed the record for
/// them.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound)]
pub struct EnvelopeEntry {
	/// The data key sealed to the reader (HPKE, bound to the record's CID).
	pub envelope: Envelope,
	/// Grants that still need it; removed at zero.
	pub holders: u32,
}

impl EnvelopeEntry {
	/// An envelope with its first holder.
	pub fn new(envelope: Envelope) -> Self {
		Self { envelope, holders: 1 }
	}
}

/// How much of a prescription was dispensed.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound)]
pub struct Dispensing {
	/// The quantity the doctor prescribed.
	pub prescribed: u32,
	/// The quantity pharmacies dispensed so far.
	pub dispensed: u32,
}

impl Dispensing {
	/// What is left to dispense.
	pub fn remaining(&self) -> u32 {
		self.prescribed.saturating_sub(self.dispensed)
	}
}

/// A valid CID (the empty file as `ipfs add --cid-version=1` gives it) for benchmarks and
/// tests.
#[cfg(any(feature = "runtime-benchmarks", test))]
pub fn benchmark_cid() -> CidBytes {
	// 0x01 (CIDv1), 0x55 (raw), 0x12 0x20 (sha2-256, 32 bytes), digest of "".
	let mut bytes = alloc::vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend_from_slice(&[
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
		0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
		0xb8, 0x55,
	]);
	CidBytes::truncate_from(bytes)
}

impl<MaxTitle: Get<u32>> NewRecord<MaxTitle> {
	/// A new record that is neither a prescription nor a correction: it writes no dispensing
	/// state and touches no older record, so it costs less than the benchmarked worst case.
	pub fn is_plain(&self) -> bool {
		self.kind != RecordKind::Prescription && self.supersedes.is_none()
	}

	/// Whether it carries a committee part.
	pub fn is_locked(&self) -> bool {
		self.lock.is_some()
	}
}

/// What `authorise_read` lets a read through under.
#[derive(Clone, Copy)]
pub(crate) struct Permit {
	/// The grant the read is made under; none for the patient or the author.
	pub grant: Option<GrantId>,
	/// A read of the emergency summary under emergency access.
	pub emergency: bool,
}

/// One read an extrinsic recorded, as the key-release pallet is told of it.
pub(crate) struct Read<AccountId> {
	pub record: RecordId,
	pub patient: AccountId,
	pub permit: Permit,
	/// It used the grant's last use.
	pub last_use: bool,
}

/// The reads of one extrinsic checked, audited and charged to their grants.
pub(crate) struct Done<AccountId> {
	/// What the validators are told of them.
	pub reads: alloc::vec::Vec<Read<AccountId>>,
	/// The weight of ending the grants they used up and of writing back uses to more than one
	/// grant, beyond the calling extrinsic's own.
	pub ended: frame_support::weights::Weight,
	/// How many grants the lookup read.
	pub grants_read: u32,
}
