//! One BIP39 phrase per user restores both of their keys:
//! - the sr25519 signing key, derived exactly as Substrate wallets do (so the same phrase opens
//!   the same account in polkadot.js), and
//! - the X25519 encryption key that record envelopes are sealed to, derived from the same
//!   secret with HKDF-SHA256 under a MedChain-specific label, so neither key reveals the other.

use bip39::{Language, Mnemonic};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use std::str::FromStr;
use subxt::utils::AccountId32;

use subxt_signer::{sr25519, ExposeSecret, SecretUri};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::CryptoError;

/// Domain-separation salt and label of the encryption key derivation. Changing them changes
/// every user's encryption key, so they are versioned.
const X25519_SALT: &[u8] = b"MedChain key derivation v1";
const X25519_INFO: &[u8] = b"x25519 record-key envelopes";

/// A user's keys, restored from their phrase.
pub struct Identity {
	phrase: Zeroizing<String>,
	signer: sr25519::Keypair,
	encryption: StaticSecret,
}

impl std::fmt::Debug for Identity {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		// Never the phrase or the secrets.
		f.debug_struct("Identity")
			.field("account", &self.account_id().to_string())
			.finish_non_exhaustive()
	}
}

impl Identity {
	/// A new identity with a fresh 24-word phrase (256 bits of entropy).
	pub fn generate() -> Self {
		let mut entropy = Zeroizing::new([0u8; 32]);
		OsRng.fill_bytes(entropy.as_mut());
		let mnemonic = Mnemonic::from_entropy_in(Language::English, entropy.as_ref())
			.expect("32 bytes is a valid BIP39 entropy length");
		Self::from_mnemonic(&mnemonic).expect("a fresh mnemonic derives keys")
	}

	/// Restores an identity from its phrase (12 to 24 English words).
	pub fn from_phrase(phrase: &str) -> Result<Self, CryptoError> {
		let mnemonic = Mnemonic::parse_in(Language::English, phrase.trim())
			.map_err(|e| CryptoError::InvalidPhrase(e.to_string()))?;
		Self::from_mnemonic(&mnemonic)
	}

	/// Restores an identity from a phrase or a Substrate secret URI with a derivation path
	/// (`"<phrase>//hospital/1"`, or `"//Alice"` for the dev accounts). The signing key is the
	/// wallet's derived key; the encryption key is derived from the phrase's under a label made
	/// of the path's *parsed* junctions (and password), so every account has its own and two
	/// spellings of one path (`//01` and `//1`) give the same keys.
	pub fn from_secret(secret: &str) -> Result<Self, CryptoError> {
		let secret = secret.trim();
		if !secret.contains('/') {
			return Self::from_phrase(secret);
		}
		let uri =
			SecretUri::from_str(secret).map_err(|e| CryptoError::InvalidPhrase(e.to_string()))?;
		let signer = sr25519::Keypair::from_uri(&uri)
			.map_err(|e| CryptoError::InvalidPhrase(e.to_string()))?;
		let base = Self::from_phrase(uri.phrase.expose_secret())?;
		let mut x25519 = Zeroizing::new([0u8; 32]);
		let mut info = [X25519_INFO, b"|"].concat();
		for junction in &uri.junctions {
			info.push(if junction.is_hard() { b'h' } else { b's' });
			info.extend_from_slice(junction.inner());
		}
		if let Some(password) = &uri.password {
			info.extend_from_slice(b"|p");
			info.extend_from_slice(password.expose_secret().as_bytes());
		}
		let info = Zeroizing::new(info);
		Hkdf::<Sha256>::new(Some(X25519_SALT), base.encryption.as_bytes())
			.expand(&info, x25519.as_mut())
			.expect("32 bytes is a valid HKDF-SHA256 output length");
		Ok(Identity {
			phrase: Zeroizing::new(secret.to_string()),
			signer,
			encryption: StaticSecret::from(*x25519),
		})
	}

	fn from_mnemonic(mnemonic: &Mnemonic) -> Result<Self, CryptoError> {
		let entropy = Zeroizing::new(mnemonic.to_entropy());
		let seed = Zeroizing::new(
			substrate_bip39::seed_from_entropy(&entropy, "")
				.map_err(|e| CryptoError::InvalidPhrase(format!("{e:?}")))?,
		);
		let mut mini_secret = Zeroizing::new([0u8; 32]);
		mini_secret.copy_from_slice(&seed[..32]);
		let signer = sr25519::Keypair::from_secret_key(*mini_secret)
			.map_err(|e| CryptoError::InvalidPhrase(e.to_string()))?;

		let mut x25519 = Zeroizing::new([0u8; 32]);
		Hkdf::<Sha256>::new(Some(X25519_SALT), mini_secret.as_ref())
			.expand(X25519_INFO, x25519.as_mut())
			.expect("32 bytes is a valid HKDF-SHA256 output length");
		Ok(Identity {
			phrase: Zeroizing::new(mnemonic.to_string()),
			signer,
			encryption: StaticSecret::from(*x25519),
		})
	}

	/// The recovery phrase (or secret URI): show it once, at creation, and never log it.
	pub fn phrase(&self) -> &str {
		&self.phrase
	}

	/// The key that signs this user's transactions.
	pub fn signer(&self) -> &sr25519::Keypair {
		&self.signer
	}

	/// The on-chain account.
	pub fn account_id(&self) -> AccountId32 {
		self.signer.public_key().to_account_id()
	}

	/// The secret that opens envelopes sealed to this user.
	pub fn encryption_secret(&self) -> &StaticSecret {
		&self.encryption
	}

	/// The public key others seal envelopes to; registered on chain.
	pub fn encryption_public(&self) -> [u8; 32] {
		PublicKey::from(&self.encryption).to_bytes()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	#[test]
	fn signing_key_is_the_substrate_wallet_key_of_the_phrase() {
		// The Substrate dev phrase without a derivation path is a well-known account.
		let id = Identity::from_phrase(PHRASE).unwrap();
		let wallet =
			sr25519::Keypair::from_phrase(&Mnemonic::parse(PHRASE).unwrap(), None).unwrap();
		assert_eq!(id.account_id(), wallet.public_key().to_account_id());
		assert_eq!(id.account_id().to_string(), "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV");
	}

	#[test]
	fn one_phrase_restores_both_keys_and_they_differ() {
		let id = Identity::generate();
		assert_eq!(id.phrase().split_whitespace().count(), 24);
		let again = Identity::from_phrase(id.phrase()).unwrap();
		assert_eq!(again.account_id(), id.account_id());
		assert_eq!(again.encryption_public(), id.encryption_public());
		assert_ne!(id.encryption_public(), id.account_id().0);
		assert_ne!(id.encryption_secret().to_bytes(), id.signer().public_key().0);
	}

	#[test]
	fn dev_uris_give_the_well_known_dev_accounts() {
		let alice = Identity::from_secret("//Alice").unwrap();
		assert_eq!(alice.account_id(), sr25519::dev::alice().public_key().to_account_id());
		let bob = Identity::from_secret("//Bob").unwrap();
		assert_ne!(alice.encryption_public(), bob.encryption_public());
		let again = Identity::from_secret(alice.phrase()).unwrap();
		assert_eq!(again.encryption_public(), alice.encryption_public());
	}

	/// `//01` and `//1` are one account to Substrate, so they must be one encryption key too.
	#[test]
	fn two_spellings_of_one_path_give_the_same_keys() {
		let a = Identity::from_secret(&format!("{PHRASE}//01")).unwrap();
		let b = Identity::from_secret(&format!("{PHRASE}//1")).unwrap();
		assert_eq!(a.account_id(), b.account_id());
		assert_eq!(a.encryption_public(), b.encryption_public());
		let c = Identity::from_secret(&format!("{PHRASE}//2")).unwrap();
		assert_ne!(a.encryption_public(), c.encryption_public());
		let hard = Identity::from_secret(&format!("{PHRASE}//1")).unwrap();
		let soft = Identity::from_secret(&format!("{PHRASE}/1")).unwrap();
		assert_ne!(hard.encryption_public(), soft.encryption_public());
	}

	#[test]
	fn a_wrong_phrase_is_a_clear_error() {
		let err = Identity::from_phrase(
			"bottom drive obey lake curtain smoke basket hold race lonely fit fit",
		)
		.err()
		.unwrap();
		assert!(err.to_string().contains("not a valid BIP39"), "{err}");
	}
}
