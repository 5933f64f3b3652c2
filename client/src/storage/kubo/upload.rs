//! `add`: the data is read once, on a blocking thread, and both hashed here (for the CID the
//! node must report) and streamed to the node.

use std::io::Read;

use cid::Cid;
use serde::Deserialize;

use super::rpc::Rpc;
use crate::storage::{
	blockstore::Discard, local::run_blocking, unixfs, CidVersion, Progress, StorageError,
};

/// One line of `add`'s answer. `Size` is not read: Kubo sends a string, js-ipfs a number.
#[derive(Deserialize)]
struct Added {
	#[serde(rename = "Hash")]
	hash: String,
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

pub(super) async fn add(
	rpc: &Rpc,
	data: Box<dyn Read + Send>,
	version: CidVersion,
	progress: Progress,
) -> Result<Cid, StorageError> {
	let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
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
	let body = reqwest::Body::wrap_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
	let form = reqwest::multipart::Form::new()
		.part("file", file_part(reqwest::multipart::Part::stream(body), "record"));
	// Every import parameter is spelled out, so that nodes with other defaults (or other
	// versions) build the same DAG: Kubo's `ipfs add` and `ipfs add --cid-version=1`.
	let (cid_version, raw_leaves) = match version {
		CidVersion::V0 => ("0", "false"),
		CidVersion::V1 => ("1", "true"),
	};
	let mut query = vec![
		("cid-version", cid_version.to_string()),
		("raw-leaves", raw_leaves.into()),
		("chunker", "size-262144".into()),
		("trickle", "false".into()),
		("hash", "sha2-256".into()),
		("pin", "true".into()),
		("quieter", "true".into()),
	];
	if version == CidVersion::V1 {
		// js-ipfs answers base58btc otherwise; it refuses a base for CIDv0, which has none.
		query.push(("cid-base", "base32".into()));
	}
	let upload = async {
		let request = rpc.request("add", &query).multipart(form);
		let response = rpc.send("add", request, None).await?;
		let body = rpc.body("add", response, 64 * 1024, None).await?;
		let last =
			rpc.lines::<Added>("add", &body)?.pop().ok_or_else(|| StorageError::NotIpfsApi {
				url: rpc.url.clone(),
				reason: "`add` answered nothing".into(),
			})?;
		rpc.cid("add", &last.hash)
	};
	let (local, remote) = futures::join!(local, upload);
	let (local, remote) = (local?, remote?);
	if local != remote {
		return Err(StorageError::NodeRefused {
			url: rpc.url.clone(),
			call: "add",
			reason: format!("it stored {remote}, but the data's CID is {local}"),
		});
	}
	Ok(local)
}

/// A file streamed as a request body, 256 KiB at a time.
pub(super) fn file_body(file: tokio::fs::File) -> reqwest::Body {
	use tokio::io::AsyncReadExt;
	let chunks = futures::stream::try_unfold(file, |mut file| async move {
		let mut buf = vec![0u8; unixfs::CHUNK_SIZE];
		let n = file.read(&mut buf).await?;
		buf.truncate(n);
		Ok::<_, std::io::Error>((n > 0).then_some((buf, file)))
	});
	reqwest::Body::wrap_stream(chunks)
}

/// A multipart file part as every implementation accepts it: js-ipfs refuses one without a
/// content type.
pub(super) fn file_part(part: reqwest::multipart::Part, name: &str) -> reqwest::multipart::Part {
	part.file_name(name.to_string())
		.mime_str("application/octet-stream")
		.expect("a constant, valid MIME type")
}
