//! An IPFS node reached over the Kubo RPC API (`/api/v0/...`): Kubo itself, an IPFS Cluster's
//! Kubo proxy, or another implementation of the same API (js-ipfs). What the node returns is
//! not trusted: the CID of every upload is also computed here and must be the one the node
//! reports, and every download is fetched block by block, each block checked against its CID
//! before a byte of it is written.
//!
//! The RPC API is an admin interface: point this at your own node (`http://127.0.0.1:5001`),
//! never at a public gateway.

mod rpc;
mod upload;

use std::{io::Write, path::PathBuf, sync::Arc};

use cid::Cid;
use serde::Deserialize;

pub use rpc::Timeouts;

use super::{
	blockstore::{verify, BlockStore, Discard, FsBlockStore},
	car,
	local::run_blocking,
	unixfs, CidVersion, ContentStore, Progress, StorageError,
};

/// The largest block accepted from a node: Kubo's own limit for blocks it exchanges (1 MiB)
/// with room to spare. MedChain's blocks are 256 KiB leaves and small dag-pb nodes.
const MAX_BLOCK: usize = 2 * 1024 * 1024;

/// An IPFS node at `url` (e.g. `http://127.0.0.1:5001`).
#[derive(Clone)]
pub struct KuboStore {
	rpc: rpc::Rpc,
}

impl KuboStore {
	/// The node at `url`, with the default time limits. Fails only on a malformed URL: whether
	/// a node answers there is known at the first call (or from [`KuboStore::version`]).
	pub fn new(url: &str) -> Result<Self, StorageError> {
		Self::with_timeouts(url, Timeouts::default())
	}

	pub fn with_timeouts(url: &str, timeouts: Timeouts) -> Result<Self, StorageError> {
		Ok(KuboStore { rpc: rpc::Rpc::new(url, timeouts)? })
	}

	pub fn url(&self) -> &str {
		&self.rpc.url
	}

	/// The node's implementation version: a cheap check that an IPFS node answers at the URL.
	pub async fn version(&self) -> Result<String, StorageError> {
		#[derive(Deserialize)]
		struct Version {
			#[serde(rename = "Version")]
			version: String,
		}
		let response = self.rpc.send("version", self.rpc.request("version", &[]), None).await?;
		let body = self.rpc.body("version", response, 64 * 1024, None).await?;
		let [version] = <[Version; 1]>::try_from(self.rpc.lines::<Version>("version", &body)?)
			.map_err(|_| StorageError::NotIpfsApi {
				url: self.rpc.url.clone(),
				reason: "`version` answered no version".into(),
			})?;
		Ok(version.version)
	}

	/// Pins `cid` (and everything under it) so the node's garbage collector keeps it.
	pub async fn pin(&self, cid: &Cid) -> Result<(), StorageError> {
		let request =
			self.rpc.request("pin/add", &[("arg", cid.to_string()), self.rpc.find_timeout()]);
		self.rpc.send("pin/add", request, Some(cid)).await.map(drop)
	}

	/// Whether `cid` is pinned on the node, directly or under another pin.
	pub async fn is_pinned(&self, cid: &Cid) -> Result<bool, StorageError> {
		let request = self.rpc.request("pin/ls", &[("arg", cid.to_string())]);
		match self.rpc.send("pin/ls", request, None).await {
			Ok(_) => Ok(true),
			// Both Kubo and js-ipfs refuse `pin/ls` of an unpinned CID ("... is not pinned").
			Err(StorageError::NodeRefused { reason, .. }) if reason.contains("not pinned") => {
				Ok(false)
			}
			Err(e) => Err(e),
		}
	}

	/// The block `cid`, checked against it.
	pub async fn block(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
		let request =
			self.rpc.request("block/get", &[("arg", cid.to_string()), self.rpc.find_timeout()]);
		let response = self.rpc.send("block/get", request, Some(cid)).await?;
		let data = self.rpc.body("block/get", response, MAX_BLOCK, Some(cid)).await?;
		verify(cid, &data)?;
		Ok(data)
	}

	/// Imports a CARv1 file into the node (`dag import`, roots pinned) after checking every
	/// block in it against its CID here. Returns its roots.
	pub async fn import_car(&self, path: PathBuf) -> Result<Vec<Cid>, StorageError> {
		let checked = path.clone();
		let roots = run_blocking(move || {
			let mut input = std::io::BufReader::new(std::fs::File::open(&checked)?);
			car::import(&mut input, &Discard)
		})
		.await?;
		let file = tokio::fs::File::open(&path).await?;
		let len = file.metadata().await?.len();
		let part = upload::file_part(
			reqwest::multipart::Part::stream_with_length(upload::file_body(file), len),
			"import.car",
		);
		let request = self
			.rpc
			.request("dag/import", &[("pin-roots", "true".into())])
			.multipart(reqwest::multipart::Form::new().part("file", part));
		let response = self.rpc.send("dag/import", request, None).await?;
		let body = self.rpc.body("dag/import", response, 1024 * 1024, None).await?;

		#[derive(Deserialize)]
		struct Line {
			#[serde(rename = "Root")]
			root: Option<Root>,
		}
		#[derive(Deserialize)]
		struct Root {
			#[serde(rename = "Cid")]
			cid: Link,
			#[serde(rename = "PinErrorMsg", default)]
			pin_error: String,
		}
		#[derive(Deserialize)]
		struct Link {
			#[serde(rename = "/")]
			cid: String,
		}
		let mut pinned = Vec::new();
		for root in self.rpc.lines::<Line>("dag/import", &body)?.into_iter().filter_map(|l| l.root)
		{
			if !root.pin_error.is_empty() {
				return Err(StorageError::NodeRefused {
					url: self.rpc.url.clone(),
					call: "dag/import",
					reason: format!("could not pin {}: {}", root.cid.cid, root.pin_error),
				});
			}
			pinned.push(self.rpc.cid("dag/import", &root.cid.cid)?);
		}
		if let Some(missing) = roots.iter().find(|root| !pinned.contains(root)) {
			return Err(StorageError::NodeRefused {
				url: self.rpc.url.clone(),
				call: "dag/import",
				reason: format!("did not report the root {missing} as imported"),
			});
		}
		Ok(roots)
	}

	/// Puts every block of the DAG under `root`, as the node's `dag export` gives it, into
	/// `store`, checked against its CID.
	async fn fetch_dag(
		&self,
		root: Cid,
		dir: &std::path::Path,
		store: Arc<FsBlockStore>,
	) -> Result<(), StorageError> {
		let tmp = tempfile::NamedTempFile::new_in(dir)?;
		let request =
			self.rpc.request("dag/export", &[("arg", root.to_string()), self.rpc.find_timeout()]);
		let mut response = self.rpc.send("dag/export", request, Some(&root)).await?;
		let mut out = std::io::BufWriter::new(tmp);
		while let Some(chunk) =
			response.chunk().await.map_err(|e| self.rpc.transport("dag/export", Some(&root), e))?
		{
			out.write_all(&chunk)?;
		}
		let tmp = out.into_inner().map_err(|e| e.into_error())?;
		let not_found = self.rpc.not_found(&root);
		run_blocking(move || {
			let roots = car::import(&mut std::io::BufReader::new(tmp.reopen()?), &*store)?;
			if roots != [root] {
				return Err(StorageError::BadCar(format!("roots {roots:?}, expected [{root}]")));
			}
			// A node that gives up on a missing block still answers 200 with a short CAR, so
			// completeness is checked here, by walking the DAG from its root.
			match unixfs::walk(&root, &*store, &mut |_, _| Ok(())) {
				Err(StorageError::MissingBlock { .. }) => Err(not_found),
				other => other,
			}
		})
		.await
	}
}

impl ContentStore for KuboStore {
	async fn add(
		&self,
		data: Box<dyn std::io::Read + Send>,
		version: CidVersion,
		progress: Progress,
	) -> Result<Cid, StorageError> {
		upload::add(&self.rpc, data, version, progress).await
	}

	async fn get<W: Write + Send + 'static>(
		&self,
		cid: &Cid,
		mut out: W,
		progress: Progress,
	) -> Result<(W, u64), StorageError> {
		// Block by block through the same export as the embedded store: every block is checked
		// before it is written, and sizes, depth and block size are bounded by what the root
		// declares, so a node cannot stream more than the file holds.
		let remote =
			RemoteBlocks { store: self.clone(), runtime: tokio::runtime::Handle::current() };
		let cid = *cid;
		run_blocking(move || {
			let size = unixfs::export(&cid, &remote, &mut out, &*progress)?;
			Ok((out, size))
		})
		.await
	}

	/// Writes the DAGs of `roots`, as the node exports them (`dag export`, one root at a
	/// time), to the CARv1 file `path` listing every root, after checking here that the node
	/// gave every block of each DAG and that each block matches its CID; on error `path` is
	/// left as it was. Returns the number of blocks.
	async fn export_car(&self, roots: Vec<Cid>, path: PathBuf) -> Result<u64, StorageError> {
		let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(".".as_ref());
		let scratch = tempfile::tempdir_in(dir)?;
		let store = Arc::new(FsBlockStore::open(scratch.path())?);
		for root in &roots {
			self.fetch_dag(*root, scratch.path(), store.clone()).await?;
		}
		let tmp = tempfile::NamedTempFile::new_in(dir)?;
		run_blocking(move || {
			let mut out = std::io::BufWriter::new(tmp);
			let blocks = car::export(&roots, &*store, &mut out)?;
			let tmp = out.into_inner().map_err(|e| e.into_error())?;
			tmp.persist(&path).map_err(|e| StorageError::Io(e.error))?;
			drop(scratch);
			Ok(blocks)
		})
		.await
	}

	fn describe(&self) -> String {
		format!("IPFS node (Kubo RPC API) at {}", self.rpc.url)
	}
}

/// The node's blocks, seen as a [`BlockStore`] from a blocking thread.
struct RemoteBlocks {
	store: KuboStore,
	runtime: tokio::runtime::Handle,
}

impl BlockStore for RemoteBlocks {
	fn put(&self, _: &Cid, _: &[u8]) -> Result<(), StorageError> {
		Err(StorageError::Io(std::io::Error::other("remote blocks are read-only")))
	}

	fn get(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
		self.runtime.block_on(self.store.block(cid))
	}
}
