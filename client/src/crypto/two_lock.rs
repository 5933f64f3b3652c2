//! Two-lock records: a record's file key needs both `K_p`, which travels in key envelopes,
//! and `K_c`, which the validators' committee releases for a recorded, final, permitted read.
//!
//! The patient's and the author's envelopes carry the record's 32-byte secret `S`, from which
//! both parts derive: they open their records without asking the validators. A grantee's
//! envelope carries `K_p` alone. The title is sealed under `K_p`, so a grantee's list shows
//! titles; the file itself needs both parts.

use hkdf::Hkdf;
use medchain_threshold::{encrypt, label, record_digest, Ciphertext, Point, Purpose};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::DataKey;

/// A 32-byte key part.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Part(pub(crate) [u8; 32]);

impl Part {
	/// A part from its raw bytes.
	pub fn from_bytes(bytes: [u8; 32]) -> Self {
		Part(bytes)
	}
}

impl core::fmt::Debug for Part {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("Part(…)")
	}
}

fn expand(input: &[u8], info: &[u8]) -> [u8; 32] {
	let mut out = [0u8; 32];
	Hkdf::<Sha256>::new(Some(b"MedChain two-lock v1"), input)
		.expand(info, &mut out)
		.expect("32 bytes is a valid HKDF-SHA256 length");
	out
}

/// A two-lock record's secret `S`, what its patient's and author's envelopes carry.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecordSecret(pub(crate) [u8; 32]);

impl RecordSecret {
	/// A fresh secret from the operating system's random source.
	pub fn generate() -> Self {
		let mut s = [0u8; 32];
		OsRng.fill_bytes(&mut s);
		RecordSecret(s)
	}

	/// The envelope part `K_p`.
	pub fn envelope_part(&self) -> Part {
		Part(expand(&self.0, b"envelope part"))
	}

	/// The committee part `K_c`.
	pub fn committee_part(&self) -> Part {
		Part(expand(&self.0, b"committee part"))
	}

	/// The bytes an envelope seals.
	pub fn as_key(&self) -> DataKey {
		DataKey(self.0)
	}
}

/// The file key of a two-lock record: neither part alone gives it.
pub fn file_key(envelope_part: &Part, committee_part: &Part) -> DataKey {
	let mut both = [0u8; 64];
	both[..32].copy_from_slice(&envelope_part.0);
	both[32..].copy_from_slice(&committee_part.0);
	let key = DataKey(expand(&both, b"file key"));
	both.zeroize();
	key
}

/// The key a two-lock record's title is sealed under (from `K_p`).
pub fn title_key(envelope_part: &Part) -> DataKey {
	DataKey(expand(&envelope_part.0, b"title key"))
}

/// Encrypts a key part to the committee key `public` of `epoch`, bound to the record of
/// `patient`, `author` and `cid` (raw account ids, binary CID) for `purpose`.
pub fn lock_part(
	public: &Point,
	epoch: u32,
	purpose: Purpose,
	record: (&[u8; 32], &[u8; 32], &[u8]),
	part: &Part,
) -> Result<Ciphertext, medchain_threshold::Error> {
	let digest = record_digest(record.0, record.1, record.2);
	encrypt(public, &label(purpose, epoch, &digest), &part.0, &mut OsRng)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn each_part_alone_differs_from_the_file_key_and_both_give_it() {
		let s = RecordSecret::generate();
		let (kp, kc) = (s.envelope_part(), s.committee_part());
		let key = file_key(&kp, &kc);
		assert_ne!(key.0, kp.0);
		assert_ne!(key.0, kc.0);
		assert_ne!(kp.0, kc.0);
		assert_eq!(key, file_key(&kp, &kc));
		assert_ne!(key, file_key(&kc, &kp));
		assert_ne!(title_key(&kp), key);
	}
}
