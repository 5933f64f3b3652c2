//! Record encryption: XChaCha20-Poly1305 in the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway, Vizár), big-endian 32-bit counter with a last-chunk flag, from the RustCrypto
//! `aead` crate. A file is cut into 64 KiB chunks, each sealed on its own, so files of any size
//! stream through in constant memory, and reordered, dropped or truncated chunks fail
//! authentication.
//!
//! Layout: `MEDC 0x01 | chunk size (u32 BE) | 19-byte nonce prefix` (28 bytes, also the
//! associated data of every chunk), then the sealed chunks (plaintext + 16-byte tag each).
//! A key is used for one record only, so the random nonce prefix never repeats under a key.

use std::io::{self, Read, Write};

use chacha20poly1305::{
	aead::{
		stream::{DecryptorBE32, EncryptorBE32},
		KeyInit,
	},
	XChaCha20Poly1305,
};
use rand_core::{OsRng, RngCore};

use super::{CryptoError, DataKey};

/// Plaintext bytes per chunk.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Authentication tag bytes per chunk.
pub const TAG_SIZE: usize = 16;
const MAGIC: &[u8; 5] = b"MEDC\x01";
const NONCE_PREFIX: usize = 19;
/// Header bytes before the first chunk.
pub const HEADER_SIZE: usize = MAGIC.len() + 4 + NONCE_PREFIX;

/// The size of the ciphertext of `plain` bytes.
pub fn encrypted_size(plain: u64) -> u64 {
	let chunks = plain.div_ceil(CHUNK_SIZE as u64).max(1);
	HEADER_SIZE as u64 + plain + chunks * TAG_SIZE as u64
}

/// Encrypts whatever it reads from `inner`; reading from it yields the ciphertext.
pub struct EncryptingReader<R> {
	inner: R,
	header: [u8; HEADER_SIZE],
	encryptor: Option<EncryptorBE32<XChaCha20Poly1305>>,
	/// A plaintext chunk already read but not sealed yet: only the next read tells whether it
	/// is the last one.
	pending: Option<Vec<u8>>,
	out: Vec<u8>,
	out_pos: usize,
	header_sent: bool,
}

impl<R: Read> EncryptingReader<R> {
	/// Encrypts `inner` under `key` with a fresh random nonce prefix.
	pub fn new(inner: R, key: &DataKey) -> Self {
		let mut header = [0u8; HEADER_SIZE];
		header[..MAGIC.len()].copy_from_slice(MAGIC);
		header[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(CHUNK_SIZE as u32).to_be_bytes());
		OsRng.fill_bytes(&mut header[MAGIC.len() + 4..]);
		let cipher = XChaCha20Poly1305::new((&key.0).into());
		let encryptor = EncryptorBE32::from_aead(cipher, header[MAGIC.len() + 4..].into());
		EncryptingReader {
			inner,
			header,
			encryptor: Some(encryptor),
			pending: None,
			out: Vec::with_capacity(CHUNK_SIZE + TAG_SIZE),
			out_pos: 0,
			header_sent: false,
		}
	}

	fn read_chunk(&mut self) -> io::Result<Vec<u8>> {
		let mut chunk = Vec::with_capacity(CHUNK_SIZE + TAG_SIZE);
		(&mut self.inner).take(CHUNK_SIZE as u64).read_to_end(&mut chunk)?;
		Ok(chunk)
	}

	/// Seals the next chunk into `out`; leaves `out` empty at the end of the stream.
	fn refill(&mut self) -> io::Result<()> {
		self.out.clear();
		self.out_pos = 0;
		if !self.header_sent {
			self.header_sent = true;
			self.out.extend_from_slice(&self.header);
			return Ok(());
		}
		let Some(mut encryptor) = self.encryptor.take() else { return Ok(()) };
		let mut chunk = match self.pending.take() {
			Some(chunk) => chunk,
			None => self.read_chunk()?,
		};
		let next = if chunk.len() < CHUNK_SIZE { Vec::new() } else { self.read_chunk()? };
		let sealed = if next.is_empty() {
			encryptor.encrypt_last_in_place(&self.header, &mut chunk)
		} else {
			let sealed = encryptor.encrypt_next_in_place(&self.header, &mut chunk);
			self.encryptor = Some(encryptor);
			self.pending = Some(next);
			sealed
		};
		sealed.map_err(|_| io::Error::other("record encryption failed (stream too long)"))?;
		self.out = chunk;
		Ok(())
	}
}

impl<R: Read> Read for EncryptingReader<R> {
	fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		if self.out_pos == self.out.len() {
			self.refill()?;
		}
		let n = buf.len().min(self.out.len() - self.out_pos);
		buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
		self.out_pos += n;
		Ok(n)
	}
}

/// Decrypts the ciphertext written to it and writes the plaintext to `inner`. Call
/// [`DecryptingWriter::finish`] at the end: only then is the last chunk checked.
pub struct DecryptingWriter<W> {
	inner: W,
	key: DataKey,
	header: Option<[u8; HEADER_SIZE]>,
	decryptor: Option<DecryptorBE32<XChaCha20Poly1305>>,
	buffer: Vec<u8>,
	chunk: u64,
	written: u64,
}

impl<W: Write> DecryptingWriter<W> {
	pub fn new(inner: W, key: &DataKey) -> Self {
		DecryptingWriter {
			inner,
			key: key.clone(),
			header: None,
			decryptor: None,
			buffer: Vec::with_capacity(2 * (CHUNK_SIZE + TAG_SIZE)),
			chunk: 0,
			written: 0,
		}
	}

	fn start(&mut self) -> Result<(), CryptoError> {
		if self.header.is_some() || self.buffer.len() < HEADER_SIZE {
			return Ok(());
		}
		let header: [u8; HEADER_SIZE] =
			self.buffer[..HEADER_SIZE].try_into().expect("length checked");
		let chunk_size =
			u32::from_be_bytes(header[MAGIC.len()..MAGIC.len() + 4].try_into().expect("4"));
		if &header[..MAGIC.len()] != MAGIC || chunk_size as usize != CHUNK_SIZE {
			return Err(CryptoError::BadHeader);
		}
		let cipher = XChaCha20Poly1305::new((&self.key.0).into());
		self.decryptor = Some(DecryptorBE32::from_aead(cipher, header[MAGIC.len() + 4..].into()));
		self.header = Some(header);
		self.buffer.drain(..HEADER_SIZE);
		Ok(())
	}

	/// Opens every chunk that is certainly not the last one.
	fn drain_full_chunks(&mut self) -> Result<(), CryptoError> {
		const SEALED: usize = CHUNK_SIZE + TAG_SIZE;
		let (Some(header), Some(decryptor)) = (self.header, self.decryptor.as_mut()) else {
			return Ok(());
		};
		while self.buffer.len() > SEALED {
			let mut chunk: Vec<u8> = self.buffer.drain(..SEALED).collect();
			decryptor
				.decrypt_next_in_place(&header, &mut chunk)
				.map_err(|_| CryptoError::Tampered { chunk: self.chunk })?;
			self.chunk += 1;
			self.inner.write_all(&chunk)?;
			self.written += chunk.len() as u64;
		}
		Ok(())
	}

	/// Opens the last chunk and returns the inner writer and the plaintext size.
	pub fn finish(mut self) -> Result<(W, u64), CryptoError> {
		self.start()?;
		let (Some(header), Some(decryptor)) = (self.header, self.decryptor.take()) else {
			return Err(CryptoError::Truncated("no complete header"));
		};
		if self.buffer.len() < TAG_SIZE {
			return Err(CryptoError::Truncated("the last chunk is missing"));
		}
		let mut chunk = std::mem::take(&mut self.buffer);
		decryptor
			.decrypt_last_in_place(&header, &mut chunk)
			.map_err(|_| CryptoError::Tampered { chunk: self.chunk })?;
		self.inner.write_all(&chunk)?;
		self.inner.flush()?;
		Ok((self.inner, self.written + chunk.len() as u64))
	}
}

impl<W: Write> Write for DecryptingWriter<W> {
	fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
		self.buffer.extend_from_slice(buf);
		self.start().and_then(|()| self.drain_full_chunks()).map_err(io::Error::other)?;
		Ok(buf.len())
	}

	fn flush(&mut self) -> io::Result<()> {
		self.inner.flush()
	}
}

/// Turns an I/O error from [`DecryptingWriter`] back into the crypto error it carries.
pub fn crypto_error(err: io::Error) -> CryptoError {
	match err.get_ref().and_then(|e| e.downcast_ref::<CryptoError>()) {
		Some(_) => *err.into_inner().expect("checked").downcast::<CryptoError>().expect("checked"),
		None => CryptoError::Io(err),
	}
}

/// Encrypts a whole buffer (small payloads and tests).
pub fn encrypt_bytes(plain: &[u8], key: &DataKey) -> Vec<u8> {
	let mut out = Vec::with_capacity(encrypted_size(plain.len() as u64) as usize);
	EncryptingReader::new(plain, key).read_to_end(&mut out).expect("reading memory never fails");
	out
}

/// Decrypts a whole buffer (small payloads and tests).
pub fn decrypt_bytes(sealed: &[u8], key: &DataKey) -> Result<Vec<u8>, CryptoError> {
	let mut writer = DecryptingWriter::new(Vec::new(), key);
	writer.write_all(sealed).map_err(crypto_error)?;
	Ok(writer.finish()?.0)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn data(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i * 7 % 251) as u8).collect()
	}

	#[test]
	fn round_trips_at_every_chunk_boundary() {
		let key = DataKey::generate();
		for len in [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 200_001] {
			let plain = data(len);
			let sealed = encrypt_bytes(&plain, &key);
			assert_eq!(sealed.len() as u64, encrypted_size(len as u64), "size of {len}");
			assert_eq!(decrypt_bytes(&sealed, &key).unwrap(), plain, "round trip of {len}");
		}
	}

	#[test]
	fn small_writes_and_reads_stream_the_same() {
		let key = DataKey::generate();
		let plain = data(3 * CHUNK_SIZE + 5);
		let mut reader = EncryptingReader::new(&plain[..], &key);
		let mut writer = DecryptingWriter::new(Vec::new(), &key);
		let mut buf = [0u8; 1000];
		loop {
			let n = reader.read(&mut buf).unwrap();
			if n == 0 {
				break;
			}
			writer.write_all(&buf[..n]).unwrap();
		}
		assert_eq!(writer.finish().unwrap().0, plain);
	}

	#[test]
	fn tampering_truncation_and_wrong_keys_fail() {
		let key = DataKey::generate();
		let plain = data(2 * CHUNK_SIZE + 10);
		let sealed = encrypt_bytes(&plain, &key);

		let mut flipped = sealed.clone();
		flipped[HEADER_SIZE + CHUNK_SIZE + TAG_SIZE + 3] ^= 1;
		assert!(matches!(decrypt_bytes(&flipped, &key), Err(CryptoError::Tampered { chunk: 1 })));

		// Dropping the last chunk leaves a chunk that was not sealed as the last one.
		let cut = &sealed[..HEADER_SIZE + 2 * (CHUNK_SIZE + TAG_SIZE)];
		assert!(matches!(decrypt_bytes(cut, &key), Err(CryptoError::Tampered { chunk: 1 })));
		assert!(matches!(decrypt_bytes(&sealed[..10], &key), Err(CryptoError::Truncated(_))));

		let other = DataKey::generate();
		assert!(matches!(decrypt_bytes(&sealed, &other), Err(CryptoError::Tampered { chunk: 0 })));
		assert!(matches!(
			decrypt_bytes(b"not encrypted at all, not at all", &key),
			Err(CryptoError::BadHeader)
		));
	}

	#[test]
	fn the_same_file_encrypts_differently_every_time() {
		let key = DataKey::generate();
		assert_ne!(encrypt_bytes(b"same", &key), encrypt_bytes(b"same", &key));
	}
}
