//! Key envelopes: a record's data key sealed to one reader's X25519 key with HPKE (RFC 9180,
//! base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305). The HPKE `info`
//! carries the record's CID, so an envelope only opens for the record it was made for: moving
//! it to another record's entry on chain yields nothing.
//!
//! An envelope is 80 bytes, the size the chain stores: the 32-byte encapsulated key, the
//! 32-byte sealed data key and the 16-byte tag.

use cid::Cid;
use hpke::{
	aead::{AeadTag, ChaCha20Poly1305},
	kdf::HkdfSha256,
	kem::X25519HkdfSha256,
	Deserializable, Kem, OpModeR, OpModeS, Serializable,
};
use medchain_threshold::seal::HpkeRng;
use rand_core::OsRng;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey};

/// Bytes of one envelope on chain.
pub const ENVELOPE_SIZE: usize = 80;
/// One envelope, as stored on chain.
pub type Envelope = [u8; ENVELOPE_SIZE];

const INFO_LABEL: &[u8] = b"MedChain record key v1|";

fn info(cid: &Cid) -> Vec<u8> {
	let mut info = INFO_LABEL.to_vec();
	info.extend_from_slice(&cid.to_bytes());
	info
}

/// HPKE single-shot seal of `buf` in place to `reader_public`; returns the encapsulated key
/// and the tag.
fn hpke_seal(
	reader_public: &[u8; 32],
	info: &[u8],
	buf: &mut [u8],
) -> Result<([u8; 32], [u8; 16]), CryptoError> {
	let public = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(reader_public)
		.map_err(|_| CryptoError::BadPublicKey)?;
	let (encapped, tag) = hpke::single_shot_seal_in_place_detached::<
		ChaCha20Poly1305,
		HkdfSha256,
		X25519HkdfSha256,
		_,
	>(&OpModeS::Base, &public, info, buf, &[], &mut HpkeRng(&mut OsRng))
	.map_err(|e| CryptoError::Hpke(e.to_string()))?;
	let mut out = ([0u8; 32], [0u8; 16]);
	out.0.copy_from_slice(&encapped.to_bytes());
	out.1.copy_from_slice(&tag.to_bytes());
	Ok(out)
}

/// Opens `buf` in place; fails unless it was sealed to `reader` with this `info`.
fn hpke_open(
	reader: &StaticSecret,
	info: &[u8],
	encapped: &[u8],
	buf: &mut [u8],
	tag: &[u8],
) -> Result<(), CryptoError> {
	let secret = Zeroizing::new(reader.to_bytes());
	let private = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(secret.as_ref())
		.map_err(|e| CryptoError::Hpke(e.to_string()))?;
	let encapped = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(encapped)
		.map_err(|_| CryptoError::EnvelopeMismatch)?;
	let tag =
		AeadTag::<ChaCha20Poly1305>::from_bytes(tag).map_err(|_| CryptoError::EnvelopeMismatch)?;
	hpke::single_shot_open_in_place_detached::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
		&OpModeR::Base,
		&private,
		&encapped,
		info,
		buf,
		&[],
		&tag,
	)
	.map_err(|_| CryptoError::EnvelopeMismatch)
}

/// Seals `key` for the holder of `reader_public` (their registered encryption key), bound to
/// the record `cid`.
pub fn seal(reader_public: &[u8; 32], key: &DataKey, cid: &Cid) -> Result<Envelope, CryptoError> {
	let mut sealed = key.0;
	let (encapped, tag) = hpke_seal(reader_public, &info(cid), &mut sealed)?;
	let mut envelope = [0u8; ENVELOPE_SIZE];
	envelope[..32].copy_from_slice(&encapped);
	envelope[32..64].copy_from_slice(&sealed);
	envelope[64..].copy_from_slice(&tag);
	Ok(envelope)
}

/// Opens an envelope with the reader's secret; fails unless it was sealed to this reader for
/// this very record.
pub fn open(reader: &StaticSecret, envelope: &Envelope, cid: &Cid) -> Result<DataKey, CryptoError> {
	let mut key = [0u8; 32];
	key.copy_from_slice(&envelope[32..64]);
	hpke_open(reader, &info(cid), &envelope[..32], &mut key, &envelope[64..])?;
	Ok(DataKey(key))
}

/// Bytes a sealed note adds to its text.
pub const NOTE_OVERHEAD: usize = 32 + 16;

fn note_info(context: &[u8]) -> Vec<u8> {
	[b"MedChain note v1|".as_slice(), context].concat()
}

/// Seals a short free-text note (an appointment reason) to one reader, bound to `context`, so
/// that free text a patient types never reaches the chain in the clear.
pub fn seal_note(
	reader_public: &[u8; 32],
	context: &[u8],
	text: &[u8],
) -> Result<Vec<u8>, CryptoError> {
	let mut sealed = text.to_vec();
	let (encapped, tag) = hpke_seal(reader_public, &note_info(context), &mut sealed)?;
	Ok([encapped.as_slice(), &sealed, &tag].concat())
}

/// Opens a note sealed to this reader for `context`.
pub fn open_note(
	reader: &StaticSecret,
	context: &[u8],
	sealed: &[u8],
) -> Result<Vec<u8>, CryptoError> {
	if sealed.len() < NOTE_OVERHEAD {
		return Err(CryptoError::EnvelopeMismatch);
	}
	let (encapped, rest) = sealed.split_at(32);
	let (text, tag) = rest.split_at(rest.len() - 16);
	let mut text = text.to_vec();
	hpke_open(reader, &note_info(context), encapped, &mut text, tag)?;
	Ok(text)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::crypto::keys::Identity;

	fn cid(text: &str) -> Cid {
		text.parse().unwrap()
	}

	#[test]
	fn only_the_reader_opens_and_only_for_that_record() {
		let (reader, stranger) = (Identity::generate(), Identity::generate());
		let record = cid("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
		let other = cid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
		let key = DataKey::generate();
		let envelope = seal(&reader.encryption_public(), &key, &record).unwrap();
		assert_eq!(open(reader.encryption_secret(), &envelope, &record).unwrap(), key);
		assert!(matches!(
			open(stranger.encryption_secret(), &envelope, &record),
			Err(CryptoError::EnvelopeMismatch)
		));
		assert!(matches!(
			open(reader.encryption_secret(), &envelope, &other),
			Err(CryptoError::EnvelopeMismatch)
		));
		let mut bent = envelope;
		bent[40] ^= 1;
		assert!(open(reader.encryption_secret(), &bent, &record).is_err());
	}

	/// RFC 9180 appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305,
	/// base mode — the exact suite the envelopes use.
	mod rfc9180_a21 {
		use super::*;
		use hpke::{setup_receiver, setup_sender};
		use rand_core::{CryptoRng, RngCore};

		const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
		const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
		const PK_EM: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
		const SK_EM: &str = "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600";
		const IKM_R: &str = "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df";
		const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
		const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
		const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
		/// (aad, ciphertext) of sequence numbers 0 and 1.
		const ENCRYPTIONS: [(&str, &str); 2] = [
			(
				"436f756e742d30",
				"1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
			),
			(
				"436f756e742d31",
				"6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c",
			),
		];
		/// (exporter_context, exported_value), L = 32.
		const EXPORTS: [(&str, &str); 3] = [
			("", "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e"),
			("00", "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69"),
			(
				"54657374436f6e74657874",
				"5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53",
			),
		];

		fn h(s: &str) -> Vec<u8> {
			hex::decode(s).unwrap()
		}

		/// Replays the vector's ephemeral IKM: hpke draws exactly one 32-byte IKM per seal.
		struct FixedIkm(Vec<u8>);
		impl RngCore for FixedIkm {
			fn next_u32(&mut self) -> u32 {
				unreachable!("hpke only fills bytes")
			}
			fn next_u64(&mut self) -> u64 {
				unreachable!("hpke only fills bytes")
			}
			fn fill_bytes(&mut self, dst: &mut [u8]) {
				dst.copy_from_slice(&self.0[..dst.len()]);
			}
			fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), rand_core::Error> {
				self.fill_bytes(dst);
				Ok(())
			}
		}
		impl CryptoRng for FixedIkm {}

		#[test]
		fn key_derivation_matches() {
			let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&h(IKM_R));
			assert_eq!(pk_r.to_bytes().to_vec(), h(PK_RM));
			assert_eq!(sk_r.to_bytes().to_vec(), h(SK_RM));
			let (sk_e, pk_e) = X25519HkdfSha256::derive_keypair(&h(IKM_E));
			assert_eq!(pk_e.to_bytes().to_vec(), h(PK_EM));
			assert_eq!(sk_e.to_bytes().to_vec(), h(SK_EM));
		}

		#[test]
		fn sender_and_receiver_match() {
			let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&h(IKM_R));
			let (enc, mut sender) =
				setup_sender::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
					&OpModeS::Base,
					&pk_r,
					&h(INFO),
					&mut HpkeRng(&mut FixedIkm(h(IKM_E))),
				)
				.unwrap();
			assert_eq!(enc.to_bytes().to_vec(), h(PK_EM), "enc");
			let mut receiver = setup_receiver::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
				&OpModeR::Base,
				&sk_r,
				&enc,
				&h(INFO),
			)
			.unwrap();
			for (aad, ct) in ENCRYPTIONS {
				assert_eq!(sender.seal(&h(PT), &h(aad)).unwrap(), h(ct), "seal {aad}");
				assert_eq!(receiver.open(&h(ct), &h(aad)).unwrap(), h(PT), "open {aad}");
			}
			for (context, value) in EXPORTS {
				let mut out = [0u8; 32];
				receiver.export(&h(context), &mut out).unwrap();
				assert_eq!(out.to_vec(), h(value), "export {context}");
			}
		}

		#[test]
		fn our_x25519_keys_are_hpke_keys() {
			// The secret derived from a phrase opens envelopes sealed to its public key: the
			// dalek and hpke views of the same 32 bytes agree.
			let id = crate::crypto::keys::Identity::generate();
			let sk = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(
				&id.encryption_secret().to_bytes(),
			)
			.unwrap();
			assert_eq!(
				X25519HkdfSha256::sk_to_pk(&sk).to_bytes().to_vec(),
				id.encryption_public().to_vec()
			);
		}
	}

	#[test]
	fn notes_open_for_their_reader_and_context_only() {
		let (reader, stranger) = (Identity::generate(), Identity::generate());
		let sealed = seal_note(&reader.encryption_public(), b"ctx", b"chest pain").unwrap();
		assert_eq!(sealed.len(), 10 + NOTE_OVERHEAD);
		assert_eq!(open_note(reader.encryption_secret(), b"ctx", &sealed).unwrap(), b"chest pain");
		assert!(open_note(stranger.encryption_secret(), b"ctx", &sealed).is_err());
		assert!(open_note(reader.encryption_secret(), b"other", &sealed).is_err());
	}

	#[test]
	fn envelopes_are_fresh_every_time() {
		let reader = Identity::generate();
		let record = cid("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
		let key = DataKey::generate();
		let a = seal(&reader.encryption_public(), &key, &record).unwrap();
		let b = seal(&reader.encryption_public(), &key, &record).unwrap();
		assert_ne!(a, b);
	}
}
