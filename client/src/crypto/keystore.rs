//! The keystore file: a user's phrase at rest, sealed with XChaCha20-Poly1305 under a key
//! stretched from their password by Argon2id (memory-hard, so guessing passwords offline costs
//! memory as well as time). The public parts are stored in the clear and authenticated as
//! associated data, so `account show` needs no password and a swapped header is detected.

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{keys::Identity, CryptoError};

/// Argon2id cost: 64 MiB and 3 passes (above OWASP's minimum of 19 MiB × 2).
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;
const PARALLELISM: u32 = 1;
/// The most a keystore may ask of the KDF when opened. The parameters are read before the file
/// is authenticated, so an edited file could otherwise make `open` allocate terabytes or run
/// for days; MedChain writes far less than these.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;

/// The JSON layout of a keystore file (version 1).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct KeystoreFile {
	pub version: u32,
	/// SS58 address of the account, for display without the password.
	pub account: String,
	/// Hex X25519 public key, for display without the password.
	pub encryption_key: String,
	pub kdf: KdfParams,
	pub cipher: String,
	pub nonce: String,
	pub ciphertext: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct KdfParams {
	pub algorithm: String,
	pub memory_kib: u32,
	pub iterations: u32,
	pub parallelism: u32,
	pub salt: String,
}

impl KeystoreFile {
	/// Seals `identity`'s phrase under `password`.
	pub fn seal(identity: &Identity, password: &str) -> Result<Self, CryptoError> {
		let mut salt = [0u8; 16];
		OsRng.fill_bytes(&mut salt);
		let mut nonce = [0u8; 24];
		OsRng.fill_bytes(&mut nonce);
		let mut file = KeystoreFile {
			version: 1,
			account: identity.account_id().to_string(),
			encryption_key: hex::encode(identity.encryption_public()),
			kdf: KdfParams {
				algorithm: "argon2id".into(),
				memory_kib: MEMORY_KIB,
				iterations: ITERATIONS,
				parallelism: PARALLELISM,
				salt: hex::encode(salt),
			},
			cipher: "xchacha20poly1305".into(),
			nonce: hex::encode(nonce),
			ciphertext: String::new(),
		};
		let key = file.derive_key(password, "<new>")?;
		let cipher = XChaCha20Poly1305::new(key.as_ref().into());
		let sealed = cipher
			.encrypt(
				XNonce::from_slice(&nonce),
				Payload { msg: identity.phrase().as_bytes(), aad: &file.associated_data() },
			)
			.map_err(|_| CryptoError::Hpke("keystore encryption failed".into()))?;
		file.ciphertext = hex::encode(sealed);
		Ok(file)
	}

	/// Opens the keystore; a wrong password (or an edited file) is `WrongPassword`.
	pub fn open(&self, password: &str, path: &str) -> Result<Identity, CryptoError> {
		let bad =
			|reason: &str| CryptoError::BadKeystore { path: path.into(), reason: reason.into() };
		if self.version != 1
			|| self.cipher != "xchacha20poly1305"
			|| self.kdf.algorithm != "argon2id"
		{
			return Err(bad("unsupported version, cipher or KDF"));
		}
		let nonce = hex::decode(&self.nonce).map_err(|_| bad("nonce is not hex"))?;
		if nonce.len() != 24 {
			return Err(bad("nonce must be 24 bytes"));
		}
		let sealed = hex::decode(&self.ciphertext).map_err(|_| bad("ciphertext is not hex"))?;
		let key = self.derive_key(password, path)?;
		let cipher = XChaCha20Poly1305::new(key.as_ref().into());
		let phrase = Zeroizing::new(
			cipher
				.decrypt(
					XNonce::from_slice(&nonce),
					Payload { msg: &sealed, aad: &self.associated_data() },
				)
				.map_err(|_| CryptoError::WrongPassword { path: path.into() })?,
		);
		let phrase = std::str::from_utf8(&phrase).map_err(|_| bad("phrase is not UTF-8"))?;
		let identity = Identity::from_secret(phrase)?;
		if identity.account_id().to_string() != self.account {
			return Err(bad("the sealed phrase does not match the account in the header"));
		}
		Ok(identity)
	}

	/// Reads a keystore file.
	pub fn load(path: &Path) -> Result<Self, CryptoError> {
		let bytes = std::fs::read(path)?;
		// A truncated, emptied or binary file is named and explained, never a panic.
		serde_json::from_slice(&bytes).map_err(|e| CryptoError::BadKeystore {
			path: path.display().to_string(),
			reason: if bytes.is_empty() { "the file is empty".into() } else { e.to_string() },
		})
	}

	/// Writes the keystore file, readable by its owner only, without clobbering another.
	pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
		use std::io::Write;
		if let Some(dir) = path.parent() {
			std::fs::create_dir_all(dir)?;
		}
		let mut options = std::fs::OpenOptions::new();
		options.write(true).create_new(true);
		#[cfg(unix)]
		std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
		let mut file = options.open(path)?;
		file.write_all(serde_json::to_string_pretty(self).expect("serializable").as_bytes())?;
		file.write_all(b"\n")?;
		Ok(())
	}

	fn derive_key(&self, password: &str, path: &str) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
		let bad = |reason: String| CryptoError::BadKeystore { path: path.into(), reason };
		let kdf = &self.kdf;
		if kdf.memory_kib > MAX_MEMORY_KIB
			|| kdf.iterations > MAX_ITERATIONS
			|| kdf.parallelism > MAX_PARALLELISM
		{
			return Err(bad(format!(
				"Argon2 parameters beyond what MedChain writes ({} KiB, {} passes, {} lanes): \
				 the file was edited",
				kdf.memory_kib, kdf.iterations, kdf.parallelism
			)));
		}
		let salt = hex::decode(&kdf.salt).map_err(|_| bad("salt is not hex".into()))?;
		let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
			.map_err(|e| bad(format!("bad Argon2 parameters: {e}")))?;
		let mut key = Zeroizing::new([0u8; 32]);
		Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
			.hash_password_into(password.as_bytes(), &salt, key.as_mut())
			.map_err(|e| bad(format!("Argon2 failed: {e}")))?;
		Ok(key)
	}

	/// Everything but the ciphertext, authenticated with it.
	fn associated_data(&self) -> Vec<u8> {
		format!(
			"medchain-keystore/{}|{}|{}|{}|{}|{}|{}|{}|{}",
			self.version,
			self.account,
			self.encryption_key,
			self.kdf.algorithm,
			self.kdf.memory_kib,
			self.kdf.iterations,
			self.kdf.parallelism,
			self.kdf.salt,
			self.cipher
		)
		.into_bytes()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn seals_and_opens_with_the_right_password_only() {
		let id = Identity::generate();
		let file = KeystoreFile::seal(&id, "correct horse").unwrap();
		assert!(!file.ciphertext.contains(&hex::encode(id.phrase())));
		let opened = file.open("correct horse", "test").unwrap();
		assert_eq!(opened.phrase(), id.phrase());
		assert!(matches!(file.open("wrong", "test"), Err(CryptoError::WrongPassword { .. })));
	}

	/// Damaged and edited files end in `BadKeystore` or `WrongPassword`, quickly, and the file
	/// on disk is left as it was.
	#[test]
	fn truncated_emptied_and_edited_keystores_are_typed_errors() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("k.json");
		let id = Identity::generate();
		let sealed = KeystoreFile::seal(&id, "pw").unwrap();
		sealed.save(&path).unwrap();
		let good = std::fs::read(&path).unwrap();

		let try_open = |bytes: &[u8]| {
			std::fs::write(&path, bytes).unwrap();
			KeystoreFile::load(&path).and_then(|f| f.open("pw", "k.json"))
		};
		for cut in [0, 1, good.len() / 2, good.len() - 3] {
			let Err(err) = try_open(&good[..cut]) else { panic!("opened when cut at {cut}") };
			assert!(matches!(err, CryptoError::BadKeystore { .. }), "cut at {cut}: {err}");
		}
		assert!(matches!(try_open(&[0xff, 0xfe, 0]), Err(CryptoError::BadKeystore { .. })));

		let edit = |f: &dyn Fn(&mut KeystoreFile)| {
			let mut file = sealed.clone();
			f(&mut file);
			try_open(serde_json::to_string(&file).unwrap().as_bytes())
		};
		// The sealed phrase, the nonce or a cheaper KDF: authentication fails.
		let flipped = |hex: &str| {
			let mut b = hex::decode(hex).unwrap();
			b[0] ^= 1;
			hex::encode(b)
		};
		let err = edit(&|f| f.ciphertext = flipped(&f.ciphertext)).err().unwrap();
		assert!(matches!(err, CryptoError::WrongPassword { .. }), "{err}");
		let err = edit(&|f| f.nonce = flipped(&f.nonce)).err().unwrap();
		assert!(matches!(err, CryptoError::WrongPassword { .. }), "{err}");
		let err = edit(&|f| f.kdf.iterations = 1).err().unwrap();
		assert!(matches!(err, CryptoError::WrongPassword { .. }), "{err}");
		// A KDF that would take terabytes or days is refused before it runs (unbounded, this
		// test would abort on the allocation or never end).
		for f in [
			(|f: &mut KeystoreFile| f.kdf.memory_kib = u32::MAX) as fn(&mut KeystoreFile),
			|f| f.kdf.iterations = u32::MAX,
			|f| f.kdf.parallelism = 1 << 20,
			|f| f.nonce.truncate(10),
			|f| f.version = 2,
		] {
			let err = edit(&f).err().unwrap();
			assert!(matches!(err, CryptoError::BadKeystore { .. }), "{err}");
		}

		// The untouched keystore still opens.
		assert_eq!(try_open(&good).unwrap().account_id(), id.account_id());
	}

	#[test]
	fn an_edited_header_is_detected() {
		let id = Identity::generate();
		let mut file = KeystoreFile::seal(&id, "pw").unwrap();
		file.account = Identity::generate().account_id().to_string();
		assert!(matches!(file.open("pw", "test"), Err(CryptoError::WrongPassword { .. })));
	}

	#[test]
	fn save_never_overwrites_and_round_trips() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("k.json");
		let id = Identity::generate();
		let file = KeystoreFile::seal(&id, "pw").unwrap();
		file.save(&path).unwrap();
		assert!(file.save(&path).is_err(), "an existing keystore is never clobbered");
		let loaded = KeystoreFile::load(&path).unwrap();
		assert_eq!(loaded.open("pw", "k").unwrap().account_id(), id.account_id());
	}
}
