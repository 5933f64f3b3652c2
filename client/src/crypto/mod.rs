//! End-to-end cryptography: keys from one phrase, the keystore file, record encryption and
//! the key envelopes that let a reader open a record. Nothing here talks to the chain.

pub mod envelope;
pub mod keys;
pub mod keystore;
pub mod stream;
pub mod two_lock;

use rand_core::{OsRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The symmetric key of one record: fresh and random for every record, never reused.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DataKey(pub(crate) [u8; 32]);

impl DataKey {
	/// A new key from the operating system's random source.
	pub fn generate() -> Self {
		let mut key = [0u8; 32];
		OsRng.fill_bytes(&mut key);
		DataKey(key)
	}

	/// The raw key, e.g. for a known-answer test.
	pub fn from_bytes(bytes: [u8; 32]) -> Self {
		DataKey(bytes)
	}

	/// The raw key bytes.
	pub fn as_bytes(&self) -> &[u8; 32] {
		&self.0
	}
}

impl core::fmt::Debug for DataKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("DataKey(…)")
	}
}

/// What can go wrong in the cryptography, each with what it means for the user.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
	#[error("the recovery phrase is not a valid BIP39 English mnemonic: {0}")]
	InvalidPhrase(String),
	#[error("wrong password for keystore {path}")]
	WrongPassword { path: String },
	#[error("keystore {path} is not a MedChain keystore: {reason}")]
	BadKeystore { path: String, reason: String },
	#[error(
		"the encrypted data is corrupt or was tampered with (chunk {chunk} fails authentication)"
	)]
	Tampered { chunk: u64 },
	#[error("the encrypted data ends early: {0}")]
	Truncated(&'static str),
	#[error("not MedChain-encrypted data (bad header)")]
	BadHeader,
	#[error("this key envelope is not for this reader or this record (HPKE open failed)")]
	EnvelopeMismatch,
	#[error("not a valid X25519 public key")]
	BadPublicKey,
	#[error("HPKE failed: {0}")]
	Hpke(String),
	#[error(transparent)]
	Io(#[from] std::io::Error),
}
