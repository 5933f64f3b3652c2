//! The embedded default backend: a blockstore directory on this machine.

use std::{
	io::{Read, Write},
	path::{Path, PathBuf},
	sync::Arc,
};

use cid::Cid;

use super::{
	blockstore::FsBlockStore, car, unixfs, CidVersion, ContentStore, Progress, StorageError,
};

/// Blocks under `<dir>/blocks`, imported as Kubo would.
#[derive(Clone)]
pub struct LocalStore {
	dir: PathBuf,
	blocks: Arc<FsBlockStore>,
}

impl LocalStore {
	pub fn open(dir: &Path) -> Result<Self, StorageError> {
		Ok(LocalStore {
			dir: dir.to_path_buf(),
			blocks: Arc::new(FsBlockStore::open(&dir.join("blocks"))?),
		})
	}

	/// The blocks themselves (to export, or to check what is stored).
	pub fn blocks(&self) -> &FsBlockStore {
		&self.blocks
	}

	/// Imports every block of a CARv1 file (e.g. from `ipfs dag export`); returns its roots.
	pub async fn import_car(&self, path: PathBuf) -> Result<Vec<Cid>, StorageError> {
		let blocks = self.blocks.clone();
		run_blocking(move || {
			let mut input = std::io::BufReader::new(std::fs::File::open(&path)?);
			car::import(&mut input, &*blocks)
		})
		.await
	}
}

/// Runs blocking file and hashing work off the async runtime's threads.
pub(crate) async fn run_blocking<T: Send + 'static>(
	work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
	tokio::task::spawn_blocking(work)
		.await
		.map_err(|e| StorageError::Io(std::io::Error::other(format!("storage task failed: {e}"))))?
}

impl ContentStore for LocalStore {
	async fn add(
		&self,
		data: Box<dyn Read + Send>,
		version: CidVersion,
		progress: Progress,
	) -> Result<Cid, StorageError> {
		let blocks = self.blocks.clone();
		run_blocking(move || Ok(unixfs::import(data, version, &*blocks, &*progress)?.cid)).await
	}

	async fn get<W: Write + Send + 'static>(
		&self,
		cid: &Cid,
		mut out: W,
		progress: Progress,
	) -> Result<(W, u64), StorageError> {
		let (blocks, cid) = (self.blocks.clone(), *cid);
		run_blocking(move || {
			let size = unixfs::export(&cid, &*blocks, &mut out, &*progress)?;
			Ok((out, size))
		})
		.await
	}

	/// Writes the DAGs of `roots` as one CARv1 file for `ipfs dag import`.
	async fn export_car(&self, roots: Vec<Cid>, path: PathBuf) -> Result<u64, StorageError> {
		let blocks = self.blocks.clone();
		run_blocking(move || {
			let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(".".as_ref());
			let mut out = std::io::BufWriter::new(tempfile::NamedTempFile::new_in(dir)?);
			let count = car::export(&roots, &*blocks, &mut out)?;
			let tmp = out.into_inner().map_err(|e| e.into_error())?;
			tmp.persist(&path).map_err(|e| StorageError::Io(e.error))?;
			Ok(count)
		})
		.await
	}

	fn describe(&self) -> String {
		format!("local blockstore at {}", self.dir.display())
	}
}
