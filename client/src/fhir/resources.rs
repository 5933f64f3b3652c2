//! The resources MedChain emits. Field names follow FHIR R4 exactly (camelCase on the wire).

use serde::Serialize;

use super::{CodeableConcept, Coding, Identifier, Period, Reference, LOINC};

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct HumanName {
	pub text: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ContactPoint {
	pub system: &'static str,
	pub value: String,
}

/// The patient: their account, and what their profile says when they wrote one.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
	resource_type: &'static str,
	pub id: String,
	pub identifier: Vec<Identifier>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub name: Vec<HumanName>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub birth_date: Option<String>,
	/// `male`, `female`, `other` or `unknown`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub gender: Option<String>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub telecom: Vec<ContactPoint>,
}

impl Patient {
	pub fn new(id: String, account: &str) -> Self {
		Patient {
			resource_type: "Patient",
			id,
			identifier: vec![Identifier::account(account)],
			name: vec![],
			birth_date: None,
			gender: None,
			telecom: vec![],
		}
	}
}

/// A doctor.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Practitioner {
	resource_type: &'static str,
	pub id: String,
	pub identifier: Vec<Identifier>,
	/// Verified right now.
	pub active: bool,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub name: Vec<HumanName>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub qualification: Vec<Qualification>,
}

/// A licence, as the practitioner declared it and a verifier checked it.
#[derive(Serialize, Debug)]
pub struct Qualification {
	pub identifier: Vec<LicenceIdentifier>,
	pub code: CodeableText,
}

#[derive(Serialize, Debug)]
pub struct LicenceIdentifier {
	pub value: String,
}

#[derive(Serialize, Debug)]
pub struct CodeableText {
	pub text: String,
}

impl Practitioner {
	pub fn new(
		id: String,
		account: &str,
		name: Option<String>,
		licence: Option<String>,
		active: bool,
	) -> Self {
		Practitioner {
			resource_type: "Practitioner",
			id,
			identifier: vec![Identifier::account(account)],
			active,
			name: name.map(|text| HumanName { text }).into_iter().collect(),
			qualification: licence
				.filter(|l| !l.is_empty())
				.map(|value| Qualification {
					identifier: vec![LicenceIdentifier { value }],
					code: CodeableText { text: "Licence to practise".into() },
				})
				.into_iter()
				.collect(),
		}
	}
}

/// What a doctor does, with their specialization.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PractitionerRole {
	resource_type: &'static str,
	pub id: String,
	pub active: bool,
	pub practitioner: Reference,
	pub code: Vec<CodeableConcept>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub specialty: Vec<CodeableText>,
}

impl PractitionerRole {
	pub fn doctor(
		id: String,
		practitioner: &str,
		specialization: Option<String>,
		active: bool,
	) -> Self {
		PractitionerRole {
			resource_type: "PractitionerRole",
			id,
			active,
			practitioner: Reference::to(practitioner),
			code: vec![CodeableConcept::of(
				"http://terminology.hl7.org/CodeSystem/practitioner-role",
				"doctor",
				"Doctor",
			)],
			specialty: specialization
				.filter(|s| !s.is_empty())
				.map(|text| CodeableText { text })
				.into_iter()
				.collect(),
		}
	}
}

/// A hospital or a pharmacy.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
	resource_type: &'static str,
	pub id: String,
	pub identifier: Vec<Identifier>,
	pub active: bool,
	#[serde(rename = "type")]
	pub kind: Vec<CodeableConcept>,
	pub name: String,
}

impl Organization {
	pub fn new(
		id: String,
		account: &str,
		name: String,
		pharmacy: bool,
		licence: Option<String>,
		active: bool,
	) -> Self {
		let mut identifier = vec![Identifier::account(account)];
		if let Some(licence) = licence.filter(|l| !l.is_empty()) {
			identifier.push(Identifier { system: "urn:medchain:licence", value: licence });
		}
		Organization {
			resource_type: "Organization",
			id,
			identifier,
			active,
			kind: vec![if pharmacy {
				CodeableConcept::of(
					"http://terminology.hl7.org/CodeSystem/organization-type",
					"other",
					"Other (pharmacy)",
				)
			} else {
				CodeableConcept::of(
					"http://terminology.hl7.org/CodeSystem/organization-type",
					"prov",
					"Healthcare Provider",
				)
			}],
			name,
		}
	}
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
	pub content_type: &'static str,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub data: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub url: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub title: Option<String>,
	pub size: u64,
	/// SHA-1 of the content, base64.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub hash: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Content {
	pub attachment: Attachment,
}

#[derive(Serialize, Debug)]
pub struct RelatesTo {
	pub code: &'static str,
	pub target: Reference,
}

/// One record.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct DocumentReference {
	resource_type: &'static str,
	pub id: String,
	pub identifier: Vec<Identifier>,
	/// `current`, or `superseded` once a correction points to it.
	pub status: &'static str,
	#[serde(rename = "type")]
	pub kind: CodeableConcept,
	pub subject: Reference,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub date: Option<String>,
	pub author: Vec<Reference>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub description: Option<String>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub relates_to: Vec<RelatesTo>,
	pub content: Vec<Content>,
}

/// The LOINC document type of a record kind.
pub fn document_type(kind: &str) -> CodeableConcept {
	let (code, display) = match kind {
		"prescription" => ("57833-6", "Prescription for medication"),
		"lab-result" => ("11502-2", "Laboratory report"),
		"imaging" => ("18748-4", "Diagnostic imaging study"),
		"referral" => ("57133-1", "Referral note"),
		_ => ("11506-3", "Progress note"),
	};
	CodeableConcept { coding: vec![Coding { system: LOINC, code, display }] }
}

impl DocumentReference {
	#[allow(clippy::too_many_arguments)]
	pub fn new(
		id: String,
		record: u64,
		kind: &str,
		superseded: bool,
		patient: &str,
		author: Reference,
		date: Option<String>,
		title: Option<String>,
		supersedes: Option<u64>,
		attachment: Attachment,
	) -> Self {
		DocumentReference {
			resource_type: "DocumentReference",
			id,
			identifier: vec![Identifier {
				system: super::RECORD_SYSTEM,
				value: record.to_string(),
			}],
			status: if superseded { "superseded" } else { "current" },
			kind: document_type(kind),
			subject: Reference::to(patient),
			date,
			author: vec![author],
			description: title,
			relates_to: supersedes
				.map(|old| RelatesTo {
					code: "replaces",
					target: Reference::by(Identifier {
						system: super::RECORD_SYSTEM,
						value: old.to_string(),
					}),
				})
				.into_iter()
				.collect(),
			content: vec![Content { attachment }],
		}
	}
}

#[derive(Serialize, Debug)]
pub struct ProvisionActor {
	pub role: CodeableConcept,
	pub reference: Reference,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Provision {
	#[serde(rename = "type")]
	pub kind: &'static str,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub period: Option<Period>,
	pub actor: Vec<ProvisionActor>,
	pub action: Vec<CodeableConcept>,
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub data: Vec<ProvisionData>,
}

#[derive(Serialize, Debug)]
pub struct ProvisionData {
	pub meaning: &'static str,
	pub reference: Reference,
}

/// A grant or an answered request: who may access what, for how long.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
	resource_type: &'static str,
	pub id: String,
	pub identifier: Vec<Identifier>,
	/// `active` (a live grant), `inactive` (a grant that ended) or `rejected` (denied).
	pub status: &'static str,
	pub scope: CodeableConcept,
	pub category: Vec<CodeableConcept>,
	pub patient: Reference,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub date_time: Option<String>,
	pub policy_rule: CodeableConcept,
	pub provision: Provision,
}

impl Consent {
	/// Consent for `grantee` (an account) to access, or a denial of, what `description` says.
	pub fn new(
		id: String,
		identifier: Identifier,
		status: &'static str,
		patient: &str,
		grantee: &str,
		period: Option<Period>,
		records: Vec<u64>,
	) -> Self {
		Consent {
			resource_type: "Consent",
			id,
			identifier: vec![identifier],
			status,
			scope: CodeableConcept::of(
				"http://terminology.hl7.org/CodeSystem/consentscope",
				"patient-privacy",
				"Privacy Consent",
			),
			category: vec![CodeableConcept::of(LOINC, "59284-0", "Patient Consent")],
			patient: Reference::to(patient),
			date_time: period.as_ref().and_then(|p| p.start.clone()),
			policy_rule: CodeableConcept::of(
				"http://terminology.hl7.org/CodeSystem/v3-ActCode",
				"OPTIN",
				"opt-in",
			),
			provision: Provision {
				kind: if status == "rejected" { "deny" } else { "permit" },
				period,
				actor: vec![ProvisionActor {
					role: CodeableConcept::of(
						"http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
						"IRCP",
						"information recipient",
					),
					reference: Reference::by(Identifier::account(grantee)),
				}],
				action: vec![CodeableConcept::of(
					"http://terminology.hl7.org/CodeSystem/consentaction",
					"access",
					"Access",
				)],
				data: records
					.into_iter()
					.map(|r| ProvisionData {
						meaning: "instance",
						reference: Reference::by(Identifier {
							system: super::RECORD_SYSTEM,
							value: r.to_string(),
						}),
					})
					.collect(),
			},
		}
	}
}

#[derive(Serialize, Debug)]
pub struct Agent {
	pub who: Reference,
	pub requestor: bool,
}

#[derive(Serialize, Debug)]
pub struct Source {
	pub observer: Reference,
}

#[derive(Serialize, Debug)]
pub struct Entity {
	pub what: Reference,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub description: Option<String>,
}

/// One entry of the patient's audit trail, with the block that holds it.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
	resource_type: &'static str,
	pub id: String,
	#[serde(rename = "type")]
	pub kind: Coding,
	/// C(reate), R(ead), U(pdate), D(elete) or E(xecute).
	pub action: &'static str,
	pub recorded: String,
	pub outcome: &'static str,
	pub outcome_desc: String,
	pub agent: Vec<Agent>,
	pub source: Source,
	pub entity: Vec<Entity>,
}

impl AuditEvent {
	pub fn new(
		id: String,
		action: &'static str,
		recorded: String,
		what: String,
		actor: &str,
		block_hash: String,
		block: u32,
	) -> Self {
		AuditEvent {
			resource_type: "AuditEvent",
			id,
			kind: Coding {
				system: "http://dicom.nema.org/resources/ontology/DCM",
				code: "110110",
				display: "Patient Record",
			},
			action,
			recorded,
			outcome: "0",
			outcome_desc: what,
			agent: vec![Agent { who: Reference::by(Identifier::account(actor)), requestor: true }],
			source: Source {
				observer: Reference { display: Some("MedChain".into()), ..Default::default() },
			},
			entity: vec![Entity {
				what: Reference::by(Identifier { system: super::BLOCK_SYSTEM, value: block_hash }),
				description: Some(format!("block {block}")),
			}],
		}
	}
}
