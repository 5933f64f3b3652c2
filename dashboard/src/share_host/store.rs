//! The host's files: one JSON document per link, named by the link's on-chain id, holding the
//! passcode's salted hash and the compact JWEs. Written whole and renamed into place, so a
//! crash never leaves half a link.

use std::{
	io::Write,
	path::{Path, PathBuf},
};

use medchain_client::share::host::Upload;

pub(crate) struct FileStore {
	dir: PathBuf,
}

impl FileStore {
	pub fn open(dir: &Path) -> std::io::Result<Self> {
		std::fs::create_dir_all(dir)?;
		Ok(FileStore { dir: dir.to_path_buf() })
	}

	fn path(&self, link: &[u8; 32]) -> PathBuf {
		self.dir.join(format!("{}.json", hex::encode(link)))
	}

	pub fn exists(&self, link: &[u8; 32]) -> bool {
		self.path(link).exists()
	}

	/// Stores `upload` for `link`, unless it has one already. Returns whether it was stored.
	pub fn put_new(&self, link: &[u8; 32], upload: &Upload) -> std::io::Result<bool> {
		if self.exists(link) {
			return Ok(false);
		}
		let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
		tmp.write_all(&serde_json::to_vec(upload).map_err(std::io::Error::other)?)?;
		tmp.as_file().sync_all()?;
		match tmp.persist_noclobber(self.path(link)) {
			Ok(_) => Ok(true),
			Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
			Err(e) => Err(e.error),
		}
	}

	pub fn get(&self, link: &[u8; 32]) -> std::io::Result<Option<Upload>> {
		match std::fs::read(self.path(link)) {
			Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(std::io::Error::other),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e),
		}
	}

	/// Forgets a link that has ended: nothing is kept longer than it can be served.
	pub fn remove(&self, link: &[u8; 32]) {
		let _ = std::fs::remove_file(self.path(link));
	}
}
