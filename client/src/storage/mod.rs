//! Where encrypted records live: IPFS, as content-addressed UnixFS.
//!
//! [`ContentStore`] has two backends: [`local::LocalStore`], an embedded blockstore on disk
//! that imports exactly as Kubo's `ipfs add` does (so the CIDs are the ones any IPFS node
//! computes) and moves data to other nodes as CARv1 files, and [`kubo::KuboStore`], an IPFS node
//! (Kubo, an IPFS Cluster proxy, js-ipfs) reached over its RPC API. Every read re-checks the
//! bytes against the CID it asked for.

pub mod blockstore;
pub mod car;
pub mod kubo;
pub mod local;
pub mod source;
pub mod unixfs;

use std::{
	io::{Read, Write},
	path::PathBuf,
	sync::Arc,
};

use cid::Cid;

/// Called with the number of bytes just processed, for progress bars.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// A progress callback that shows nothing.
pub fn no_progress() -> Progress {
	Arc::new(|_| {})
}

/// The CID version of an import, as `ipfs add --cid-version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CidVersion {
	/// `ipfs add` defaults: CIDv0, dag-pb leaves.
	#[default]
	V0,
	/// `ipfs add --cid-version=1`: CIDv1 with raw leaves.
	V1,
}

impl CidVersion {
	/// The version a CID was imported with (Kubo's v1 implies raw leaves).
	pub fn of(cid: &Cid) -> Self {
		match cid.version() {
			cid::Version::V0 => CidVersion::V0,
			cid::Version::V1 => CidVersion::V1,
		}
	}
}

/// Storage failures, each saying what is wrong with which content.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
	#[error("block {cid} is not in the store (import it, e.g. from a CAR file, or fetch it)")]
	MissingBlock { cid: Cid },
	#[error("block {cid} does not match its CID: the data was tampered with or is corrupt")]
	Tampered { cid: Cid },
	#[error("block {cid} is not a UnixFS file node: {reason}")]
	Malformed { cid: Cid, reason: String },
	#[error("content {cid} is truncated or padded: expected {expected} bytes, found {actual}")]
	SizeMismatch { cid: Cid, expected: u64, actual: u64 },
	#[error("unsupported CID {cid}: {reason}")]
	Unsupported { cid: Cid, reason: &'static str },
	#[error("not a CARv1 file: {0}")]
	BadCar(String),
	#[error("bad IPFS node address {url:?}: {reason}")]
	BadUrl { url: String, reason: String },
	#[error("no IPFS node answers at {url}: {reason}")]
	Unreachable { url: String, reason: String },
	#[error("{url} does not serve the IPFS (Kubo) RPC API: {reason}")]
	NotIpfsApi { url: String, reason: String },
	#[error("{cid} is not on the IPFS node at {url}: the node did not find it in time")]
	NotFound { cid: Cid, url: Box<str> },
	#[error("the IPFS node at {url} did not answer `{call}` within {secs} s")]
	TimedOut { url: String, call: &'static str, secs: u64 },
	#[error("the IPFS node at {url} refused `{call}`: {reason}")]
	NodeRefused { url: String, call: &'static str, reason: String },
	#[error(transparent)]
	SourceChanged(#[from] source::SourceChanged),
	#[error(transparent)]
	Io(std::io::Error),
}

impl From<std::io::Error> for StorageError {
	fn from(e: std::io::Error) -> Self {
		source::io_error(e)
	}
}

/// A place that stores files by content and gives them back verified.
#[allow(async_fn_in_trait)]
pub trait ContentStore {
	/// Stores everything `data` yields as one UnixFS file and returns its CID (pinned, where
	/// the backend pins).
	async fn add(
		&self,
		data: Box<dyn Read + Send>,
		version: CidVersion,
		progress: Progress,
	) -> Result<Cid, StorageError>;

	/// Writes the file `cid` to `out`, verified against `cid`, and returns `out` and the size.
	/// On error `out` may hold a prefix of the data: callers write to a temporary place.
	async fn get<W: Write + Send + 'static>(
		&self,
		cid: &Cid,
		out: W,
		progress: Progress,
	) -> Result<(W, u64), StorageError>;

	/// Writes the DAGs of `roots` as one CARv1 file at `path` listing every root (what
	/// `ipfs dag import` takes), each block checked; on error `path` is left as it was.
	/// Returns the number of blocks.
	async fn export_car(&self, roots: Vec<Cid>, path: PathBuf) -> Result<u64, StorageError>;

	/// A short description for messages ("local blockstore at …", "Kubo at …").
	fn describe(&self) -> String;
}

/// The CID `ipfs add -n -Q` prints for `data`, computed without storing anything.
pub fn compute_cid(data: impl Read, version: CidVersion) -> Result<Cid, StorageError> {
	Ok(unixfs::import(data, version, &blockstore::Discard, &|_| {})?.cid)
}

/// Either backend, chosen at run time (`--storage local` or `--storage http://…:5001`).
#[derive(Clone)]
pub enum Backend {
	Local(local::LocalStore),
	Kubo(kubo::KuboStore),
}

impl Backend {
	/// `local` opens the embedded store under `home`; an `http(s)://` URL selects Kubo.
	pub fn from_option(option: &str, home: &std::path::Path) -> Result<Self, StorageError> {
		if option == "local" {
			Ok(Backend::Local(local::LocalStore::open(&home.join("ipfs"))?))
		} else if option.starts_with("http://") || option.starts_with("https://") {
			Ok(Backend::Kubo(kubo::KuboStore::new(option)?))
		} else {
			Err(StorageError::BadUrl {
				url: option.into(),
				reason: "--storage takes `local` or an IPFS node's RPC API address, e.g. \
				         http://127.0.0.1:5001"
					.into(),
			})
		}
	}

	/// Imports a CARv1 file, every block checked (`ipfs dag import`). Returns its roots.
	pub async fn import_car(&self, path: PathBuf) -> Result<Vec<Cid>, StorageError> {
		match self {
			Backend::Local(store) => store.import_car(path).await,
			Backend::Kubo(store) => store.import_car(path).await,
		}
	}
}

impl ContentStore for Backend {
	async fn add(
		&self,
		data: Box<dyn Read + Send>,
		version: CidVersion,
		progress: Progress,
	) -> Result<Cid, StorageError> {
		match self {
			Backend::Local(store) => store.add(data, version, progress).await,
			Backend::Kubo(store) => store.add(data, version, progress).await,
		}
	}

	async fn get<W: Write + Send + 'static>(
		&self,
		cid: &Cid,
		out: W,
		progress: Progress,
	) -> Result<(W, u64), StorageError> {
		match self {
			Backend::Local(store) => store.get(cid, out, progress).await,
			Backend::Kubo(store) => store.get(cid, out, progress).await,
		}
	}

	/// Writes the DAGs of `roots` as one CARv1 file (`ipfs dag export`, with every root
	/// listed). Returns the block count.
	async fn export_car(&self, roots: Vec<Cid>, path: PathBuf) -> Result<u64, StorageError> {
		match self {
			Backend::Local(store) => store.export_car(roots, path).await,
			Backend::Kubo(store) => store.export_car(roots, path).await,
		}
	}

	fn describe(&self) -> String {
		match self {
			Backend::Local(store) => store.describe(),
			Backend::Kubo(store) => store.describe(),
		}
	}
}
