//! The group, its second generator, and the domain-separated hashes of the scheme.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use curve25519_dalek::{
	ristretto::{CompressedRistretto, RistrettoPoint},
	scalar::Scalar,
};
use scale_info::TypeInfo;
use sha2::{Digest, Sha256, Sha512};

use crate::{Error, Point};

const DOMAIN: &[u8] = b"MedChain committee lock v1";

/// What a committee ciphertext locks, part of its label: a ciphertext made for one purpose
/// never verifies for another.
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
#[repr(u8)]
pub enum Purpose {
	/// The record's committee part `K_c`.
	Record = 0,
	/// The envelope part `K_p` of an emergency-summary record, sealed to the committee by
	/// the patient.
	Emergency = 1,
}

/// What a committee ciphertext is bound to in the record it belongs to: its patient, author
/// and CID (the encoded account ids and the binary CID).
pub fn record_digest(patient: &[u8], author: &[u8], cid: &[u8]) -> [u8; 32] {
	let mut h = Sha256::new();
	h.update(DOMAIN);
	h.update(b"|record");
	for part in [patient, author, cid] {
		h.update((part.len() as u32).to_le_bytes());
		h.update(part);
	}
	h.finalize().into()
}

/// The label a committee ciphertext is bound to: the purpose, the committee epoch and the
/// record's [`record_digest`]. The runtime recomputes it from the record, so a ciphertext
/// copied onto another record fails [`crate::verify`].
pub fn label(purpose: Purpose, epoch: u32, record: &[u8; 32]) -> [u8; 32] {
	let mut h = Sha256::new();
	h.update(DOMAIN);
	h.update(b"|label");
	h.update([purpose as u8]);
	h.update(epoch.to_le_bytes());
	h.update(record);
	h.finalize().into()
}

/// TDH2's second generator `Ḡ`, whose discrete log to the base point nobody knows.
pub(crate) fn g_bar() -> RistrettoPoint {
	RistrettoPoint::hash_from_bytes::<Sha512>(b"MedChain committee lock v1|second generator")
}

/// The 32-byte mask a shared point `r·H` puts over the message.
pub(crate) fn mask(shared: &RistrettoPoint) -> [u8; 32] {
	let mut h = Sha256::new();
	h.update(DOMAIN);
	h.update(b"|mask");
	h.update(shared.compress().as_bytes());
	h.finalize().into()
}

/// A Fiat–Shamir challenge over `tag` and `parts`.
pub(crate) fn challenge(tag: &[u8], parts: &[&[u8]]) -> Scalar {
	let mut h = Sha512::new();
	h.update(DOMAIN);
	h.update(tag);
	for part in parts {
		h.update(part);
	}
	Scalar::from_hash(h)
}

pub(crate) fn point(bytes: &Point) -> Result<RistrettoPoint, Error> {
	CompressedRistretto(*bytes).decompress().ok_or(Error::BadPoint)
}

pub(crate) fn scalar(bytes: &[u8; 32]) -> Result<Scalar, Error> {
	Option::from(Scalar::from_canonical_bytes(*bytes)).ok_or(Error::BadScalar)
}

/// Whether `bytes` is a valid Ristretto255 point other than the identity.
pub fn is_point(bytes: &Point) -> bool {
	use curve25519_dalek::traits::IsIdentity;
	point(bytes).is_ok_and(|p| !p.is_identity())
}
