//! UnixFS files exactly as Kubo's `ipfs add` builds them, so our CIDs are the CIDs every IPFS
//! node computes for the same bytes: fixed 256 KiB chunks, a balanced DAG of at most 174 links
//! per node, SHA2-256; CIDv0 with dag-pb leaves by default, CIDv1 with raw leaves as
//! `--cid-version=1`. A file of one chunk or less is a single block.
//!
//! The importer streams: it keeps one chunk and one pending link list per tree level in memory.

use std::io::{Read, Write};

use bytes::Bytes;
use cid::Cid;
use ipld_dagpb::{PbLink, PbNode};
use quick_protobuf::{
	sizeofs::{sizeof_len, sizeof_varint},
	BytesReader, Writer,
};

use super::{
	blockstore::{block_cid, BlockStore, DAG_PB, RAW},
	CidVersion, StorageError,
};

/// Kubo's default chunk size (`size-262144`).
pub const CHUNK_SIZE: usize = 262_144;
/// Kubo's links per node in the balanced layout.
pub const MAX_LINKS: usize = 174;

/// UnixFS `Data.DataType`.
const TYPE_RAW: u64 = 0;
const TYPE_FILE: u64 = 2;

/// The UnixFS `Data` message of a file node (fields 1–4 of unixfs.proto, in field order as
/// Kubo writes them).
#[derive(Debug, Default, PartialEq)]
struct FileData<'a> {
	kind: u64,
	/// Borrowed, so a 256 KiB chunk is not copied once more on its way into a block.
	data: Option<&'a [u8]>,
	filesize: Option<u64>,
	blocksizes: Vec<u64>,
}

impl<'a> FileData<'a> {
	fn encode(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.encoded_len());
		self.write(&mut Writer::new(&mut out)).expect("writing to a Vec never fails");
		out
	}

	fn write(&self, w: &mut Writer<&mut Vec<u8>>) -> quick_protobuf::Result<()> {
		w.write_with_tag(8, |w| w.write_uint64(self.kind))?;
		if let Some(data) = &self.data {
			w.write_with_tag(18, |w| w.write_bytes(data))?;
		}
		if let Some(size) = self.filesize {
			w.write_with_tag(24, |w| w.write_uint64(size))?;
		}
		for size in &self.blocksizes {
			w.write_with_tag(32, |w| w.write_uint64(*size))?;
		}
		Ok(())
	}

	/// The length `write` produces (every tag here fits in one byte).
	fn encoded_len(&self) -> usize {
		1 + sizeof_varint(self.kind)
			+ self.data.map_or(0, |d| 1 + sizeof_len(d.len()))
			+ self.filesize.map_or(0, |s| 1 + sizeof_varint(s))
			+ self.blocksizes.iter().map(|s| 1 + sizeof_varint(*s)).sum::<usize>()
	}

	fn decode(bytes: &'a [u8]) -> Result<Self, String> {
		let mut r = BytesReader::from_bytes(bytes);
		let mut msg = FileData::default();
		let err = |e: quick_protobuf::Error| e.to_string();
		while !r.is_eof() {
			match r.next_tag(bytes).map_err(err)? {
				8 => msg.kind = r.read_uint64(bytes).map_err(err)?,
				18 => msg.data = Some(r.read_bytes(bytes).map_err(err)?),
				24 => msg.filesize = Some(r.read_uint64(bytes).map_err(err)?),
				32 => msg.blocksizes.push(r.read_uint64(bytes).map_err(err)?),
				34 => msg
					.blocksizes
					.extend(r.read_packed(bytes, |r, b| r.read_uint64(b)).map_err(err)?),
				tag => r.read_unknown(bytes, tag).map_err(err)?,
			}
		}
		Ok(msg)
	}
}

/// A child of a node being built.
struct Link {
	cid: Cid,
	/// Bytes of the whole sub-DAG (Kubo's `Tsize`).
	dag_size: u64,
	/// File bytes below it (UnixFS `blocksizes`).
	file_size: u64,
}

/// The result of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
	pub cid: Cid,
	/// File bytes.
	pub size: u64,
}

/// Imports everything `data` yields into `store` and returns the root.
pub fn import(
	mut data: impl Read,
	version: CidVersion,
	store: &impl BlockStore,
	progress: &dyn Fn(u64),
) -> Result<Imported, StorageError> {
	let mut levels: Vec<Vec<Link>> = vec![Vec::new()];
	let mut chunk = Vec::with_capacity(CHUNK_SIZE);
	let mut block = Vec::new();
	let mut total = 0u64;
	loop {
		chunk.clear();
		(&mut data).take(CHUNK_SIZE as u64).read_to_end(&mut chunk)?;
		if chunk.is_empty() && total > 0 {
			break;
		}
		total += chunk.len() as u64;
		progress(chunk.len() as u64);
		levels[0].push(leaf(&chunk, version, store, &mut block)?);
		// A full level becomes one node of the level above, as Kubo's balanced builder fills
		// each subtree completely before starting the next.
		let mut level = 0;
		while levels[level].len() == MAX_LINKS {
			let links = std::mem::take(&mut levels[level]);
			if levels.len() == level + 1 {
				levels.push(Vec::new());
			}
			levels[level + 1].push(branch(links, version, store)?);
			level += 1;
		}
		if chunk.len() < CHUNK_SIZE {
			break;
		}
	}
	// Fold the partial levels upwards; the level count grows while this runs.
	let mut level = 0;
	while level < levels.len() {
		let above_empty = levels[level + 1..].iter().all(Vec::is_empty);
		match levels[level].len() {
			0 => {}
			1 if above_empty => {
				let root = levels[level].pop().expect("one link");
				return Ok(Imported { cid: root.cid, size: total });
			}
			_ => {
				let links = std::mem::take(&mut levels[level]);
				let node = branch(links, version, store)?;
				if levels.len() == level + 1 {
					levels.push(Vec::new());
				}
				levels[level + 1].push(node);
			}
		}
		level += 1;
	}
	unreachable!("the last non-empty level always holds the root")
}

/// Stores one chunk as a leaf; a CIDv0 leaf's block is built in `block`, reused across chunks.
fn leaf(
	chunk: &[u8],
	version: CidVersion,
	store: &impl BlockStore,
	block: &mut Vec<u8>,
) -> Result<Link, StorageError> {
	let size = chunk.len() as u64;
	match version {
		CidVersion::V1 => {
			let cid = block_cid(chunk, RAW, false);
			store.put(&cid, chunk)?;
			Ok(Link { cid, dag_size: size, file_size: size })
		}
		CidVersion::V0 => {
			leaf_block(chunk, block);
			let cid = block_cid(block, DAG_PB, true);
			store.put(&cid, block)?;
			Ok(Link { cid, dag_size: block.len() as u64, file_size: size })
		}
	}
}

/// A leaf's dag-pb node, which holds only its Data field (the UnixFS message), written straight
/// into `block`: encoding the message and then the node around it would copy every chunk twice
/// more and allocate twice per chunk, a measurable share of an upload's time.
fn leaf_block(chunk: &[u8], block: &mut Vec<u8>) {
	let data = FileData {
		kind: TYPE_FILE,
		data: (!chunk.is_empty()).then_some(chunk),
		filesize: Some(chunk.len() as u64),
		blocksizes: vec![],
	};
	block.clear();
	let mut w = Writer::new(block);
	w.write_tag(10)
		.and_then(|()| w.write_varint(data.encoded_len() as u64))
		.and_then(|()| data.write(&mut w))
		.expect("writing to a Vec never fails");
}

fn branch(
	links: Vec<Link>,
	version: CidVersion,
	store: &impl BlockStore,
) -> Result<Link, StorageError> {
	let file_size = links.iter().map(|l| l.file_size).sum();
	let data = FileData {
		kind: TYPE_FILE,
		data: None,
		filesize: Some(file_size),
		blocksizes: links.iter().map(|l| l.file_size).collect(),
	};
	let children: u64 = links.iter().map(|l| l.dag_size).sum();
	let node = PbNode {
		links: links
			.into_iter()
			.map(|l| PbLink { cid: l.cid, name: Some(String::new()), size: Some(l.dag_size) })
			.collect(),
		data: Some(Bytes::from(data.encode())),
	};
	let block = node.into_bytes();
	let cid = block_cid(&block, DAG_PB, version == CidVersion::V0);
	store.put(&cid, &block)?;
	Ok(Link { cid, dag_size: block.len() as u64 + children, file_size })
}

/// Writes the file `cid` from `store` to `out`, checking every block against its CID and every
/// node's sizes against what its children hold. Returns the file size.
pub fn export(
	cid: &Cid,
	store: &impl BlockStore,
	out: &mut impl Write,
	progress: &dyn Fn(u64),
) -> Result<u64, StorageError> {
	write_node(cid, None, 0, store, out, progress)
}

/// The deepest DAG a file may be: Kubo's balanced layout (174 links a node, 256 KiB leaves)
/// holds petabytes in 6 levels, so anything deeper is an imported DAG built to hurt.
pub const MAX_DEPTH: u32 = 8;

fn write_node(
	cid: &Cid,
	expected: Option<u64>,
	depth: u32,
	store: &impl BlockStore,
	out: &mut impl Write,
	progress: &dyn Fn(u64),
) -> Result<u64, StorageError> {
	let malformed = |reason: String| StorageError::Malformed { cid: *cid, reason };
	if depth > MAX_DEPTH {
		return Err(malformed(format!("deeper than {MAX_DEPTH} levels")));
	}
	let block = store.get(cid)?;
	let written = match cid.codec() {
		RAW => {
			out.write_all(&block)?;
			progress(block.len() as u64);
			block.len() as u64
		}
		DAG_PB => {
			let node =
				PbNode::from_bytes(Bytes::from(block)).map_err(|e| malformed(e.to_string()))?;
			let data = node.data.as_deref().ok_or_else(|| malformed("no UnixFS data".into()))?;
			let file = FileData::decode(data).map_err(malformed)?;
			if file.kind != TYPE_FILE && file.kind != TYPE_RAW {
				return Err(malformed(format!("UnixFS type {} is not a file", file.kind)));
			}
			if !node.links.is_empty() && file.blocksizes.len() != node.links.len() {
				return Err(malformed("blocksizes do not match the links".into()));
			}
			// Sizes are checked before descending, so a node that repeats a child to claim
			// more than it declares is refused before any of it is written.
			let declared = file.data.as_ref().map_or(0, |d| d.len() as u64)
				+ file.blocksizes.iter().sum::<u64>();
			if !node.links.is_empty() && file.filesize.is_some_and(|f| f != declared) {
				return Err(malformed("filesize differs from its blocks' sizes".into()));
			}
			if expected.is_some_and(|e| e != declared && !node.links.is_empty()) {
				return Err(malformed("node holds other than its parent says".into()));
			}
			let mut written = 0u64;
			if let Some(inline) = &file.data {
				out.write_all(inline)?;
				progress(inline.len() as u64);
				written += inline.len() as u64;
			}
			for (link, size) in node.links.iter().zip(&file.blocksizes) {
				written += write_node(&link.cid, Some(*size), depth + 1, store, out, progress)?;
			}
			if let Some(filesize) = file.filesize {
				if filesize != written {
					return Err(StorageError::SizeMismatch {
						cid: *cid,
						expected: filesize,
						actual: written,
					});
				}
			}
			written
		}
		_ => {
			return Err(StorageError::Unsupported {
				cid: *cid,
				reason: "only dag-pb and raw blocks",
			})
		}
	};
	match expected {
		Some(expected) if expected != written => {
			Err(StorageError::SizeMismatch { cid: *cid, expected, actual: written })
		}
		_ => Ok(written),
	}
}

/// Called with each block of a DAG and its CID.
pub type BlockVisitor<'a> = dyn FnMut(&Cid, &[u8]) -> Result<(), StorageError> + 'a;

/// Every block of the DAG under `root`, depth first, each once (the order of `ipfs dag export`).
pub fn walk(
	root: &Cid,
	store: &impl BlockStore,
	visit: &mut BlockVisitor<'_>,
) -> Result<(), StorageError> {
	walk_all(std::slice::from_ref(root), store, visit)
}

/// Every block of the DAGs under `roots`, one root after the other, depth first; a block
/// two DAGs share is visited once.
pub fn walk_all(
	roots: &[Cid],
	store: &impl BlockStore,
	visit: &mut BlockVisitor<'_>,
) -> Result<(), StorageError> {
	let mut seen = std::collections::HashSet::new();
	let mut stack: Vec<Cid> = roots.iter().rev().copied().collect();
	while let Some(cid) = stack.pop() {
		if !seen.insert(cid) {
			continue;
		}
		let block = store.get(&cid)?;
		visit(&cid, &block)?;
		if cid.codec() == DAG_PB {
			let node = PbNode::from_bytes(Bytes::from(block))
				.map_err(|e| StorageError::Malformed { cid, reason: e.to_string() })?;
			stack.extend(node.links.iter().rev().map(|l| l.cid));
		}
	}
	Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use crate::{
		storage::blockstore::{Discard, FsBlockStore, MemoryBlockStore},
		walkthrough::sample_report,
	};

	/// (size, `ipfs add`, `ipfs add --cid-version=1`) for `sample_report(size)`: the CIDv0
	/// column was checked against Kubo's own adder (v0.22, via its shared library); both
	/// columns agree with ipfs-unixfs-importer 17 configured as Kubo (256 KiB, balanced, 174).
	const KUBO: [(usize, &str, &str); 7] = [
		(
			0,
			"QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
			"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
		),
		(
			1,
			"QmcjRB4B5yArwjp1CyDMmpqUgDuqA5dJEpVyLW67HQn3b1",
			"bafkreihhponjv2pdbmg33nxvccrgj34546avahl3nojk5cplawofvn2d3m",
		),
		(
			262_144,
			"QmNNyshDui4uMou3tfm3AQiXvNCJL7EpL8hjYqjZBXh2G9",
			"bafkreih5cmmmarmzufj2wdhstsiawm774trti5lz6avalpmf2t5fk7kce4",
		),
		(
			262_145,
			"QmSiQXdJZGWwhMNbjVubQcLtyiaUGJCsNstmuSG7wdoqFS",
			"bafybeib6nhmatjegohlvme36adcl36zqrvjv5y7qnvfehgwwejgvv2htiu",
		),
		(
			1_048_576,
			"QmTsGMg5AFJJLFmBF7L6CFbu4DaeS2dTFchjcD9ppUrT9h",
			"bafybeic55peu74wxqjauhzcucszbpmi2rlgex6cxgruphpr6vck6dxt5yi",
		),
		// 174 × 256 KiB + 1: two DAG levels.
		(
			45_613_057,
			"QmQiAsoEDkRLjzKZeFojatc8EA12VxQ7Xu6CNSLYn9xfen",
			"bafybeid6prt3b54t4ssv7f2mnrg57yghyozupqpcrle5mdpine6a6cwvo4",
		),
		(
			45_875_200,
			"QmRnyfYtFxvjY2KeMGTCQFw3Crc72zf7gYH6i2UXJpsQNp",
			"bafybeihuf6azseepwxcadskkvlda4ui7ei75si5oyvgbvtbzkvfmrc6muq",
		),
	];

	fn cid_of(data: &[u8], version: CidVersion) -> String {
		import(data, version, &Discard, &|_| {}).unwrap().cid.to_string()
	}

	/// A file node over `links` (child, size), declaring `filesize`, stored in `store`.
	/// A dag-pb file node over `links` (child, its size) claiming `filesize` bytes.
	pub(crate) fn file_node(store: &MemoryBlockStore, links: &[(Cid, u64)], filesize: u64) -> Cid {
		let data = FileData {
			kind: TYPE_FILE,
			data: None,
			filesize: Some(filesize),
			blocksizes: links.iter().map(|(_, size)| *size).collect(),
		};
		let node = PbNode {
			links: links
				.iter()
				.map(|(cid, _)| PbLink { cid: *cid, name: Some(String::new()), size: Some(0) })
				.collect(),
			data: Some(Bytes::from(data.encode())),
		};
		let block = node.into_bytes();
		let cid = block_cid(&block, DAG_PB, false);
		store.put(&cid, &block).unwrap();
		cid
	}

	/// The one-buffer leaf is byte for byte the node the generic dag-pb encoder makes.
	#[test]
	fn leaf_block_is_the_generic_encoding() {
		let mut block = Vec::new();
		for size in [0, 1, 127, 128, 16_383, 16_384, CHUNK_SIZE] {
			let chunk = sample_report(size);
			let data = FileData {
				kind: TYPE_FILE,
				data: (!chunk.is_empty()).then_some(&chunk[..]),
				filesize: Some(size as u64),
				blocksizes: vec![],
			};
			let expected =
				PbNode { links: vec![], data: Some(Bytes::from(data.encode())) }.into_bytes();
			assert_eq!(data.encode().len(), data.encoded_len(), "size {size}");
			leaf_block(&chunk, &mut block);
			assert_eq!(block, expected, "size {size}");
		}
	}

	/// Imported DAGs are hostile input: a deep chain and a node repeating a child to claim
	/// more than it declares are refused, and nothing is written for the latter.
	#[test]
	fn crafted_dags_are_refused() {
		let store = MemoryBlockStore::default();
		let leaf = block_cid(b"x", RAW, false);
		store.put(&leaf, b"x").unwrap();
		let mut deep = leaf;
		for _ in 0..=MAX_DEPTH {
			deep = file_node(&store, &[(deep, 1)], 1);
		}
		let mut out = Vec::new();
		let err = export(&deep, &store, &mut out, &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::Malformed { .. }), "{err}");

		let repeated = file_node(&store, &[(leaf, 1), (leaf, 1), (leaf, 1)], 1);
		let mut out = Vec::new();
		let err = export(&repeated, &store, &mut out, &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::Malformed { .. }), "{err}");
		assert!(out.is_empty());

		// The same shape with honest sizes is a file.
		let honest = file_node(&store, &[(leaf, 1), (leaf, 1), (leaf, 1)], 3);
		let mut out = Vec::new();
		assert_eq!(export(&honest, &store, &mut out, &|_| {}).unwrap(), 3);
		assert_eq!(out, b"xxx");
	}

	#[test]
	fn the_test_data_is_the_reference_data() {
		assert_eq!(hex::encode(sample_report(16)), "05d63fa66185f669e8210c08094928c2");
	}

	#[test]
	fn cids_are_the_ones_kubo_prints() {
		let data = sample_report(45_875_200);
		for (size, v0, v1) in KUBO {
			assert_eq!(cid_of(&data[..size], CidVersion::V0), v0, "ipfs add of {size} bytes");
			assert_eq!(
				cid_of(&data[..size], CidVersion::V1),
				v1,
				"ipfs add --cid-version=1 of {size} bytes"
			);
		}
		assert_eq!(
			cid_of(b"hello world\n", CidVersion::V0),
			"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
		);
		assert_eq!(
			cid_of(b"hello world\n", CidVersion::V1),
			"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
		);
	}

	#[test]
	fn the_root_of_two_chunks_is_encoded_as_kubo_encodes_it() {
		let store = MemoryBlockStore::default();
		let root =
			import(&sample_report(262_145)[..], CidVersion::V0, &store, &|_| {}).unwrap().cid;
		assert_eq!(
			hex::encode(store.get(&root).unwrap()),
			"122a0a2212200098d4f736b76913dd2c86d6f17ead2c43499720655feb0e621974588fc6f5f21200188e801012280a221220f857266fff55b8076374544cbdf057d90de6da14a3fabb6e7da589ebb7176c4f120018090a0c080218818010208080102001"
		);
		assert_eq!(store.len(), 3);
	}

	#[test]
	fn large_files_get_a_second_level_of_174_links() {
		let store = MemoryBlockStore::default();
		let data = sample_report(45_613_057);
		let root = import(&data[..], CidVersion::V1, &store, &|_| {}).unwrap().cid;
		let links =
			|cid: &Cid| PbNode::from_bytes(Bytes::from(store.get(cid).unwrap())).unwrap().links;
		let top = links(&root);
		assert_eq!(top.len(), 2);
		assert_eq!(links(&top[0].cid).len(), 174);
		assert_eq!(links(&top[1].cid).len(), 1);
		let mut out = Vec::new();
		assert_eq!(export(&root, &store, &mut out, &|_| {}).unwrap(), data.len() as u64);
		assert!(out == data, "the exported file equals the imported one");
	}

	#[test]
	fn round_trips_and_reports_progress() {
		for version in [CidVersion::V0, CidVersion::V1] {
			for size in [0, 1, 262_144, 262_145, 600_000] {
				let data = sample_report(size);
				let store = MemoryBlockStore::default();
				let seen = std::sync::atomic::AtomicU64::new(0);
				let count = |n| {
					seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
				};
				let imported = import(&data[..], version, &store, &count).unwrap();
				assert_eq!(imported.size, size as u64);
				assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), size as u64);
				let mut out = Vec::new();
				export(&imported.cid, &store, &mut out, &|_| {}).unwrap();
				assert_eq!(out, data, "{size} bytes, {version:?}");
			}
		}
	}

	#[test]
	fn tampered_truncated_and_missing_blocks_are_errors() {
		let dir = tempfile::tempdir().unwrap();
		let store = FsBlockStore::open(dir.path()).unwrap();
		let data = sample_report(600_000);
		let root = import(&data[..], CidVersion::V1, &store, &|_| {}).unwrap().cid;
		let leaf = PbNode::from_bytes(Bytes::from(store.get(&root).unwrap())).unwrap().links[1].cid;
		let path = store.path_of(&leaf);
		let original = std::fs::read(&path).unwrap();

		let mut bent = original.clone();
		bent[1000] ^= 1;
		std::fs::write(&path, &bent).unwrap();
		let err = export(&root, &store, &mut Vec::new(), &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::Tampered { cid } if cid == leaf), "{err}");

		std::fs::write(&path, &original[..original.len() / 2]).unwrap();
		let err = export(&root, &store, &mut Vec::new(), &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::Tampered { .. }), "{err}");

		std::fs::remove_file(&path).unwrap();
		let err = export(&root, &store, &mut Vec::new(), &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::MissingBlock { cid } if cid == leaf), "{err}");
	}

	#[test]
	fn a_node_whose_sizes_lie_is_rejected() {
		// A root claiming more bytes than its leaves hold (a truncated file re-rooted).
		let store = MemoryBlockStore::default();
		let leaf = leaf(b"abc", CidVersion::V1, &store, &mut Vec::new()).unwrap();
		let data = FileData { kind: TYPE_FILE, data: None, filesize: Some(4), blocksizes: vec![4] };
		let node = PbNode {
			links: vec![PbLink { cid: leaf.cid, name: Some(String::new()), size: Some(3) }],
			data: Some(Bytes::from(data.encode())),
		}
		.into_bytes();
		let root = block_cid(&node, DAG_PB, false);
		store.put(&root, &node).unwrap();
		let err = export(&root, &store, &mut Vec::new(), &|_| {}).unwrap_err();
		assert!(matches!(err, StorageError::SizeMismatch { expected: 4, actual: 3, .. }), "{err}");
	}
}
