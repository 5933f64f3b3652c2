//! FHIR R4 (4.0.1): the few resources MedChain emits, as small serde types. No maintained Rust
//! crate covers R4; correctness is checked by independent validators in the tests
//! (testing/fhir-validator: `@medplum/core` and HL7's `fhir.schema.json`).
//!
//! - [`Bundle`]: a `collection` whose entries refer to each other by `urn:uuid:` full URLs;
//! - [`resources`]: Patient, Practitioner, PractitionerRole, Organization, DocumentReference,
//!   Consent and AuditEvent, each built from what the chain and the patient's keys give.

pub mod resources;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The media type of FHIR JSON.
pub const FHIR_JSON: &str = "application/fhir+json";
/// The identifier system of MedChain accounts (their SS58 address).
pub const ACCOUNT_SYSTEM: &str = "urn:medchain:account";
/// The identifier system of MedChain records (their id on chain).
pub const RECORD_SYSTEM: &str = "urn:medchain:record";
/// The identifier system of MedChain blocks (their hash), so an event can be checked on chain.
pub const BLOCK_SYSTEM: &str = "urn:medchain:block";
pub const LOINC: &str = "http://loinc.org";

#[derive(Serialize, Clone, Debug)]
pub struct Identifier {
	pub system: &'static str,
	pub value: String,
}

impl Identifier {
	pub fn account(value: impl Into<String>) -> Self {
		Identifier { system: ACCOUNT_SYSTEM, value: value.into() }
	}
}

#[derive(Serialize, Clone, Debug, Default)]
pub struct Reference {
	#[serde(skip_serializing_if = "Option::is_none")]
	pub reference: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub identifier: Option<Identifier>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub display: Option<String>,
}

impl Reference {
	/// A reference to an entry of the same bundle.
	pub fn to(url: &str) -> Self {
		Reference { reference: Some(url.into()), ..Default::default() }
	}

	/// A reference by identifier only (an account, a record outside the bundle).
	pub fn by(identifier: Identifier) -> Self {
		Reference { identifier: Some(identifier), ..Default::default() }
	}
}

#[derive(Serialize, Clone, Debug)]
pub struct Coding {
	pub system: &'static str,
	pub code: &'static str,
	pub display: &'static str,
}

#[derive(Serialize, Clone, Debug)]
pub struct CodeableConcept {
	pub coding: Vec<Coding>,
}

impl CodeableConcept {
	pub fn of(system: &'static str, code: &'static str, display: &'static str) -> Self {
		CodeableConcept { coding: vec![Coding { system, code, display }] }
	}
}

#[derive(Serialize, Clone, Debug)]
pub struct Period {
	#[serde(skip_serializing_if = "Option::is_none")]
	pub start: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub end: Option<String>,
}

/// A `collection` bundle.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
	resource_type: &'static str,
	#[serde(rename = "type")]
	kind: &'static str,
	timestamp: String,
	entry: Vec<Entry>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Entry {
	full_url: String,
	resource: serde_json::Value,
}

impl Bundle {
	/// An empty collection, stamped now.
	pub fn collection() -> Self {
		Bundle {
			resource_type: "Bundle",
			kind: "collection",
			timestamp: instant_now(),
			entry: Vec::new(),
		}
	}

	/// Adds `resource`, whose id is `id`, as `urn:uuid:{id}`; returns that URL.
	pub fn add(&mut self, id: &str, resource: impl Serialize) -> String {
		let full_url = format!("urn:uuid:{id}");
		self.entry.push(Entry {
			full_url: full_url.clone(),
			resource: serde_json::to_value(resource).unwrap_or_default(),
		});
		full_url
	}

	/// How many entries of `resource_type` it holds.
	pub fn count(&self, resource_type: &str) -> usize {
		self.entry.iter().filter(|e| e.resource["resourceType"] == resource_type).count()
	}
}

/// A stable UUID for `name` (version 8, name-derived): the same record or account gets the
/// same id in every export, so two exports can be compared.
pub fn uuid_for(name: &str) -> String {
	let h = Sha256::digest(name.as_bytes());
	let mut b = [0u8; 16];
	b.copy_from_slice(&h[..16]);
	b[6] = (b[6] & 0x0f) | 0x80;
	b[8] = (b[8] & 0x3f) | 0x80;
	let x = hex::encode(b);
	format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

/// Now, as a FHIR `instant`.
pub fn instant_now() -> String {
	chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Unix milliseconds as a FHIR `instant` (or `dateTime`).
pub fn instant(ms: u64) -> String {
	chrono::DateTime::from_timestamp_millis(ms as i64)
		.unwrap_or_default()
		.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
	#[test]
	fn uuids_and_instants_are_well_formed() {
		let u = super::uuid_for("x");
		assert_eq!(u.len(), 36);
		assert_eq!(&u[14..15], "8");
		assert_eq!(super::instant(0), "1970-01-01T00:00:00Z");
		assert_eq!(super::instant(1_796_428_800_000), "2026-12-05T00:00:00Z");
	}
}
