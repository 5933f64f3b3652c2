//! Blocks by CID: on disk, in memory, or nowhere (to compute CIDs only). Blocks are checked
//! against their CID on the way out, never trusted because of where they came from.

use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Mutex,
};

use cid::Cid;
use sha2::{Digest, Sha256};

use super::StorageError;

/// Multicodec of dag-pb nodes.
pub const DAG_PB: u64 = 0x70;
/// Multicodec of raw leaves.
pub const RAW: u64 = 0x55;
/// Multihash code of SHA2-256.
pub const SHA2_256: u64 = 0x12;
/// Multihash code of BLAKE2b-256, which the chain also accepts for a record's CID.
pub const BLAKE2B_256: u64 = 0xb220;

/// A store of blocks keyed by CID.
pub trait BlockStore {
	fn put(&self, cid: &Cid, data: &[u8]) -> Result<(), StorageError>;
	/// The block `cid`, verified against it.
	fn get(&self, cid: &Cid) -> Result<Vec<u8>, StorageError>;
}

/// The CID of `data` as a block of `codec`, CIDv0 where `v0` (dag-pb only).
pub fn block_cid(data: &[u8], codec: u64, v0: bool) -> Cid {
	let digest = Sha256::digest(data);
	let hash = cid::multihash::Multihash::<64>::wrap(SHA2_256, &digest).expect("32 bytes fit");
	if v0 {
		Cid::new_v0(hash).expect("sha2-256 makes a valid CIDv0")
	} else {
		Cid::new_v1(codec, hash)
	}
}

/// Checks that `data` is the block `cid` names. Accepts the hashes the chain accepts for a
/// record: sha2-256 and blake2b-256, with their full 32-byte digest.
pub fn verify(cid: &Cid, data: &[u8]) -> Result<(), StorageError> {
	if cid.codec() != DAG_PB && cid.codec() != RAW {
		return Err(StorageError::Unsupported { cid: *cid, reason: "only dag-pb and raw blocks" });
	}
	let hash = cid.hash();
	let digest: [u8; 32] = match (hash.code(), hash.size()) {
		(SHA2_256, 32) => Sha256::digest(data).into(),
		(BLAKE2B_256, 32) => blake2::Blake2b::<blake2::digest::consts::U32>::digest(data).into(),
		_ => {
			return Err(StorageError::Unsupported {
				cid: *cid,
				reason: "only sha2-256 and blake2b-256 with full digests are supported",
			})
		}
	};
	if digest.as_slice() != hash.digest() {
		return Err(StorageError::Tampered { cid: *cid });
	}
	Ok(())
}

/// The file name of a block: its CIDv1 in base32, the same for a CIDv0 and its v1 form.
fn key(cid: &Cid) -> String {
	Cid::new_v1(cid.codec(), *cid.hash()).to_string()
}

/// Blocks as files in a directory.
pub struct FsBlockStore {
	dir: PathBuf,
}

impl FsBlockStore {
	pub fn open(dir: &Path) -> Result<Self, StorageError> {
		std::fs::create_dir_all(dir)?;
		Ok(FsBlockStore { dir: dir.to_path_buf() })
	}

	/// Where the block `cid` is kept (for tests that tamper with it).
	pub fn path_of(&self, cid: &Cid) -> PathBuf {
		self.dir.join(key(cid))
	}
}

impl BlockStore for FsBlockStore {
	fn put(&self, cid: &Cid, data: &[u8]) -> Result<(), StorageError> {
		let path = self.path_of(cid);
		if path.exists() {
			return Ok(());
		}
		// Written aside and renamed, so a crash never leaves a half block under a CID.
		let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
		std::io::Write::write_all(&mut tmp, data)?;
		tmp.persist(&path).map_err(|e| StorageError::Io(e.error))?;
		Ok(())
	}

	fn get(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
		let data = match std::fs::read(self.path_of(cid)) {
			Ok(data) => data,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
				return Err(StorageError::MissingBlock { cid: *cid })
			}
			Err(e) => return Err(e.into()),
		};
		verify(cid, &data)?;
		Ok(data)
	}
}

/// Blocks in memory.
#[derive(Default)]
pub struct MemoryBlockStore {
	blocks: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryBlockStore {
	pub fn len(&self) -> usize {
		self.blocks.lock().expect("lock").len()
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

impl BlockStore for MemoryBlockStore {
	fn put(&self, cid: &Cid, data: &[u8]) -> Result<(), StorageError> {
		self.blocks.lock().expect("lock").insert(key(cid), data.to_vec());
		Ok(())
	}

	fn get(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
		let data = self
			.blocks
			.lock()
			.expect("lock")
			.get(&key(cid))
			.cloned()
			.ok_or(StorageError::MissingBlock { cid: *cid })?;
		verify(cid, &data)?;
		Ok(data)
	}
}

/// Keeps nothing: for computing CIDs (`ipfs add -n`).
pub struct Discard;

impl BlockStore for Discard {
	fn put(&self, _: &Cid, _: &[u8]) -> Result<(), StorageError> {
		Ok(())
	}

	fn get(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
		Err(StorageError::MissingBlock { cid: *cid })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use blake2::{digest::consts::U32, Blake2b};

	/// The chain accepts blake2b-256 CIDs for records, so reading one back must verify too.
	#[test]
	fn blake2b_blocks_verify_and_tampering_is_caught() {
		let data = b"ciphertext";
		let digest = Blake2b::<U32>::digest(data);
		let hash = cid::multihash::Multihash::<64>::wrap(BLAKE2B_256, &digest).unwrap();
		let cid = Cid::new_v1(RAW, hash);
		assert!(verify(&cid, data).is_ok());
		assert!(matches!(verify(&cid, b"tampered"), Err(StorageError::Tampered { .. })));
		assert!(verify(&block_cid(data, RAW, false), data).is_ok());
		// A truncated digest names too little to trust.
		let short = cid::multihash::Multihash::<64>::wrap(SHA2_256, &digest[..20]).unwrap();
		assert!(matches!(
			verify(&Cid::new_v1(RAW, short), data),
			Err(StorageError::Unsupported { .. })
		));
	}
}
