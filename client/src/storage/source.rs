//! Files read for upload. A record declares its size before its bytes are read, so a file that
//! grows or shrinks meanwhile (still being written, truncated, replaced in place) must fail the
//! upload rather than store something other than what was declared. A file that is deleted
//! while open is still read whole (the open handle keeps it), so that case needs nothing.

use std::{
	fs::File,
	io::{BufReader, Read},
	path::{Path, PathBuf},
};

use super::StorageError;

/// The file changed size while it was read.
#[derive(Debug, thiserror::Error)]
#[error(
	"{} changed while it was read for upload ({expected} bytes when opened, {read} read): \
	 nothing was recorded; upload it again once nothing is writing to it",
	path.display()
)]
pub struct SourceChanged {
	pub path: PathBuf,
	pub expected: u64,
	pub read: u64,
}

/// A file that yields exactly the bytes it had when opened, or an error.
pub struct FileSource {
	file: BufReader<File>,
	path: PathBuf,
	expected: u64,
	read: u64,
}

impl FileSource {
	/// Opens `path`; its errors name the file.
	pub fn open(path: &Path) -> std::io::Result<Self> {
		let unreadable = |e: std::io::Error| {
			std::io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
		};
		let file = File::open(path).map_err(unreadable)?;
		let meta = file.metadata().map_err(unreadable)?;
		if !meta.is_file() {
			let kind = std::io::ErrorKind::InvalidInput;
			return Err(unreadable(std::io::Error::new(kind, "not a regular file")));
		}
		Ok(FileSource {
			file: BufReader::new(file),
			path: path.into(),
			expected: meta.len(),
			read: 0,
		})
	}

	/// The size the file had when opened: what will be read, or the read fails.
	pub fn len(&self) -> u64 {
		self.expected
	}

	pub fn is_empty(&self) -> bool {
		self.expected == 0
	}

	fn changed(&self) -> std::io::Error {
		std::io::Error::other(SourceChanged {
			path: self.path.clone(),
			expected: self.expected,
			read: self.read,
		})
	}
}

impl Read for FileSource {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		let n = self.file.read(buf)?;
		self.read += n as u64;
		if self.read > self.expected || (n == 0 && !buf.is_empty() && self.read < self.expected) {
			return Err(self.changed());
		}
		Ok(n)
	}
}

/// Keeps a [`SourceChanged`] typed when it comes back through `std::io`.
pub(crate) fn io_error(e: std::io::Error) -> StorageError {
	match e.downcast::<SourceChanged>() {
		Ok(changed) => StorageError::SourceChanged(changed),
		Err(e) => StorageError::Io(e),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Write;

	fn read_all(source: &mut FileSource) -> Result<Vec<u8>, StorageError> {
		let mut out = Vec::new();
		source.read_to_end(&mut out).map_err(io_error)?;
		Ok(out)
	}

	#[test]
	fn a_steady_file_is_read_whole() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("f");
		std::fs::write(&path, vec![7u8; 300_000]).unwrap();
		let mut source = FileSource::open(&path).unwrap();
		assert_eq!(source.len(), 300_000);
		assert_eq!(read_all(&mut source).unwrap().len(), 300_000);
	}

	#[test]
	fn a_file_truncated_or_grown_while_read_is_an_error() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("f");
		std::fs::write(&path, vec![7u8; 300_000]).unwrap();
		let mut source = FileSource::open(&path).unwrap();
		let mut head = [0u8; 1000];
		source.read_exact(&mut head).unwrap();
		std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(10_000).unwrap();
		match read_all(&mut source) {
			Err(StorageError::SourceChanged(SourceChanged { expected, read, .. })) => {
				assert_eq!((expected, read), (300_000, 10_000))
			}
			other => panic!("truncated: {other:?}"),
		}

		std::fs::write(&path, vec![7u8; 1000]).unwrap();
		let mut source = FileSource::open(&path).unwrap();
		std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(&[1; 10]).unwrap();
		assert!(matches!(read_all(&mut source), Err(StorageError::SourceChanged(_))));
	}

	#[test]
	fn missing_files_and_directories_are_refused_by_name() {
		let dir = tempfile::tempdir().unwrap();
		for path in [dir.path().join("gone"), dir.path().to_path_buf()] {
			let Err(e) = FileSource::open(&path) else { panic!("{} opened", path.display()) };
			let e = e.to_string();
			assert!(e.contains(&path.display().to_string()), "{e}");
		}
	}
}
