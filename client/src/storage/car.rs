//! CARv1 archives (the IPLD Content Addressable aRchive format), to move a record's blocks to
//! and from any IPFS node: `ipfs dag import file.car` / `ipfs dag export CID > file.car`.
//!
//! Layout: varint-prefixed DAG-CBOR header `{roots: [CID], version: 1}`, then varint-prefixed
//! sections of CID bytes followed by the block.

use std::io::{Read, Write};

use cid::Cid;
use serde::{Deserialize, Serialize};

use super::{
	blockstore::{verify, BlockStore},
	unixfs, StorageError,
};

/// Key order is DAG-CBOR's canonical order (shorter keys first).
#[derive(Serialize, Deserialize)]
struct Header {
	roots: Vec<Cid>,
	version: u64,
}

fn write_varint(out: &mut impl Write, value: u64) -> std::io::Result<()> {
	let mut buf = unsigned_varint::encode::u64_buffer();
	out.write_all(unsigned_varint::encode::u64(value, &mut buf))
}

/// Reads a varint; `None` at a clean end of input.
fn read_varint(input: &mut impl Read) -> Result<Option<u64>, StorageError> {
	match unsigned_varint::io::read_u64(input) {
		Ok(value) => Ok(Some(value)),
		Err(unsigned_varint::io::ReadError::Io(e))
			if e.kind() == std::io::ErrorKind::UnexpectedEof =>
		{
			Ok(None)
		}
		Err(e) => Err(StorageError::BadCar(format!("bad length prefix: {e}"))),
	}
}

/// Writes the DAGs under `roots` from `store` as one CARv1 listing those roots, each block
/// once. Returns the number of blocks.
pub fn export(
	roots: &[Cid],
	store: &impl BlockStore,
	out: &mut impl Write,
) -> Result<u64, StorageError> {
	if roots.is_empty() {
		return Err(StorageError::BadCar("a CAR needs at least one root".into()));
	}
	let header = serde_ipld_dagcbor::to_vec(&Header { roots: roots.to_vec(), version: 1 })
		.map_err(|e| StorageError::BadCar(e.to_string()))?;
	write_varint(out, header.len() as u64)?;
	out.write_all(&header)?;
	let mut blocks = 0;
	unixfs::walk_all(roots, store, &mut |cid, data| {
		let cid = cid.to_bytes();
		write_varint(out, (cid.len() + data.len()) as u64)?;
		out.write_all(&cid)?;
		out.write_all(data)?;
		blocks += 1;
		Ok(())
	})?;
	Ok(blocks)
}

/// Upper bound of one section: Kubo's blocks are at most 1 MiB (a 256 KiB chunk here).
const MAX_SECTION: u64 = 4 * 1024 * 1024;

/// Reads a CARv1 into `store`, checking every block against its CID, and returns its roots.
pub fn import(input: &mut impl Read, store: &impl BlockStore) -> Result<Vec<Cid>, StorageError> {
	let bad = |m: String| StorageError::BadCar(m);
	let len = read_varint(input)?.ok_or_else(|| bad("empty file".into()))?;
	if len > MAX_SECTION {
		return Err(bad(format!("header of {len} bytes")));
	}
	let mut header = vec![0u8; len as usize];
	input.read_exact(&mut header).map_err(|_| bad("the header is cut short".into()))?;
	let header: Header =
		serde_ipld_dagcbor::from_slice(&header).map_err(|e| bad(format!("header: {e}")))?;
	if header.version != 1 {
		return Err(bad(format!("version {} (only CARv1 is supported)", header.version)));
	}
	while let Some(len) = read_varint(input)? {
		if len > MAX_SECTION {
			return Err(bad(format!("section of {len} bytes")));
		}
		let mut section = vec![0u8; len as usize];
		input.read_exact(&mut section).map_err(|_| bad("the last block is cut short".into()))?;
		let mut cursor = std::io::Cursor::new(&section[..]);
		let cid = Cid::read_bytes(&mut cursor).map_err(|e| bad(format!("block CID: {e}")))?;
		let data = &section[cursor.position() as usize..];
		verify(&cid, data)?;
		store.put(&cid, data)?;
	}
	Ok(header.roots)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::storage::{blockstore::MemoryBlockStore, CidVersion};

	#[test]
	fn round_trips_a_multi_block_file_and_rejects_tampering() {
		let data: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
		for version in [CidVersion::V0, CidVersion::V1] {
			let source = MemoryBlockStore::default();
			let root = unixfs::import(&data[..], version, &source, &|_| {}).unwrap().cid;
			let mut car = Vec::new();
			assert_eq!(export(&[root], &source, &mut car).unwrap(), 4, "3 leaves and a root");

			let target = MemoryBlockStore::default();
			assert_eq!(import(&mut &car[..], &target).unwrap(), vec![root]);
			let mut out = Vec::new();
			unixfs::export(&root, &target, &mut out, &|_| {}).unwrap();
			assert_eq!(out, data);

			let mut bent = car.clone();
			let at = bent.len() - 10;
			bent[at] ^= 0xff;
			assert!(matches!(
				import(&mut &bent[..], &MemoryBlockStore::default()),
				Err(StorageError::Tampered { .. })
			));
			let cut = &car[..car.len() - 5];
			assert!(matches!(
				import(&mut &cut[..], &MemoryBlockStore::default()),
				Err(StorageError::BadCar(_))
			));
		}
	}

	/// Several files in one CAR: every root is listed, a block two files share is written
	/// once, and each file reads back from the imported blocks.
	#[test]
	fn several_roots_share_one_car() {
		let source = MemoryBlockStore::default();
		let big: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
		// One chunk of `big` on its own: its only block is `big`'s first leaf (a raw leaf).
		let small = big[..256 * 1024].to_vec();
		let a = unixfs::import(&big[..], CidVersion::V1, &source, &|_| {}).unwrap().cid;
		let b = unixfs::import(&small[..], CidVersion::V1, &source, &|_| {}).unwrap().cid;
		let mut car = Vec::new();
		assert_eq!(
			export(&[a, b], &source, &mut car).unwrap(),
			4,
			"a's 3 leaves and root; b shared"
		);

		let target = MemoryBlockStore::default();
		assert_eq!(import(&mut &car[..], &target).unwrap(), vec![a, b]);
		for (root, data) in [(a, &big), (b, &small)] {
			let mut out = Vec::new();
			unixfs::export(&root, &target, &mut out, &|_| {}).unwrap();
			assert_eq!(&out, data);
		}
		assert!(matches!(export(&[], &source, &mut Vec::new()), Err(StorageError::BadCar(_))));
	}

	/// Hostile CARs: a block claiming another block's CID (the only way to close a cycle,
	/// since a CID names its own content) is refused; a DAG deeper than any real file imports
	/// (its blocks are genuine) but does not read as a file; what the store held before still
	/// reads back.
	#[test]
	fn cycles_and_deep_dags_are_refused_and_the_store_stays_sound() {
		use crate::storage::{
			blockstore::{block_cid, RAW},
			unixfs::{tests::file_node, MAX_DEPTH},
		};
		let target = MemoryBlockStore::default();
		let kept = unixfs::import(&b"kept"[..], CidVersion::V0, &target, &|_| {}).unwrap().cid;

		// A node that links to itself: its section has to claim the CID its link names.
		let scratch = MemoryBlockStore::default();
		let leaf = block_cid(b"x", RAW, false);
		scratch.put(&leaf, b"x").unwrap();
		let node = file_node(&scratch, &[(leaf, 1)], 1);
		let mut looped = Vec::new();
		let header = serde_ipld_dagcbor::to_vec(&Header { roots: vec![node], version: 1 }).unwrap();
		write_varint(&mut looped, header.len() as u64).unwrap();
		looped.extend_from_slice(&header);
		let self_linking = {
			use crate::storage::blockstore::BlockStore;
			let body = scratch.get(&node).unwrap();
			// Point the link at the node itself: the link's CID bytes are in the body.
			let (from, to) = (leaf.to_bytes(), node.to_bytes());
			let at = body.windows(from.len()).position(|w| w == from).unwrap();
			let mut bent = body[..at].to_vec();
			bent.extend_from_slice(&to);
			bent.extend_from_slice(&body[at + from.len()..]);
			bent
		};
		let section = [node.to_bytes(), self_linking].concat();
		write_varint(&mut looped, section.len() as u64).unwrap();
		looped.extend_from_slice(&section);
		let err = import(&mut &looped[..], &target).unwrap_err();
		assert!(matches!(err, StorageError::Tampered { .. }), "{err}");

		// Deeper than any file: every block is genuine, so it imports, but it is not a file.
		let mut deep = leaf;
		for _ in 0..=MAX_DEPTH {
			deep = file_node(&scratch, &[(deep, 1)], 1);
		}
		// Moving its blocks is harmless (the walk is iterative and visits each block once).
		let mut car = Vec::new();
		assert_eq!(export(&[deep], &scratch, &mut car).unwrap(), u64::from(MAX_DEPTH) + 2);
		assert_eq!(import(&mut &car[..], &target).unwrap(), vec![deep]);
		let err = unixfs::export(&deep, &target, &mut Vec::new(), &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::Malformed { .. }), "{err}");

		let mut out = Vec::new();
		unixfs::export(&kept, &target, &mut out, &|_| {}).unwrap();
		assert_eq!(out, b"kept");
	}
}
