//! What proptest generates: abstract operations, resolved into calls against the state only when
//! they run (see `calls`). Ids and accounts are selectors, not values, so a sequence stays
//! meaningful while proptest shrinks it, and most calls name things that exist.

use proptest::{collection::vec, prelude::*, sample::select};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
	// Time.
	NextBlock,
	Jump,
	// Registry.
	RegisterPatient,
	Apply,
	UpdateCredentials,
	UpdateKeys,
	Deregister,
	Verify,
	Reject,
	Suspend,
	RevokePractitioner,
	AddVerifier,
	RemoveVerifier,
	// Appointments.
	RequestAppointment,
	Accept,
	Decline,
	CancelAppointment,
	Complete,
	ClearAppointment,
	ReportSpam,
	// Records.
	AddRecord,
	AddRecords,
	ReadRecord,
	ReadRecords,
	Dispense,
	// Consent.
	RequestAccess,
	CancelRequest,
	Grant,
	Deny,
	GrantAccess,
	RevokeGrant,
	Emergency,
	AddEnvelopes,
	Renounce,
	ClearRequest,
	// Many throw-away accounts against one victim.
	SybilBook,
	SybilGrant,
	// Share links.
	CreateLink,
	OpenLink,
	FailPasscode,
	RevokeLink,
	// Key release.
	AddToSummary,
	RemoveFromSummary,
	// Balances.
	Transfer,
	// Arbitrary bytes decoded as a `RuntimeCall`.
	Raw,
}

/// How often each kind is drawn. Setup calls (registering, verifying, booking) are frequent
/// enough that most cases reach grants, reads and dispenses; terminal ones (revoking a
/// practitioner for good, deregistering) are rare so they do not end the story early.
const WEIGHTS: &[(Kind, usize)] = &[
	(Kind::NextBlock, 10),
	(Kind::Jump, 2),
	(Kind::RegisterPatient, 5),
	(Kind::Apply, 5),
	(Kind::UpdateCredentials, 1),
	(Kind::UpdateKeys, 1),
	(Kind::Deregister, 1),
	(Kind::Verify, 6),
	(Kind::Reject, 1),
	(Kind::Suspend, 1),
	(Kind::RevokePractitioner, 1),
	(Kind::AddVerifier, 1),
	(Kind::RemoveVerifier, 1),
	(Kind::RequestAppointment, 5),
	(Kind::Accept, 5),
	(Kind::Decline, 1),
	(Kind::CancelAppointment, 2),
	(Kind::Complete, 2),
	(Kind::ClearAppointment, 2),
	(Kind::ReportSpam, 1),
	(Kind::AddRecord, 7),
	(Kind::AddRecords, 3),
	(Kind::ReadRecord, 5),
	(Kind::ReadRecords, 3),
	(Kind::Dispense, 4),
	(Kind::RequestAccess, 5),
	(Kind::CancelRequest, 1),
	(Kind::Grant, 5),
	(Kind::Deny, 1),
	(Kind::GrantAccess, 5),
	(Kind::RevokeGrant, 2),
	(Kind::Emergency, 2),
	(Kind::AddEnvelopes, 3),
	(Kind::Renounce, 2),
	(Kind::ClearRequest, 2),
	(Kind::SybilBook, 3),
	(Kind::SybilGrant, 3),
	(Kind::CreateLink, 3),
	(Kind::OpenLink, 3),
	(Kind::FailPasscode, 3),
	(Kind::RevokeLink, 1),
	(Kind::AddToSummary, 2),
	(Kind::RemoveFromSummary, 1),
	(Kind::Transfer, 2),
	(Kind::Raw, 4),
];

/// One abstract operation: `kind` says what, the selectors say who and which (see `calls`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
	pub kind: Kind,
	pub actor: u8,
	pub a: u8,
	pub b: u8,
	pub n: u32,
	/// Only for `Raw`: the bytes after the pallet and call index.
	pub blob: Vec<u8>,
}

impl Op {
	/// A shorthand for regression tests.
	pub fn new(kind: Kind, actor: u8, a: u8, b: u8, n: u32) -> Self {
		Op { kind, actor, a, b, n, blob: Vec::new() }
	}
}

fn kinds() -> Vec<Kind> {
	WEIGHTS.iter().flat_map(|(k, w)| std::iter::repeat_n(*k, *w)).collect()
}

pub fn op() -> impl Strategy<Value = Op> {
	select(kinds()).prop_flat_map(|kind| {
		let blob = if kind == Kind::Raw {
			vec(any::<u8>(), 0..64).boxed()
		} else {
			Just(Vec::new()).boxed()
		};
		(any::<u8>(), any::<u8>(), any::<u8>(), any::<u32>(), blob)
			.prop_map(move |(actor, a, b, n, blob)| Op { kind, actor, a, b, n, blob })
	})
}

/// A case: up to `max` operations from a fresh genesis.
pub fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
	vec(op(), 1..=max)
}
