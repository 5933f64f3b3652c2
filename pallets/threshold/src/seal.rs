//! Sealing to an X25519 key with HPKE (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, ChaCha20-Poly1305): a validator's answer to a reader's one-time key, and a
//! key-generation package to its recipient validator. `info` binds what is sealed to its
//! context (record, reader, validator), so an answer moved elsewhere does not open.

use hpke::{
	aead::{AeadTag, ChaCha20Poly1305},
	kdf::HkdfSha256,
	kem::X25519HkdfSha256,
	Deserializable, Kem, OpModeR, OpModeS, Serializable,
};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

/// Bytes sealing adds: the encapsulated key and the tag.
pub const OVERHEAD: usize = 32 + 16;

/// Sealing or opening failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SealError {
	/// Not an X25519 public key.
	BadKey,
	/// Too short, altered, for another key, or for another context.
	Mismatch,
}

impl std::fmt::Display for SealError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(match self {
			SealError::BadKey => "not an X25519 public key",
			SealError::Mismatch => "sealed to another key or context, or altered",
		})
	}
}

impl std::error::Error for SealError {}

/// Lends a rand_core 0.6 generator (the one the rest of the workspace uses) to hpke, whose
/// bounds are rand_core 0.9's. The client's key envelopes use it too.
pub struct HpkeRng<'a, R>(pub &'a mut R);

impl<R: RngCore> hpke::rand_core::RngCore for HpkeRng<'_, R> {
	fn next_u32(&mut self) -> u32 {
		self.0.next_u32()
	}
	fn next_u64(&mut self) -> u64 {
		self.0.next_u64()
	}
	fn fill_bytes(&mut self, dst: &mut [u8]) {
		self.0.fill_bytes(dst)
	}
}

impl<R: RngCore + CryptoRng> hpke::rand_core::CryptoRng for HpkeRng<'_, R> {}

/// Seals `plaintext` to `public` under `info`: `encapsulated key ‖ ciphertext ‖ tag`.
pub fn seal<R: RngCore + CryptoRng>(
	public: &[u8; 32],
	info: &[u8],
	plaintext: &[u8],
	rng: &mut R,
) -> Result<Vec<u8>, SealError> {
	let public =
		<X25519HkdfSha256 as Kem>::PublicKey::from_bytes(public).map_err(|_| SealError::BadKey)?;
	let mut body = plaintext.to_vec();
	let (encapped, tag) = hpke::single_shot_seal_in_place_detached::<
		ChaCha20Poly1305,
		HkdfSha256,
		X25519HkdfSha256,
		_,
	>(&OpModeS::Base, &public, info, &mut body, &[], &mut HpkeRng(rng))
	.map_err(|_| SealError::BadKey)?;
	let mut out = encapped.to_bytes().to_vec();
	out.extend_from_slice(&body);
	out.extend_from_slice(&tag.to_bytes());
	Ok(out)
}

/// Opens what [`seal`] made for the holder of `secret` under `info`.
pub fn open(secret: &[u8; 32], info: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
	if sealed.len() < OVERHEAD {
		return Err(SealError::Mismatch);
	}
	let private =
		<X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(secret).map_err(|_| SealError::BadKey)?;
	let (encapped, rest) = sealed.split_at(32);
	let (body, tag) = rest.split_at(rest.len() - 16);
	let encapped = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(encapped)
		.map_err(|_| SealError::Mismatch)?;
	let tag = AeadTag::<ChaCha20Poly1305>::from_bytes(tag).map_err(|_| SealError::Mismatch)?;
	let mut body = body.to_vec();
	hpke::single_shot_open_in_place_detached::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
		&OpModeR::Base,
		&private,
		&encapped,
		info,
		&mut body,
		&[],
		&tag,
	)
	.map_err(|_| SealError::Mismatch)?;
	Ok(body)
}

/// The X25519 public key of `secret`.
pub fn public_key(secret: &[u8; 32]) -> Result<[u8; 32], SealError> {
	let private =
		<X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(secret).map_err(|_| SealError::BadKey)?;
	let public = <X25519HkdfSha256 as Kem>::sk_to_pk(&private);
	let mut out = [0u8; 32];
	out.copy_from_slice(&public.to_bytes());
	Ok(out)
}

/// A validator's sealing secret for `epoch`'s key generation, derived from its keystore seed.
pub fn member_secret(seed: &[u8; 32], epoch: u32) -> [u8; 32] {
	Sha256::new()
		.chain_update(b"MedChain committee lock v1|member sealing key")
		.chain_update(seed)
		.chain_update(epoch.to_le_bytes())
		.finalize()
		.into()
}

/// The `info` of an answer from validator `index` to `reader`'s read of `record`.
pub fn answer_info(record: u64, reader: &[u8], index: u16) -> Vec<u8> {
	let mut info = b"MedChain committee lock v1|answer|".to_vec();
	info.extend_from_slice(&record.to_le_bytes());
	info.extend_from_slice(reader);
	info.extend_from_slice(&index.to_le_bytes());
	info
}

/// The `info` of `epoch`'s round-2 package from member `from` to member `to`.
pub fn package_info(epoch: u32, from: u16, to: u16) -> Vec<u8> {
	let mut info = b"MedChain committee lock v1|dkg package|".to_vec();
	info.extend_from_slice(&epoch.to_le_bytes());
	info.extend_from_slice(&from.to_le_bytes());
	info.extend_from_slice(&to.to_le_bytes());
	info
}
