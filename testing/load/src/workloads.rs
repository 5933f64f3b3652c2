//! The calls each workload makes, with payloads of realistic size: sealed bytes are random
//! (the chain cannot tell them from real ciphertext), CIDs are real CIDs of distinct content.

use medchain_client::{
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			medchain_primitives::{RecordKind, Role, Scope},
			pallet_records::types::NewRecord,
			pallet_registry::pallet::PractitionerDetails,
		},
	},
	storage::{compute_cid, CidVersion},
};
use subxt::utils::{AccountId32, MultiAddress};

/// One token (12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;

/// A record key sealed to one reader (HPKE): 80 bytes.
pub fn envelope(seed: u64) -> [u8; 80] {
	let mut bytes = [0u8; 80];
	for (i, b) in bytes.iter_mut().enumerate() {
		*b = (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (i % 8 * 8)) as u8 ^ i as u8;
	}
	bytes
}

/// `len` bytes standing in for ciphertext.
pub fn sealed(len: usize, seed: u64) -> Vec<u8> {
	(0..len).map(|i| envelope(seed.wrapping_add((i / 80) as u64))[i % 80]).collect()
}

/// The CIDv1 of a distinct small file, as `ipfs add --cid-version=1` gives it.
pub fn cid(seed: u64) -> Vec<u8> {
	let data = format!("medchain-load record {seed}");
	compute_cid(data.as_bytes(), CidVersion::V1).expect("a small file has a CID").to_bytes()
}

pub fn fund(to: &AccountId32, amount: u128) -> impl subxt::transactions::Payload {
	api::tx().balances().transfer_keep_alive(MultiAddress::Id(*to), amount)
}

pub fn transfer(to: &AccountId32) -> impl subxt::transactions::Payload {
	api::tx().balances().transfer_keep_alive(MultiAddress::Id(*to), UNIT / 1000)
}

pub fn register_patient(key: [u8; 32]) -> impl subxt::transactions::Payload {
	api::tx().registry().register_patient(key, None)
}

pub fn apply(role: Role, key: [u8; 32], seed: u64) -> impl subxt::transactions::Payload {
	let details = PractitionerDetails {
		name: BoundedVec(format!("Load practitioner {seed}").into_bytes()),
		specialization: BoundedVec(b"general practice".to_vec()),
		licence: BoundedVec(format!("LOAD-{seed:08}").into_bytes()),
	};
	api::tx().registry().apply(role, key, None, BoundedVec(cid(u64::MAX - seed)), details)
}

pub fn verify(who: &AccountId32) -> impl subxt::transactions::Payload {
	api::tx().registry().verify(*who, None)
}

/// A patient books: the reason is sealed twice (doctor and patient), 2 × 112 bytes.
pub fn book(doctor: &AccountId32, seed: u64) -> impl subxt::transactions::Payload {
	api::tx().appointments().request(
		*doctor,
		1_900_000_000_000 + seed,
		BoundedVec(sealed(224, seed)),
	)
}

pub fn accept(id: u64) -> impl subxt::transactions::Payload {
	api::tx().appointments().accept(id)
}

/// A record with a 64-byte sealed title; a prescription carries a quantity to dispense.
pub fn add_record(
	patient: &AccountId32,
	seed: u64,
	prescription: Option<u32>,
) -> impl subxt::transactions::Payload {
	let kind = if prescription.is_some() { RecordKind::Prescription } else { RecordKind::Report };
	api::tx().records().add_record(
		*patient,
		kind,
		BoundedVec(cid(seed)),
		300 * 1024,
		BoundedVec(sealed(64, seed)),
		prescription,
		envelope(seed),
		envelope(seed + 1),
		None,
		None,
	)
}

/// `count` reports for one patient in one extrinsic, each as [`add_record`] writes a report;
/// record `r` of the batch uses seeds `seed + 2r` and `seed + 2r + 1`.
pub fn add_records(
	patient: &AccountId32,
	seed: u64,
	count: usize,
) -> impl subxt::transactions::Payload {
	let records: Vec<NewRecord> = (0..count as u64)
		.map(|r| {
			let seed = seed + 2 * r;
			NewRecord {
				kind: RecordKind::Report,
				cid: BoundedVec(cid(seed)),
				size: 300 * 1024,
				title: BoundedVec(sealed(64, seed)),
				quantity: None,
				patient_envelope: envelope(seed),
				author_envelope: envelope(seed + 1),
				supersedes: None,
				lock: None,
			}
		})
		.collect();
	api::tx().records().add_records(*patient, BoundedVec(records))
}

pub fn record_read(record: u64) -> impl subxt::transactions::Payload {
	api::tx().records().record_read(record, None)
}

/// A reader records reads of several of one patient's records in one extrinsic.
pub fn record_reads(records: &[u64]) -> impl subxt::transactions::Payload {
	api::tx().records().record_reads(BoundedVec(records.to_vec()), None)
}

pub fn dispense(record: u64) -> impl subxt::transactions::Payload {
	api::tx().records().dispense(record, 1, None)
}

/// A practitioner asks for a patient's reports; the purpose is sealed (128 bytes).
pub fn request_access(patient: &AccountId32, seed: u64) -> impl subxt::transactions::Payload {
	api::tx().consent().request_access(*patient, Scope::Reports, BoundedVec(sealed(128, seed)), 600)
}

/// A patient grants request `request` until `expires_at` with these records' keys.
pub fn grant(request: u64, expires_at: u32, records: &[u64]) -> impl subxt::transactions::Payload {
	let envelopes = records.iter().map(|r| (*r, envelope(*r))).collect();
	api::tx().consent().grant(request, expires_at, None, None, BoundedVec(envelopes))
}

/// A patient grants without a request: `scope`, unlimited uses, with these records' keys.
pub fn grant_access(
	grantee: &AccountId32,
	scope: Scope,
	expires_at: u32,
	records: &[u64],
) -> impl subxt::transactions::Payload {
	grant_access_uses(grantee, scope, expires_at, None, records)
}

/// A patient grants `grantee` one use of `scope` until `expires_at`, with these records' keys:
/// the use that reads under it ends it, and takes every key back.
pub fn grant_access_once(
	grantee: &AccountId32,
	scope: Scope,
	expires_at: u32,
	records: &[u64],
) -> impl subxt::transactions::Payload {
	grant_access_uses(grantee, scope, expires_at, Some(1), records)
}

fn grant_access_uses(
	grantee: &AccountId32,
	scope: Scope,
	expires_at: u32,
	uses: Option<u32>,
	records: &[u64],
) -> impl subxt::transactions::Payload {
	let envelopes = records.iter().map(|r| (*r, envelope(*r))).collect();
	api::tx().consent().grant_access(*grantee, scope, expires_at, uses, BoundedVec(envelopes))
}
