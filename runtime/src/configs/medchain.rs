//! The `Config` of MedChain's own pallets and how they consult each other.

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;

use crate::{
	AccountId, Appointments, Balance, Balances, BlockNumber, Consent, Records, Registry, Runtime,
	RuntimeHoldReason, DAYS, HOURS, UNIT,
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
	type WeightInfo = pallet_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_appointments::Config for Runtime {
	type Registry = Registry;
	/// Sealed reasons: a few hundred characters plus HPKE's overhead.
	type MaxReasonLen = ConstU32<1024>;
	type MaxOpenPerPatient = ConstU32<16>;
	type MaxPendingPerDoctor = ConstU32<128>;
	type FollowUpPeriod = FollowUpPeriod;
	type WeightInfo = pallet_appointments::weights::SubstrateWeight<Runtime>;
}

impl pallet_records::Config for Runtime {
	type Registry = Registry;
	type Care = Appointments;
	type Access = Consent;
	type Audit = Consent;
	type MaxTitleLen = ConstU32<256>;
	type WeightInfo = pallet_records::weights::SubstrateWeight<Runtime>;
}

impl pallet_consent::Config for Runtime {
	type Registry = Registry;
	type Records = Records;
	type MaxPurposeLen = ConstU32<1024>;
	type MaxReasonLen = ConstU32<1024>;
	type MaxEnvelopes = ConstU32<64>;
	type MaxGrantDuration = MaxGrantDuration;
	type MaxPendingRequests = ConstU32<32>;
	type MaxGrantsPerPatient = ConstU32<64>;
	type MaxAuditEntries = ConstU32<256>;
	type MaxExpiriesPerBlock = ConstU32<32>;
	type EmergencyDuration = EmergencyDuration;
	type EmergencyCooldown = EmergencyCooldown;
	type WeightInfo = pallet_consent::weights::SubstrateWeight<Runtime>;
}
