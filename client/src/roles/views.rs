//! Plain, serialisable views of what the chain returns (the generated types carry SCALE
//! wrappers and no serde), for `--json` output and for callers that do not want subxt types.

use serde::Serialize;

use crate::runtime::medchain::runtime_types::{
	medchain_primitives::{AuditAction, RecordKind, Role, Scope, VerificationStatus},
	pallet_appointments::pallet::{Appointment, AppointmentStatus},
	pallet_consent::types::{AuditEntry, Grant, Request, RequestStatus},
	pallet_records::types::Record,
};

pub(crate) fn role_name(role: &Role) -> &'static str {
	match role {
		Role::Patient => "patient",
		Role::Doctor => "doctor",
		Role::Hospital => "hospital",
		Role::Pharmacy => "pharmacy",
	}
}

pub(crate) fn kind_name(kind: &RecordKind) -> &'static str {
	match kind {
		RecordKind::Report => "report",
		RecordKind::Prescription => "prescription",
		RecordKind::LabResult => "lab-result",
		RecordKind::Imaging => "imaging",
		RecordKind::Referral => "referral",
	}
}

pub(crate) fn scope_name(scope: &Scope) -> String {
	match scope {
		Scope::Reports => "reports".into(),
		Scope::Prescriptions => "prescriptions".into(),
		Scope::Profile => "profile".into(),
		Scope::Write => "write".into(),
		Scope::Records(ids) => {
			format!("records {}", ids.0.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
		}
	}
}

pub(crate) fn status_name(status: &VerificationStatus<u32>) -> String {
	match status {
		VerificationStatus::Pending => "Pending".into(),
		VerificationStatus::Verified { until: None } => "Verified".into(),
		VerificationStatus::Verified { until: Some(block) } => {
			format!("Verified until block #{block}")
		}
		VerificationStatus::Rejected => "Rejected".into(),
		VerificationStatus::Suspended => "Suspended".into(),
		VerificationStatus::Revoked => "Revoked".into(),
	}
}

/// Whether a scope covers a record of `kind` (mirrors the pallet's rule).
pub(crate) fn covers(scope: &Scope, id: u64, kind: &RecordKind) -> bool {
	match scope {
		Scope::Reports => !matches!(kind, RecordKind::Prescription),
		Scope::Prescriptions => matches!(kind, RecordKind::Prescription),
		Scope::Records(ids) => ids.0.contains(&id),
		Scope::Profile | Scope::Write => false,
	}
}

/// A record's public entry. The title is sealed on chain; `title` is filled in only for a
/// reader who holds the record's key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecordInfo {
	pub id: u64,
	pub patient: String,
	pub author: String,
	pub kind: String,
	pub cid: String,
	/// Encrypted size in bytes.
	pub size: u64,
	pub created_at: u32,
	pub supersedes: Option<u64>,
	pub superseded_by: Option<u64>,
	pub title: Option<String>,
}

impl RecordInfo {
	pub(crate) fn new(id: u64, record: &Record) -> Self {
		let cid = cid::Cid::try_from(record.cid.0.as_slice())
			.map(|c| c.to_string())
			.unwrap_or_else(|_| hex::encode(&record.cid.0));
		RecordInfo {
			id,
			patient: record.patient.to_string(),
			author: record.author.to_string(),
			kind: kind_name(&record.kind).into(),
			cid,
			size: record.size,
			created_at: record.created_at,
			supersedes: record.supersedes,
			superseded_by: record.superseded_by,
			title: None,
		}
	}
}

/// An access request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RequestInfo {
	pub id: u64,
	pub requester: String,
	pub patient: String,
	pub scope: String,
	pub purpose: String,
	/// Blocks of access asked for.
	pub duration: u32,
	pub created_at: u32,
	pub status: String,
}

impl RequestInfo {
	/// `reader` opens the sealed purpose: the patient's key does; without it the purpose
	/// shows as sealed.
	pub(crate) fn new(
		id: u64,
		request: &Request,
		reader: Option<&x25519_dalek::StaticSecret>,
	) -> Self {
		let context = super::notes::purpose_context(&request.requester, &request.patient);
		let purpose = reader
			.and_then(|key| {
				crate::crypto::envelope::open_note(key, &context, &request.purpose.0).ok()
			})
			.map(|text| super::notes::printable(&String::from_utf8_lossy(&text)))
			.unwrap_or_else(|| "(sealed)".into());
		RequestInfo {
			id,
			requester: request.requester.to_string(),
			patient: request.patient.to_string(),
			scope: scope_name(&request.scope),
			purpose,
			duration: request.duration,
			created_at: request.created_at,
			status: match &request.status {
				RequestStatus::Pending => "pending".into(),
				RequestStatus::Granted { grant } => format!("granted (grant {grant})"),
				RequestStatus::Denied => "denied".into(),
				RequestStatus::Cancelled => "cancelled".into(),
			},
		}
	}
}

/// A live grant.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GrantInfo {
	pub id: u64,
	pub patient: String,
	pub grantee: String,
	pub scope: String,
	pub expires_at: u32,
	pub uses_left: Option<u32>,
	pub emergency: bool,
	pub request: Option<u64>,
	pub records: Vec<u64>,
	/// The patient's name, when their profile is sealed to this user.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub patient_name: Option<String>,
}

impl GrantInfo {
	pub(crate) fn new(id: u64, grant: &Grant) -> Self {
		GrantInfo {
			id,
			patient: grant.patient.to_string(),
			grantee: grant.grantee.to_string(),
			scope: scope_name(&grant.scope),
			expires_at: grant.expires_at,
			uses_left: grant.uses_left,
			emergency: grant.emergency,
			request: grant.request,
			records: grant.envelopes.0.clone(),
			patient_name: None,
		}
	}
}

/// An appointment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppointmentInfo {
	pub id: u64,
	pub patient: String,
	pub doctor: String,
	/// Unix time in milliseconds.
	pub at: u64,
	pub reason: String,
	pub status: String,
	/// Asked by a patient the doctor treated at the time (their own lane; never spam).
	pub known_patient: bool,
	/// The patient's name, when their profile is sealed to this user.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub patient_name: Option<String>,
}

impl AppointmentInfo {
	/// `reason` is the decrypted reason, or what to show instead.
	pub(crate) fn new(id: u64, appointment: &Appointment, reason: String) -> Self {
		AppointmentInfo {
			id,
			patient: appointment.patient.to_string(),
			doctor: appointment.doctor.to_string(),
			at: appointment.at,
			reason,
			known_patient: appointment.known_patient,
			patient_name: None,
			status: match &appointment.status {
				AppointmentStatus::Requested => "requested".into(),
				AppointmentStatus::Accepted => "accepted".into(),
				AppointmentStatus::Declined => "declined".into(),
				AppointmentStatus::Cancelled { by_patient: true } => {
					"cancelled by the patient".into()
				}
				AppointmentStatus::Cancelled { by_patient: false } => {
					"cancelled by the doctor".into()
				}
				AppointmentStatus::Completed => "completed".into(),
				AppointmentStatus::DeclinedAsSpam => "declined as spam (deposit forfeited)".into(),
			},
		}
	}
}

/// One line of a patient's audit trail.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditInfo {
	pub block: u32,
	pub actor: String,
	pub action: String,
}

impl AuditInfo {
	/// `patient` opens the recipient names link hosts sealed to them.
	pub(crate) fn new(entry: &AuditEntry, patient: &x25519_dalek::StaticSecret) -> Self {
		let short = |link: &[u8; 32]| hex::encode(&link[..4]);
		let recipient = |link: &[u8; 32], sealed: &[u8; crate::roles::links::SEALED_NAME_LEN]| {
			crate::roles::links::open_recipient(patient, link, sealed)
				.map(|name| format!("{name:?}"))
				.unwrap_or_else(|_| "a name that does not open".into())
		};
		let action = match &entry.action {
			AuditAction::AccessRequested { request } => {
				format!("requested access (request {request})")
			}
			AuditAction::AccessGranted { grant, request } => match request {
				Some(request) => {
					format!("granted access (grant {grant}, answering request {request})")
				}
				None => format!("granted access (grant {grant})"),
			},
			AuditAction::AccessDenied { request } => format!("denied access (request {request})"),
			AuditAction::AccessRevoked { grant } => format!("revoked access (grant {grant})"),
			AuditAction::GrantEnded { grant } => format!("grant {grant} ended"),
			AuditAction::EmergencyAccess { grant } => {
				format!("opened emergency access (grant {grant})")
			}
			AuditAction::RecordCreated { record } => format!("created record {record}"),
			AuditAction::RecordRead { record, grant: Some(grant) } => {
				format!("read record {record} (grant {grant})")
			}
			AuditAction::RecordRead { record, grant: None } => format!("read record {record}"),
			AuditAction::Dispensed { record, quantity } => {
				format!("dispensed {quantity} of prescription {record}")
			}
			AuditAction::EnvelopesAdded { grant, records } => {
				format!("gave grant {grant} the keys of {records} record(s)")
			}
			AuditAction::GrantExpired { grant } => format!("grant {grant} expired"),
			AuditAction::GrantUsedUp { grant } => format!("used up grant {grant}"),
			AuditAction::GrantRenounced { grant } => format!("renounced grant {grant}"),
			AuditAction::AppointmentAccepted { appointment } => {
				format!("accepted appointment {appointment} (may now add records)")
			}
			AuditAction::LinkCreated { link } => format!("created share link {}", short(link)),
			AuditAction::LinkOpened { link, recipient: name } => {
				format!("served share link {} to {}", short(link), recipient(link, name))
			}
			AuditAction::LinkPasscodeFailed { link, recipient: name } => {
				format!(
					"refused a wrong passcode for share link {} from {}",
					short(link),
					recipient(link, name)
				)
			}
			AuditAction::LinkLocked { link } => {
				format!("locked share link {} after too many wrong passcodes", short(link))
			}
			AuditAction::LinkRevoked { link } => format!("revoked share link {}", short(link)),
			AuditAction::LinkExpired { link } => format!("share link {} expired", short(link)),
			AuditAction::LinkUsedUp { link } => format!("share link {} was used up", short(link)),
			AuditAction::EmergencySummaryAdded { record } => {
				format!("put record {record} in the emergency summary")
			}
			AuditAction::EmergencySummaryRemoved { record } => {
				format!("took record {record} out of the emergency summary")
			}
		};
		AuditInfo { block: entry.at, actor: entry.actor.to_string(), action }
	}
}

/// A registered account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountView {
	pub account: String,
	pub role: Option<String>,
	pub status: Option<String>,
	pub name: Option<String>,
	pub specialization: Option<String>,
	pub licence: Option<String>,
	/// CID of the credentials document the verifier reviews.
	pub credentials: Option<String>,
	pub encryption_key: Option<String>,
	pub balance: u128,
}
