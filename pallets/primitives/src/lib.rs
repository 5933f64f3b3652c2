//! # MedChain primitives
//!
//! Types and traits shared by MedChain's pallets. The pallets never depend on each other's
//! crates: each names what it needs from the others as a trait here, and the runtime wires the
//! implementations together. That keeps the dependency graph acyclic (records need consent to
//! authorise reads; consent needs records to bind key envelopes) and lets each pallet's tests
//! plug in simple implementations.
//!
//! Nothing here carries personal health information: accounts are pseudonymous ids, records
//! are ids and CIDs of encrypted files.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod pair_grants;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, weights::Weight, BoundedVec};
pub use pair_grants::{PairGrant, PairGrants, Use};
use scale_info::TypeInfo;
use sp_runtime::DispatchError;

/// Identifies a medical record (sequential, never reused).
pub type RecordId = u64;
/// Identifies an access request (sequential, never reused).
pub type RequestId = u64;
/// Identifies a grant (sequential, never reused).
pub type GrantId = u64;
/// Identifies an appointment (sequential, never reused).
pub type AppointmentId = u64;

/// Identifies a SMART Health Link on chain: the SHA-256 of the random id in its manifest URL,
/// so the chain names a link without showing where it is served.
pub type LinkId = [u8; 32];

/// The longest recipient name a link's host records, in bytes, before sealing (shorter names
/// are padded, so the sealed size says nothing about the name).
pub const RECIPIENT_NAME_LEN: usize = 64;
/// The size of a sealed recipient name: an HPKE encapsulated key of 32 bytes, the padded name
/// and a 16-byte tag.
pub const SEALED_NAME_LEN: usize = 32 + RECIPIENT_NAME_LEN + 16;
/// The name a link's recipient gave the host, sealed to the patient.
pub type SealedName = [u8; SEALED_NAME_LEN];

/// An X25519 public key: what clients seal key envelopes to.
pub type EncryptionKey = [u8; 32];

/// The longest CID accepted anywhere (a CIDv1 with a 64-byte digest fits with room).
pub const MAX_CID_LEN: u32 = 128;
/// A CID as its binary bytes (what `Cid::to_bytes` gives), bounded.
pub type CidBytes = BoundedVec<u8, ConstU32<MAX_CID_LEN>>;

/// The size of a sealed key envelope: an HPKE (RFC 9180, DHKEM(X25519), ChaCha20-Poly1305)
/// encapsulated key of 32 bytes plus a 32-byte data key sealed with a 16-byte tag.
pub const ENVELOPE_LEN: usize = 32 + 32 + 16;
/// A data key sealed to one reader.
pub type Envelope = [u8; ENVELOPE_LEN];

/// The role an account registers with. One role per account.
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
pub enum Role {
	/// Owns a medical history; never needs verification.
	Patient,
	/// Treats patients and writes records; must be verified.
	Doctor,
	/// Requests prescriptions and reports for its care; must be verified.
	Hospital,
	/// Dispenses prescriptions; must be verified.
	Pharmacy,
}

impl Role {
	/// Whether this role must be verified before it can act.
	pub fn is_practitioner(self) -> bool {
		!matches!(self, Role::Patient)
	}
}

/// What a record is.
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
pub enum RecordKind {
	/// A clinical report (consultation notes, discharge summary, ...).
	Report,
	/// A prescription: carries a dispensing state.
	Prescription,
	/// A laboratory result.
	LabResult,
	/// Imaging (X-ray, MRI, ...).
	Imaging,
	/// A referral letter to another practitioner.
	Referral,
}

/// The most records a grant or request may list one by one.
pub const MAX_LISTED_RECORDS: u32 = 32;

/// What a request or grant covers.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Scope {
	/// Read every report-like record of the patient (reports, lab results, imaging, referrals).
	Reports,
	/// Read (and, for a pharmacy, dispense) every prescription of the patient.
	Prescriptions,
	/// Read the patient's encrypted profile.
	Profile,
	/// Read exactly these records.
	Records(BoundedVec<RecordId, ConstU32<MAX_LISTED_RECORDS>>),
	/// Add records for the patient (a doctor without an accepted appointment).
	Write,
}

impl Scope {
	/// Whether this scope lets its holder read a record of `kind` with id `record`.
	pub fn covers_record(&self, record: RecordId, kind: RecordKind) -> bool {
		match self {
			Scope::Reports => kind != RecordKind::Prescription,
			Scope::Prescriptions => kind == RecordKind::Prescription,
			Scope::Records(ids) => ids.contains(&record),
			Scope::Profile | Scope::Write => false,
		}
	}
}

/// How a practitioner stands with the verifiers.
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
pub enum VerificationStatus<BlockNumber> {
	/// Applied; no verifier has decided yet.
	Pending,
	/// Verified, until the given block if any.
	Verified { until: Option<BlockNumber> },
	/// Rejected by a verifier.
	Rejected,
	/// Suspended by a verifier; may be verified again.
	Suspended,
	/// Revoked by a verifier; final.
	Revoked,
}

/// What the other pallets ask the registry.
pub trait RoleRegistry<AccountId> {
	/// The role `who` registered with, if any.
	fn role(who: &AccountId) -> Option<Role>;

	/// Whether `who` is a practitioner (doctor, hospital, pharmacy) verified right now.
	fn is_verified_practitioner(who: &AccountId) -> bool;

	/// Whether `who` is registered as `role` and, for practitioners, verified right now.
	fn is_active(who: &AccountId, role: Role) -> bool {
		Self::role(who) == Some(role)
			&& (!role.is_practitioner() || Self::is_verified_practitioner(who))
	}

	/// The X25519 key that `who` published, if registered.
	fn encryption_key(who: &AccountId) -> Option<EncryptionKey>;

	/// Which registration of `who` is the current one, if registered: the block it happened
	/// at. An account that leaves and registers again gets a new one, so a relationship
	/// recorded under the earlier registration can be told apart (it ended when they left).
	fn registration(who: &AccountId) -> Option<u64>;

	/// Registers `who` as an active account of `role` (verified if a practitioner), for
	/// other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(who: &AccountId, role: Role);
}

/// What records and consent ask the appointments pallet: does a doctor treat a patient?
pub trait CareRelationship<AccountId> {
	/// Whether `doctor` has an accepted (not cancelled, not completed-and-closed) appointment
	/// with `patient`.
	fn is_treating(doctor: &AccountId, patient: &AccountId) -> bool;

	/// Makes `doctor` treat `patient`, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn start_treatment_for_benchmarks(doctor: &AccountId, patient: &AccountId);
}

/// Why a reader may not read a record under a grant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReadRefusal {
	/// No live grant from the patient covers the record.
	NoGrant,
	/// A live grant (`grant`) covers the record, but none of them carries the reader's
	/// envelope for it.
	NoEnvelope { grant: GrantId },
}

/// What a lookup of the grants a reader holds from one patient found, and what it read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GrantLookup {
	/// The grant to read under, or why there is none.
	pub verdict: Result<GrantId, ReadRefusal>,
	/// How many of the pair's grants the lookup read, at most
	/// [`AccessControl::max_grants_per_pair`]: a read is refunded to the benchmark of that many.
	pub grants: u32,
}

/// What the records pallet asks the consent pallet before it lets anyone but the patient and
/// the author touch a record.
pub trait AccessControl<AccountId> {
	/// The live write grant from `patient` that lets `who` add a record, if any. The caller
	/// must [`consume`](Self::consume) it when it adds the record.
	fn write_grant(who: &AccountId, patient: &AccountId) -> Option<GrantId>;

	/// The live grant that lets `reader` read `record` (of `kind`) of `patient`: one that
	/// covers the record *and* supplied the reader's envelope for it, so the grant charged
	/// for a read is the one that made the read possible.
	fn read_grant(
		reader: &AccountId,
		patient: &AccountId,
		record: RecordId,
		kind: RecordKind,
	) -> GrantLookup {
		let pair = Self::pair_grants(reader, patient);
		GrantLookup { verdict: pair.lookup(record, kind), grants: pair.read() }
	}

	/// The effective grants `patient` gave `reader`, read once: what every read of one
	/// extrinsic looks its grant up in. The uses the reads take from them are consumed with
	/// [`consume_uses`](Self::consume_uses).
	fn pair_grants(reader: &AccountId, patient: &AccountId) -> PairGrants;

	/// The most grants one patient may give one grantee: what a lookup reads at worst.
	fn max_grants_per_pair() -> u32;

	/// Records one use of `grant` (a recorded read, a dispense or a record written under a
	/// write grant); a grant with a use limit ends when its last use is consumed. Says which
	/// happened, so the caller charges the end of a grant only when one ended.
	fn consume(grant: GrantId) -> Result<Consumed, DispatchError> {
		Self::consume_uses(grant, 1)
	}

	/// Records `uses` uses of `grant` at once, as [`consume`](Self::consume) records one: the
	/// reads of one extrinsic under one grant.
	fn consume_uses(grant: GrantId, uses: u32) -> Result<Consumed, DispatchError>;

	/// Whether `grant` is live right now: not revoked, renounced, expired or used up, and its
	/// grantee still verified in the grant's role.
	fn grant_live(grant: GrantId) -> bool;

	/// The weight of ending a grant that carries `envelopes` envelopes when its last use is
	/// consumed (its indexes, expiry, deposit, envelopes and audit entry).
	fn end_weight(envelopes: u32) -> Weight;

	/// The weight of writing back the uses taken from one grant that still has some left
	/// ([`consume_uses`](Self::consume_uses) without ending it).
	fn uses_written_weight() -> Weight;

	/// The most any `uses` consumptions by one reader of one patient's grants can cost: each
	/// may end a grant carrying the most envelopes, but a reader holds at most a few grants
	/// from one patient, and each ends once.
	fn max_end_weight(uses: u32) -> Weight;

	/// The worst case of `grants` grants for other pallets' benchmarks: `reader` holds
	/// `grants` grants from `patient` (at most [`max_grants_per_pair`](Self::max_grants_per_pair)),
	/// the matching one over `scope` last, each carrying the most envelopes (the match among
	/// them one for each of `records`). On its `last_use` consuming it ends it; otherwise it has
	/// uses to spare and consuming only counts one.
	#[cfg(feature = "runtime-benchmarks")]
	fn grant_for_benchmarks(
		patient: &AccountId,
		reader: &AccountId,
		scope: Scope,
		records: &[RecordId],
		last_use: bool,
		grants: u32,
	) -> GrantId;
}

/// A two-lock record's committee part: a TDH2 ciphertext of `K_c` to the committee key.
pub type CommitteeCiphertext = medchain_threshold::Ciphertext;
/// The X25519 public key a reader generates for one read: the validators seal their shares
/// of the record's committee part to it.
pub type ReleaseKey = [u8; 32];

/// What the records pallet asks the key-release pallet: to check and keep a new record's
/// committee lock, and to note the reads the validators may answer.
pub trait CommitteeLocks<AccountId> {
	/// Checks that `lock` was made for this record (its patient, author and CID) under the
	/// current committee key, and keeps it as `record`'s committee part.
	fn lock(
		record: RecordId,
		patient: &AccountId,
		author: &AccountId,
		cid: &[u8],
		lock: &CommitteeCiphertext,
	) -> Result<(), DispatchError>;

	/// Notes that `reader` read `record` of `patient` under `grant` (none for the patient or
	/// the author), asking the validators to release its committee part to `key`.
	/// `last_use` says the read used up its grant; `emergency` that it reads the patient's
	/// emergency summary under emergency access.
	fn note_read(
		record: RecordId,
		patient: &AccountId,
		reader: &AccountId,
		grant: Option<GrantId>,
		last_use: bool,
		emergency: bool,
		key: ReleaseKey,
	);

	/// Whether `record` belongs to its patient's emergency summary.
	fn in_emergency_summary(record: RecordId) -> bool;

	/// The most [`Self::lock`] costs.
	fn lock_weight() -> Weight;

	/// The most [`Self::note_read`] costs.
	fn note_read_weight() -> Weight;

	/// Makes a committee key current, for other pallets' benchmarks; returns it.
	#[cfg(feature = "runtime-benchmarks")]
	fn committee_for_benchmarks() -> medchain_threshold::Point;
}

/// Without a committee, records have no committee part.
impl<AccountId> CommitteeLocks<AccountId> for () {
	fn lock(
		_: RecordId,
		_: &AccountId,
		_: &AccountId,
		_: &[u8],
		_: &CommitteeCiphertext,
	) -> Result<(), DispatchError> {
		Err(DispatchError::Other("no committee on this chain"))
	}
	fn note_read(
		_: RecordId,
		_: &AccountId,
		_: &AccountId,
		_: Option<GrantId>,
		_: bool,
		_: bool,
		_: ReleaseKey,
	) {
	}
	fn in_emergency_summary(_: RecordId) -> bool {
		false
	}
	fn lock_weight() -> Weight {
		Weight::zero()
	}
	fn note_read_weight() -> Weight {
		Weight::zero()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn committee_for_benchmarks() -> medchain_threshold::Point {
		[0; 32]
	}
}

/// What consuming one use of a grant did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Consumed {
	/// The grant has uses left (or no limit): one was counted.
	Counted,
	/// That was the last use: the grant ended and its `envelopes` envelopes went with it.
	Ended { envelopes: u32 },
}

/// What the registry asks the other pallets before an account leaves: whether it still takes
/// part in something that must be closed first (a grant it gave or holds, for instance).
pub trait Commitments<AccountId> {
	/// Whether something still keeps `who` from leaving.
	fn is_committed(who: &AccountId) -> bool;

	/// `who` is leaving (nothing keeps them): end what they take part in that must not
	/// outlive their registration but did not keep them (grants given to them unasked).
	fn on_leave(_who: &AccountId) {}

	/// The most [`Self::on_leave`] costs, which leaving is charged.
	fn on_leave_weight() -> Weight {
		Weight::zero()
	}
}

impl<AccountId> Commitments<AccountId> for () {
	fn is_committed(_: &AccountId) -> bool {
		false
	}
}

impl<AccountId, A: Commitments<AccountId>, B: Commitments<AccountId>> Commitments<AccountId>
	for (A, B)
{
	fn is_committed(who: &AccountId) -> bool {
		A::is_committed(who) || B::is_committed(who)
	}

	fn on_leave(who: &AccountId) {
		A::on_leave(who);
		B::on_leave(who);
	}

	fn on_leave_weight() -> Weight {
		A::on_leave_weight().saturating_add(B::on_leave_weight())
	}
}

/// What the consent pallet asks the records pallet when a grant starts or ends.
pub trait RecordIndex<AccountId> {
	/// The patient and kind of `record`, if it exists.
	fn record(record: RecordId) -> Option<(AccountId, RecordKind)>;

	/// Stores `envelope` as `reader`'s key for `record`, replacing any earlier one.
	fn add_envelope(
		record: RecordId,
		reader: &AccountId,
		envelope: Envelope,
	) -> Result<(), DispatchError>;

	/// Removes `reader`'s key for `record`, if any.
	fn remove_envelope(record: RecordId, reader: &AccountId);

	/// Whether `reader` holds an envelope for `record`.
	fn has_envelope(record: RecordId, reader: &AccountId) -> bool;

	/// How many grants hold `reader`'s envelope for `record` (the patient's and the author's
	/// own envelopes are kept in the record, apart).
	fn grant_holders(record: RecordId, reader: &AccountId) -> u32;

	/// Creates a record of `kind` for `patient` written by `author`, for other pallets'
	/// benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn create_for_benchmarks(patient: &AccountId, author: &AccountId, kind: RecordKind)
		-> RecordId;
}

/// What happened to a patient's data: one entry of the patient's audit trail.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum AuditAction {
	/// A practitioner asked for access.
	AccessRequested { request: RequestId },
	/// The patient granted access (answering `request`, if any).
	AccessGranted { grant: GrantId, request: Option<RequestId> },
	/// The patient denied a request.
	AccessDenied { request: RequestId },
	/// The patient revoked a grant.
	AccessRevoked { grant: GrantId },
	/// A grant ran out or was renounced. Written before runtime 104 only, which logs
	/// [`GrantExpired`](Self::GrantExpired), [`GrantUsedUp`](Self::GrantUsedUp) and
	/// [`GrantRenounced`](Self::GrantRenounced) instead.
	GrantEnded { grant: GrantId },
	/// A doctor opened emergency (break-glass) access.
	EmergencyAccess { grant: GrantId },
	/// A record was added to the patient's history.
	RecordCreated { record: RecordId },
	/// A reader recorded a read of a record (under `grant`, unless patient or author).
	RecordRead { record: RecordId, grant: Option<GrantId> },
	/// A pharmacy dispensed (part of) a prescription.
	Dispensed { record: RecordId, quantity: u32 },
	/// The patient added key envelopes for `records` records to a live grant: from then on
	/// its grantee can decrypt them.
	EnvelopesAdded { grant: GrantId, records: u32 },
	/// A grant reached its expiry block. Nobody acted: the entry names the patient, whose
	/// terms ended it.
	GrantExpired { grant: GrantId },
	/// The last use of a grant was consumed by its grantee.
	GrantUsedUp { grant: GrantId },
	/// The grantee gave a grant up.
	GrantRenounced { grant: GrantId },
	/// A doctor accepted an appointment: from then on they treat the patient, and may add
	/// records to their history.
	AppointmentAccepted { appointment: AppointmentId },
	/// The patient created a SMART Health Link.
	LinkCreated { link: LinkId },
	/// The link's host served it to a recipient, who gave the sealed name; one use consumed.
	LinkOpened { link: LinkId, recipient: SealedName },
	/// A recipient, who gave the sealed name, tried a wrong passcode.
	LinkPasscodeFailed { link: LinkId, recipient: SealedName },
	/// Wrong passcodes used up the link's attempts: it is closed for good.
	LinkLocked { link: LinkId },
	/// The patient revoked a link.
	LinkRevoked { link: LinkId },
	/// A link reached its expiry block.
	LinkExpired { link: LinkId },
	/// A link's last use was consumed.
	LinkUsedUp { link: LinkId },
	/// The patient put a record in their emergency summary: its envelope part is sealed to the
	/// committee, which may release it to a doctor under emergency access.
	EmergencySummaryAdded { record: RecordId },
	/// The patient took a record out of their emergency summary.
	EmergencySummaryRemoved { record: RecordId },
}

/// Where the pallets write the patient's audit trail (the consent pallet keeps it).
pub trait AuditLog<AccountId> {
	/// Appends `action`, done by `actor`, to `patient`'s audit trail.
	fn log(patient: &AccountId, actor: &AccountId, action: AuditAction);
}

/// No trail, for mock runtimes that do not look at it.
impl<AccountId> AuditLog<AccountId> for () {
	fn log(_: &AccountId, _: &AccountId, _: AuditAction) {}
}

/// The expiry sweep consent and share links run from `on_idle`: walks expiry blocks from
/// `cursor` up to `now` (an item expiring at `now` no longer holds at `now`), ending items one
/// at a time with `end` while `remaining` weight allows, each weighed `per_item`, and each block
/// found empty one read. `cursor()` reads where the last sweep stopped; `next_due(block)` gives
/// one item still indexed at `block`; `end` must remove it from that index. Returns the weight
/// used and, when it moved, where to resume (for the caller to store). Nothing is read, done or
/// charged when not even one item fits.
pub fn sweep_expired<B, I>(
	now: B,
	remaining: Weight,
	db: frame_support::weights::RuntimeDbWeight,
	per_item: Weight,
	cursor: impl FnOnce() -> B,
	mut next_due: impl FnMut(B) -> Option<I>,
	mut end: impl FnMut(B, I),
) -> (Weight, Option<B>)
where
	B: Copy + PartialOrd + sp_runtime::traits::One + sp_runtime::Saturating,
{
	// Reading and writing the cursor.
	let mut used = db.reads_writes(1, 1);
	if remaining.any_lt(used.saturating_add(per_item)) {
		return (Weight::zero(), None);
	}
	let per_block = db.reads(1);
	let start = cursor();
	let mut block = start;
	while block <= now && used.saturating_add(per_item).all_lte(remaining) {
		match next_due(block) {
			Some(item) => {
				end(block, item);
				used.saturating_accrue(per_item);
			}
			None => {
				block = block.saturating_add(B::one());
				used.saturating_accrue(per_block);
			}
		}
	}
	(used, (block != start).then_some(block))
}

/// Why a CID was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CidError {
	/// The bytes are not a CID.
	Malformed,
	/// A CID, but not of a content type MedChain stores (dag-pb or raw).
	UnsupportedCodec,
	/// A CID, but hashed with a function MedChain does not accept, or a truncated digest.
	UnsupportedMultihash,
}

/// Multicodec codes MedChain accepts as a record's root: UnixFS (dag-pb) and raw blocks.
pub const ALLOWED_CODECS: [u64; 2] = [0x70, 0x55];
/// Multihash codes and digest sizes MedChain accepts: sha2-256 (Kubo's default) and
/// blake2b-256.
pub const ALLOWED_MULTIHASHES: [(u64, u8); 2] = [(0x12, 32), (0xb220, 32)];

/// Checks that `bytes` is a binary CIDv0 or CIDv1 of an allowed codec and multihash, with
/// nothing trailing.
pub fn validate_cid(bytes: &[u8]) -> Result<(), CidError> {
	let cid = cid::Cid::try_from(bytes).map_err(|_| CidError::Malformed)?;
	// `try_from` accepts a prefix; a well-formed CID re-encodes to exactly the input.
	if cid.encoded_len() != bytes.len() {
		return Err(CidError::Malformed);
	}
	if !ALLOWED_CODECS.contains(&cid.codec()) {
		return Err(CidError::UnsupportedCodec);
	}
	let hash = cid.hash();
	if !ALLOWED_MULTIHASHES.contains(&(hash.code(), hash.size())) {
		return Err(CidError::UnsupportedMultihash);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accepts_kubo_cids_and_refuses_others() {
		// The empty file as `ipfs add` (CIDv0) and `ipfs add --cid-version=1` (raw leaf) give it.
		let v0 = cid::Cid::try_from("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH").unwrap();
		let v1 = cid::Cid::try_from("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
			.unwrap();
		assert_eq!(validate_cid(&v0.to_bytes()), Ok(()));
		assert_eq!(validate_cid(&v1.to_bytes()), Ok(()));

		assert_eq!(validate_cid(b"not a cid"), Err(CidError::Malformed));
		let mut trailing = v1.to_bytes();
		trailing.push(0);
		assert_eq!(validate_cid(&trailing), Err(CidError::Malformed));

		// dag-cbor (0x71) is a CID, but not a file.
		let cbor = cid::Cid::new_v1(0x71, *v1.hash());
		assert_eq!(validate_cid(&cbor.to_bytes()), Err(CidError::UnsupportedCodec));
		// identity multihash (0x00) carries data, not a hash.
		let identity =
			cid::Cid::new_v1(0x55, cid::multihash::Multihash::wrap(0x00, b"hi").unwrap());
		assert_eq!(validate_cid(&identity.to_bytes()), Err(CidError::UnsupportedMultihash));
	}
}
