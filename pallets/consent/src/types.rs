//! The consent pallet's stored types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{AuditAction, GrantId, RecordId, RequestId, Scope};
use scale_info::TypeInfo;

/// Where a request stands.
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
	DebugNoBound,
)]
pub enum RequestStatus {
	/// Waiting for the patient.
	Pending,
	/// The patient granted it.
	Granted { grant: GrantId },
	/// The patient denied it.
	Denied,
	/// The requester withdrew it.
	Cancelled,
}

/// A practitioner's request for access to a patient's data.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Request<T: crate::Config> {
	/// Who asks.
	pub requester: T::AccountId,
	/// Whose data.
	pub patient: T::AccountId,
	/// What they ask for.
	pub scope: Scope,
	/// Why, sealed to the patient by the requester's client.
	pub purpose: BoundedVec<u8, T::MaxPurposeLen>,
	/// How long they want access, in blocks.
	pub duration: BlockNumberFor<T>,
	/// When they asked.
	pub created_at: BlockNumberFor<T>,
	/// Where it stands.
	pub status: RequestStatus,
}

/// A live grant: `grantee` may use `scope` of `patient`'s data until `expires_at` (exclusive),
/// at most `uses_left` more times if limited, while the grantee stays verified.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Grant<T: crate::Config> {
	/// Who granted it.
	pub patient: T::AccountId,
	/// Who holds it.
	pub grantee: T::AccountId,
	/// What it covers (an emergency grant covers every record, whatever its scope says).
	pub scope: Scope,
	/// The first block at which it no longer holds.
	pub expires_at: BlockNumberFor<T>,
	/// How many more reads or dispenses it allows, if limited.
	pub uses_left: Option<u32>,
	/// Opened by a doctor through break-glass emergency access, not by the patient.
	pub emergency: bool,
	/// The request it answers, if any.
	pub request: Option<RequestId>,
	/// The records for which the grant added an envelope, removed when it ends.
	pub envelopes: BoundedVec<RecordId, T::MaxEnvelopes>,
}

/// Why a grant ended.
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
	DebugNoBound,
)]
pub enum EndReason {
	/// The patient revoked it.
	Revoked,
	/// It reached its expiry block.
	Expired,
	/// Its last use was consumed.
	UsedUp,
}

/// One entry of a patient's audit trail.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct AuditEntry<T: crate::Config> {
	/// When it happened.
	pub at: BlockNumberFor<T>,
	/// Who did it (pseudonymous account id).
	pub actor: T::AccountId,
	/// What was done.
	pub action: AuditAction,
}

/// Where a patient's audit ring stands: the slot written next and how many slots are used.
#[derive(
	Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
pub struct AuditCursor {
	/// The slot the next entry goes to.
	pub next: u32,
	/// How many slots hold entries (at most `MaxAuditEntries`).
	pub len: u32,
}
