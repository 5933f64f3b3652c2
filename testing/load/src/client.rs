//! The client's side of an upload, measured in one process: the raw AEAD and SHA-256 speeds,
//! encrypt + UnixFS import against the bound they set, and the peak memory of uploading and
//! reading back a large file (keystore KDF included).

use std::{
	io::{Read, Write},
	path::Path,
	time::Instant,
};

use chacha20poly1305::{
	aead::{AeadInPlace, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use medchain_client::{
	crypto::{
		keys::Identity,
		keystore::KeystoreFile,
		stream::{DecryptingWriter, EncryptingReader},
		DataKey,
	},
	storage::{
		blockstore::{Discard, FsBlockStore},
		unixfs, CidVersion,
	},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The figures, in MiB/s and MiB.
#[derive(Debug, Serialize)]
pub struct ClientFigures {
	pub aead_mib_s: f64,
	pub sha256_mib_s: f64,
	/// 1 / (1/aead + 1/sha256): what encrypting then hashing every byte once allows.
	pub bound_mib_s: f64,
	pub encrypt_import_mib_s: f64,
	pub share_of_bound: f64,
	/// The large file's size, and the process's peak resident memory after uploading it to a
	/// blockstore on disk and reading it back decrypted.
	pub file_mib: u64,
	pub upload_mib_s: f64,
	pub read_back_mib_s: f64,
	pub peak_rss_mib: f64,
}

/// Pseudo-random bytes, generated as they are read (a 1 GiB file never sits in memory). Byte
/// `p` depends only on `p`, so any two readers see the same file whatever their read sizes.
struct Generated {
	at: u64,
	end: u64,
}

impl Read for Generated {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		let n = buf.len().min((self.end - self.at) as usize);
		for (i, byte) in buf[..n].iter_mut().enumerate() {
			let p = self.at + i as u64;
			*byte = splitmix(p / 8).to_le_bytes()[(p % 8) as usize];
		}
		self.at += n as u64;
		Ok(n)
	}
}

fn splitmix(x: u64) -> u64 {
	let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
	z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
	z ^ (z >> 31)
}

fn generated(bytes: u64) -> Generated {
	Generated { at: 0, end: bytes }
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
pub fn peak_rss_mib() -> f64 {
	std::fs::read_to_string("/proc/self/status")
		.ok()
		.and_then(|s| {
			let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
			line.split_whitespace().nth(1)?.parse::<f64>().ok()
		})
		.map_or(0.0, |kib| kib / 1024.0)
}

const MIB: f64 = 1024.0 * 1024.0;

/// Measures everything with a file of `file_mib` MiB, its blocks written under `dir`.
pub fn measure(file_mib: u64, dir: &Path) -> anyhow::Result<ClientFigures> {
	// The keystore's KDF runs first, as when a user unlocks before uploading.
	let identity = Identity::generate();
	let sealed = KeystoreFile::seal(&identity, "a password long enough")?;
	sealed.open("a password long enough", "bench")?;

	let key = DataKey::generate();

	// The large file: generated, encrypted, imported to disk, then read back and decrypted.
	let bytes = file_mib << 20;
	let store = FsBlockStore::open(dir)?;
	let started = Instant::now();
	let root = unixfs::import(
		EncryptingReader::new(generated(bytes), &key),
		CidVersion::V0,
		&store,
		&|_| {},
	)?;
	let upload = file_mib as f64 / started.elapsed().as_secs_f64();
	let started = Instant::now();
	let mut check = Compare { expected: generated(bytes), buf: Vec::new(), equal: true };
	let mut out = DecryptingWriter::new(&mut check, &key);
	unixfs::export(&root.cid, &store, &mut out, &|_| {})?;
	let (_, read) = out.finish()?;
	let read_back = file_mib as f64 / started.elapsed().as_secs_f64();
	anyhow::ensure!(read == bytes && check.equal, "the file read back differs");
	// Read before the speed tests below allocate their sample.
	let peak_rss = peak_rss_mib();

	// Each speed is the best of a few runs over the same sample, interleaved, so a moment of
	// noise on a shared machine does not decide the ratio.
	const SAMPLE: usize = 64 << 20;
	const RUNS: usize = 5;
	let mut data = vec![0u8; SAMPLE];
	generated(SAMPLE as u64).read_exact(&mut data)?;
	let cipher = XChaCha20Poly1305::new((&[7u8; 32]).into());
	let speed = |started: Instant| SAMPLE as f64 / MIB / started.elapsed().as_secs_f64();
	let (mut aead, mut sha256, mut encrypt_import) = (0f64, 0f64, 0f64);
	for _ in 0..RUNS {
		let started = Instant::now();
		for chunk in data.chunks_mut(64 * 1024) {
			cipher
				.encrypt_in_place_detached(XNonce::from_slice(&[1u8; 24]), b"", chunk)
				.map_err(|_| anyhow::anyhow!("AEAD failed"))?;
		}
		aead = aead.max(speed(started));
		let started = Instant::now();
		std::hint::black_box(Sha256::digest(&data));
		sha256 = sha256.max(speed(started));
		let started = Instant::now();
		let reader = EncryptingReader::new(&data[..], &key);
		unixfs::import(reader, CidVersion::V0, &Discard, &|_| {})?;
		encrypt_import = encrypt_import.max(speed(started));
	}
	let bound = 1.0 / (1.0 / aead + 1.0 / sha256);
	drop(data);

	Ok(ClientFigures {
		aead_mib_s: aead,
		sha256_mib_s: sha256,
		bound_mib_s: bound,
		encrypt_import_mib_s: encrypt_import,
		share_of_bound: encrypt_import / bound,
		file_mib,
		upload_mib_s: upload,
		read_back_mib_s: read_back,
		peak_rss_mib: peak_rss,
	})
}

/// Compares what is written with the generated file, without keeping either.
struct Compare {
	expected: Generated,
	buf: Vec<u8>,
	equal: bool,
}

impl Write for Compare {
	fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
		self.buf.resize(data.len(), 0);
		self.expected.read_exact(&mut self.buf)?;
		self.equal &= self.buf == data;
		Ok(data.len())
	}

	fn flush(&mut self) -> std::io::Result<()> {
		Ok(())
	}
}
