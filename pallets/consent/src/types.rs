//! The consent pallet's stored types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use medchain_primitives::{AuditAction, GrantId, RecordId, RequestId, Role, Scope};

use crate::BalanceOf;
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
	/// Why, sealed to the patient by the requester's client (HPKE): only the patient can
	/// read it.
	pub purpose: BoundedVec<u8, T::MaxPurposeLen>,
	/// How long they want access, in blocks.
	pub duration: BlockNumberFor<T>,
	/// When they asked.
	pub created_at: BlockNumberFor<T>,
	/// Where it stands.
	pub status: RequestStatus,
	/// Held from the requester until they [clear](crate::Pallet::clear_request) the request.
	pub deposit: BalanceOf<T>,
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
	/// The role the grantee had when it was given: the grant holds only while the grantee is
	/// registered and verified in that role, so leaving and coming back as another role (a
	/// hospital returning as a pharmacy) does not carry it over.
	pub role: Role,
	/// What it covers, emergency grants included.
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
	/// Held while the grant lives, from the patient (or, for an emergency grant, from the
	/// doctor who opened it); released when it ends.
	pub deposit: BalanceOf<T>,
}

impl<T: crate::Config> Grant<T> {
	/// Given by the patient without a request (emergency access is asked for by its doctor).
	pub fn is_unasked(&self) -> bool {
		self.request.is_none() && !self.emergency
	}

	/// Who paid the grant's deposit.
	pub fn depositor(&self) -> &T::AccountId {
		if self.emergency {
			&self.grantee
		} else {
			&self.patient
		}
	}
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
	/// The grantee gave it up.
	Renounced,
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
