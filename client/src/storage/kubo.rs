//! A Kubo (go-ipfs) node reached over its RPC API (`/api/v0/add`, `cat`, `pin/add`). What Kubo
//! returns is not trusted: the CID of every upload is also computed here and must be the one
//! Kubo reports, and every download is re-imported and must hash to the CID that was asked for.
//!
//! The RPC API is an admin interface: point this at your own node (`http://127.0.0.1:5001`),
//! never at a public gateway.

use std::io::{Read, Write};

use cid::Cid;
use futures::StreamExt;

use super::{
	blockstore::Discard, local::run_blocking, unixfs, CidVersion, ContentStore, Progress,
	StorageError,
};

/// A Kubo node at `url` (e.g. `http://127.0.0.1:5001`).
#[derive(Clone)]
pub struct KuboStore {
	url: String,
	http: reqwest::Client,
}

#[derive(serde::Deserialize)]
struct AddResponse {
	#[serde(rename = "Hash")]
	hash: String,
}

impl KuboStore {
	pub fn new(url: &str) -> Self {
		KuboStore { url: url.trim_end_matches('/').to_string(), http: reqwest::Client::new() }
	}

	fn error(&self, reason: impl std::fmt::Display) -> StorageError {
		StorageError::Kubo { url: self.url.clone(), reason: reason.to_string() }
	}

	async fn post(
		&self,
		path: &str,
		query: &[(&str, String)],
	) -> Result<reqwest::Response, StorageError> {
		let response = self
			.http
			.post(format!("{}/api/v0/{path}", self.url))
			.query(query)
			.send()
			.await
			.map_err(|e| self.error(format!("{path}: {e}")))?;
		Self::check(path, response).await.map_err(|e| self.error(e))
	}

	async fn check(path: &str, response: reqwest::Response) -> Result<reqwest::Response, String> {
		if response.status().is_success() {
			return Ok(response);
		}
		let status = response.status();
		let body = response.text().await.unwrap_or_default();
		Err(format!("{path}: HTTP {status}: {}", body.trim()))
	}

	/// Pins `cid` on the node so its garbage collector keeps it.
	pub async fn pin(&self, cid: &Cid) -> Result<(), StorageError> {
		self.post("pin/add", &[("arg", cid.to_string())]).await.map(drop)
	}
}

/// Reads what a channel delivers, as one byte stream.
struct ChannelReader {
	rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
	current: std::io::Cursor<Vec<u8>>,
}

impl Read for ChannelReader {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		loop {
			let n = self.current.read(buf)?;
			if n > 0 || buf.is_empty() {
				return Ok(n);
			}
			// Runs on a blocking thread, so waiting here stalls no async task.
			match self.rx.blocking_recv() {
				Some(next) => self.current = std::io::Cursor::new(next),
				None => return Ok(0),
			}
		}
	}
}

/// Passes everything read through to `copy` as well.
struct Tee<R, F> {
	inner: R,
	copy: F,
}

impl<R: Read, F: FnMut(&[u8]) -> std::io::Result<()>> Read for Tee<R, F> {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		let n = self.inner.read(buf)?;
		(self.copy)(&buf[..n])?;
		Ok(n)
	}
}

impl ContentStore for KuboStore {
	async fn add(
		&self,
		data: Box<dyn Read + Send>,
		version: CidVersion,
		progress: Progress,
	) -> Result<Cid, StorageError> {
		// One blocking task reads the data once: it computes the CID and feeds the upload.
		let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
		let local = run_blocking(move || {
			let tee = Tee {
				inner: data,
				copy: |bytes: &[u8]| {
					if !bytes.is_empty() {
						// A closed channel means the upload failed; its error is reported.
						let _ = tx.blocking_send(Ok(bytes.to_vec()));
					}
					Ok(())
				},
			};
			let reader = std::io::BufReader::with_capacity(unixfs::CHUNK_SIZE, tee);
			Ok(unixfs::import(reader, version, &Discard, &*progress)?.cid)
		});
		let body = reqwest::Body::wrap_stream(tokio_stream(rx));
		let form = reqwest::multipart::Form::new()
			.part("file", reqwest::multipart::Part::stream(body).file_name("record"));
		let cid_version = match version {
			CidVersion::V0 => "0",
			CidVersion::V1 => "1",
		};
		let upload = async {
			let response = self
				.http
				.post(format!("{}/api/v0/add", self.url))
				.query(&[
					("cid-version", cid_version),
					("chunker", "size-262144"),
					("pin", "true"),
					("quieter", "true"),
				])
				.multipart(form)
				.send()
				.await
				.map_err(|e| self.error(format!("add: {e}")))?;
			let response = Self::check("add", response).await.map_err(|e| self.error(e))?;
			let text = response.text().await.map_err(|e| self.error(format!("add: {e}")))?;
			let last = text.lines().last().unwrap_or_default();
			let added: AddResponse =
				serde_json::from_str(last).map_err(|e| self.error(format!("add: {e}: {last}")))?;
			added
				.hash
				.parse::<Cid>()
				.map_err(|e| self.error(format!("add returned a bad CID: {e}")))
		};
		let (local, remote) = futures::join!(local, upload);
		let (local, remote) = (local?, remote?);
		if local != remote {
			return Err(self.error(format!("Kubo stored {remote}, but the data's CID is {local}")));
		}
		Ok(local)
	}

	async fn get<W: Write + Send + 'static>(
		&self,
		cid: &Cid,
		out: W,
		progress: Progress,
	) -> Result<(W, u64), StorageError> {
		let response = self.post("cat", &[("arg", cid.to_string())]).await?;
		let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
		let (expected, version) = (*cid, CidVersion::of(cid));
		let check = run_blocking(move || {
			let mut out = out;
			let tee = Tee {
				inner: ChannelReader { rx, current: Default::default() },
				copy: |b: &[u8]| out.write_all(b),
			};
			let imported = unixfs::import(tee, version, &Discard, &*progress)?;
			if imported.cid != expected {
				return Err(StorageError::Tampered { cid: expected });
			}
			Ok((out, imported.size))
		});
		let mut stream = response.bytes_stream();
		let pump = async {
			while let Some(bytes) = stream.next().await {
				let bytes = bytes.map_err(|e| self.error(format!("cat: {e}")))?;
				if tx.send(bytes.to_vec()).await.is_err() {
					break;
				}
			}
			drop(tx);
			Ok::<_, StorageError>(())
		};
		let (checked, pumped) = futures::join!(check, pump);
		pumped?;
		checked
	}

	fn describe(&self) -> String {
		format!("Kubo RPC API at {}", self.url)
	}
}

fn tokio_stream(
	mut rx: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
) -> impl futures::Stream<Item = std::io::Result<Vec<u8>>> {
	futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
