//! The `Config` of MedChain's own pallets and how they consult each other.

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;

use crate::{
	AccountId, Appointments, Balance, Balances, BlockNumber, Consent, KeyRelease, Records,
	Registry, Runtime, RuntimeHoldReason, DAYS, HOURS, MINUTES, UNIT,
};

parameter_types! {
	/// Held while a patient is registered: enough to make spam registrations cost.
	pub const PatientDeposit: Balance = UNIT;
	/// Held while a practitioner is registered; higher, since verifiers review each one.
	pub const PractitionerDeposit: Balance = 10 * UNIT;
	/// A doctor may still add results this long after completing an appointment.
	pub const FollowUpPeriod: BlockNumber = 14 * DAYS;
	/// The longest grant a patient can give (or a practitioner ask for): 90 days.
	pub const MaxGrantDuration: BlockNumber = 90 * DAYS;
	/// Break-glass access lasts one hour...
	pub const EmergencyDuration: BlockNumber = HOURS;
	/// ...and each doctor may open it once a day.
	pub const EmergencyCooldown: BlockNumber = DAYS;
	/// Held from the patient for each stored appointment, until they clear it.
	pub const AppointmentDeposit: Balance = UNIT / 10;
	/// Held from a requester until they clear the request: storage is not free.
	pub const RequestDeposit: Balance = UNIT / 10;
	/// Paid to the patient for each request, whose audit entry stays for good.
	pub const RequestFee: Balance = UNIT / 100;
	/// Held while a grant lives, from the patient (the doctor for break-glass access).
	pub const GrantDeposit: Balance = UNIT / 10;
	/// Held for good from a record's author: records are permanent.
	pub const RecordDeposit: Balance = UNIT / 100;
	/// Held from the patient while a share link lives; it also pays for the audit entries
	/// the link's host may write (at most `MaxUses + MaxAttempts`).
	pub const LinkDeposit: Balance = UNIT / 10;
	/// Held for each record of a patient's emergency summary (its 160-byte committee copy of
	/// the envelope part).
	pub const SummaryDeposit: Balance = UNIT / 100;
	/// The validators answer a read for ten minutes: long enough for finality and the
	/// reader's requests, short enough that read entries do not pile up.
	pub const ReleaseWindow: BlockNumber = 10 * MINUTES;
	/// The longest a share link may live: 90 days, as a grant.
	pub const MaxLinkDuration: BlockNumber = 90 * DAYS;
	/// Version 1's audit ring size, which the storage migration to version 2 unrolls.
	pub const ConsentV1AuditRing: u32 = 256;
}

impl pallet_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type PatientDeposit = PatientDeposit;
	type PractitionerDeposit = PractitionerDeposit;
	/// Root (sudo on the dev chain) manages the verifier set.
	type AdminOrigin = EnsureRoot<AccountId>;
	type VerifierOrigin = pallet_registry::EnsureVerifier<Runtime>;
	type MaxVerifiers = ConstU32<32>;
	type MaxNameLen = ConstU32<128>;
	type MaxSpecializationLen = ConstU32<64>;
	type MaxLicenceLen = ConstU32<64>;
	type MaxReasonLen = ConstU32<256>;
	/// Live grants, pending requests and open appointments keep an account registered until
	/// they are closed.
	type Commitments = (Consent, Appointments);
	type WeightInfo = pallet_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_appointments::Config for Runtime {
	type Registry = Registry;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AppointmentDeposit = AppointmentDeposit;
	/// Two unanswered requests per patient and doctor: enough to reschedule, not to jam.
	type MaxPendingPerPair = ConstU32<2>;
	/// Sealed reasons: a few hundred characters plus HPKE's overhead.
	type MaxReasonLen = ConstU32<1024>;
	type MaxOpenPerPatient = ConstU32<16>;
	type MaxPendingPerDoctor = ConstU32<128>;
	type FollowUpPeriod = FollowUpPeriod;
	type Audit = Consent;
	type WeightInfo = pallet_appointments::weights::SubstrateWeight<Runtime>;
}

impl pallet_records::Config for Runtime {
	type Registry = Registry;
	type Care = Appointments;
	type Access = Consent;
	type Audit = Consent;
	type Locks = KeyRelease;
	type MaxTitleLen = ConstU32<256>;
	// A reader opening a history records up to this many reads in one extrinsic.
	type MaxReadBatch = ConstU32<32>;
	// A visit's documents, with room to spare: report, prescriptions, lab results, images.
	type MaxWriteBatch = ConstU32<16>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RecordDeposit = RecordDeposit;
	type WeightInfo = pallet_records::weights::SubstrateWeight<Runtime>;
}

impl pallet_consent::Config for Runtime {
	type Registry = Registry;
	type Records = Records;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RequestDeposit = RequestDeposit;
	type RequestFee = RequestFee;
	type GrantDeposit = GrantDeposit;
	type MaxPurposeLen = ConstU32<1024>;
	type MaxReasonLen = ConstU32<1024>;
	type MaxEnvelopes = ConstU32<64>;
	type MaxGrantDuration = MaxGrantDuration;
	type MaxPendingRequests = ConstU32<32>;
	/// A practitioner may have two questions open with one patient at a time.
	type MaxPendingPerRequester = ConstU32<2>;
	type MaxGrantsPerPatient = ConstU32<64>;
	/// Access checks read every grant of the pair: four keeps them cheap.
	type MaxGrantsPerPair = ConstU32<4>;
	type MaxEmergencyPerPatient = ConstU32<4>;
	/// Grants given without a request, per grantee: a walk-in pharmacy or a second opinion,
	/// not a way for strangers to pile grants onto a practitioner.
	type MaxUnaskedPerGrantee = ConstU32<16>;
	type MaxAuditPage = ConstU32<256>;
	type EmergencyDuration = EmergencyDuration;
	type EmergencyCooldown = EmergencyCooldown;
	type WeightInfo = pallet_consent::weights::SubstrateWeight<Runtime>;
}

impl pallet_share_links::Config for Runtime {
	type Registry = Registry;
	type Audit = Consent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type LinkDeposit = LinkDeposit;
	/// A label of up to 80 characters and up to 64 record ids, sealed (HPKE adds 48 bytes).
	type MaxSealedLen = ConstU32<1024>;
	type MaxUses = ConstU32<100>;
	/// The SHL specification leaves the count to the server; ten wrong passcodes lock a link.
	type MaxAttempts = ConstU32<10>;
	type MaxLinksPerPatient = ConstU32<32>;
	type MaxLinkDuration = MaxLinkDuration;
	type WeightInfo = pallet_share_links::weights::SubstrateWeight<Runtime>;
}

/// The first key-release committee of a chain that gains the pallet in an upgrade: its GRANDPA
/// voters, whose operators insert an `mkrl` key from the same seed as their GRANDPA key.
pub struct GrandpaMembers;
impl frame_support::traits::Get<alloc::vec::Vec<pallet_key_release::crypto::Public>>
	for GrandpaMembers
{
	fn get() -> alloc::vec::Vec<pallet_key_release::crypto::Public> {
		crate::Grandpa::grandpa_authorities()
			.into_iter()
			.map(|(id, _)| {
				let raw: &sp_core::ed25519::Public = id.as_ref();
				pallet_key_release::crypto::Public::from(*raw)
			})
			.collect()
	}
}

impl pallet_key_release::Config for Runtime {
	type Registry = Registry;
	type Access = Consent;
	type Records = Records;
	type Audit = Consent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type SummaryDeposit = SummaryDeposit;
	/// Allergies, medications, problem list and a few more.
	type MaxSummary = ConstU32<16>;
	type MaxMembers = ConstU32<16>;
	/// A FROST round-1 package of a threshold-16 committee (16 commitments and a proof)
	/// fits with room.
	type MaxPackageLen = ConstU32<1024>;
	/// A round-2 package (about 40 bytes) sealed with HPKE (48 bytes more).
	type MaxSealedPackageLen = ConstU32<256>;
	type MaxEndpointLen = ConstU32<128>;
	type ReleaseWindow = ReleaseWindow;
	type MessagePriority = frame_support::traits::ConstU64<{ u64::MAX / 2 }>;
	type WeightInfo = pallet_key_release::weights::SubstrateWeight<Runtime>;
}
