//! Calls to an IPFS node's RPC API (`POST /api/v0/...`), each bounded in time, with every
//! failure sorted into a typed error: nothing listens, it is not an IPFS API, the node does
//! not have the content, the node is too slow, or the node refused.
//!
//! Implementations differ in small ways (Kubo, js-ipfs, IPFS Cluster's proxy): CIDs may come
//! back in any multibase, sizes as numbers or strings, and a block the node lacks may make a
//! call hang. So CIDs are compared as values, sizes are not read, and every call that may
//! look for a block carries the API's `timeout` argument as well as a client-side limit.

use std::time::Duration;

use cid::Cid;
use serde::Deserialize;

use crate::storage::StorageError;

/// How long a node may take before a call is given up on.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
	/// To open a TCP connection: a node that is not there is known within this.
	pub connect: Duration,
	/// For a block the node may have to look for; past it the block counts as missing.
	pub find: Duration,
	/// Between two reads of a response: a node that stops talking mid-stream is given up on.
	pub idle: Duration,
}

impl Default for Timeouts {
	fn default() -> Self {
		Timeouts {
			connect: Duration::from_secs(5),
			find: Duration::from_secs(30),
			idle: Duration::from_secs(60),
		}
	}
}

/// The RPC API of one node.
#[derive(Clone)]
pub(super) struct Rpc {
	pub url: String,
	pub http: reqwest::Client,
	pub timeouts: Timeouts,
}

/// How long an idle connection to the node is kept for reuse: under the shortest keep-alive
/// timeout of the servers in use (Node.js's 5 s).
const POOL_IDLE: Duration = Duration::from_secs(2);

/// An error body as Kubo and js-ipfs send it.
#[derive(Deserialize)]
struct ApiError {
	#[serde(rename = "Message")]
	message: String,
}

impl Rpc {
	pub fn new(url: &str, timeouts: Timeouts) -> Result<Self, StorageError> {
		let bad = |reason: &str| StorageError::BadUrl { url: url.into(), reason: reason.into() };
		let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
		if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
			return Err(bad("expected http(s)://HOST:PORT, e.g. http://127.0.0.1:5001"));
		}
		if parsed.query().is_some() || parsed.fragment().is_some() {
			return Err(bad("the API address takes no query or fragment"));
		}
		let http = reqwest::Client::builder()
			.connect_timeout(timeouts.connect)
			.read_timeout(timeouts.idle)
			// Servers close idle keep-alive connections (js-ipfs, on Node.js, after 5 s): a
			// request sent on one just as the server closes it fails ("connection closed
			// before message completed"). Idle connections are dropped well before that.
			.pool_idle_timeout(POOL_IDLE)
			.build()
			.map_err(|e| bad(&e.to_string()))?;
		Ok(Rpc { url: url.trim_end_matches('/').to_string(), http, timeouts })
	}

	/// The request for `call` (e.g. `block/get`) with its arguments.
	pub fn request(&self, call: &str, query: &[(&str, String)]) -> reqwest::RequestBuilder {
		self.http.post(format!("{}/api/v0/{call}", self.url)).query(query)
	}

	/// The API's own `timeout` argument for calls that look for blocks.
	pub fn find_timeout(&self) -> (&'static str, String) {
		("timeout", format!("{}ms", self.timeouts.find.as_millis()))
	}

	/// Sends `request` and returns the response if the node accepted the call. `cid` names the
	/// content the call looks for, so that a node that does not have it says so as `NotFound`.
	pub async fn send(
		&self,
		call: &'static str,
		request: reqwest::RequestBuilder,
		cid: Option<&Cid>,
	) -> Result<reqwest::Response, StorageError> {
		let response = request.send().await.map_err(|e| self.transport(call, cid, e))?;
		let status = response.status();
		if status.is_success() {
			return Ok(response);
		}
		let body = response.text().await.unwrap_or_default();
		let Ok(ApiError { message }) = serde_json::from_str::<ApiError>(&body) else {
			return Err(self.not_api(format!("`{call}` answered HTTP {status}")));
		};
		if status == reqwest::StatusCode::NOT_FOUND {
			// The API's own 404: this server speaks the error format but lacks the call.
			return Err(self.not_api(format!("it has no `{call}` call ({message})")));
		}
		match cid {
			Some(cid) if is_missing(&message) => Err(self.not_found(cid)),
			_ => Err(StorageError::NodeRefused { url: self.url.clone(), call, reason: message }),
		}
	}

	/// A whole response body, at most `limit` bytes (what a node sends is not trusted).
	pub async fn body(
		&self,
		call: &'static str,
		mut response: reqwest::Response,
		limit: usize,
		cid: Option<&Cid>,
	) -> Result<Vec<u8>, StorageError> {
		let mut body = Vec::new();
		while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(call, cid, e))? {
			if body.len() + chunk.len() > limit {
				return Err(StorageError::NodeRefused {
					url: self.url.clone(),
					call,
					reason: format!("answered more than {limit} bytes"),
				});
			}
			body.extend_from_slice(&chunk);
		}
		Ok(body)
	}

	/// Parses the JSON lines a streaming call answers with (`add`, `dag/import`).
	pub fn lines<T: for<'de> Deserialize<'de>>(
		&self,
		call: &'static str,
		body: &[u8],
	) -> Result<Vec<T>, StorageError> {
		String::from_utf8_lossy(body)
			.lines()
			.filter(|line| !line.trim().is_empty())
			.map(|line| {
				serde_json::from_str(line)
					.map_err(|e| self.not_api(format!("`{call}` answered {line:?}: {e}")))
			})
			.collect()
	}

	/// A CID as the node wrote it: any multibase (js-ipfs answers base58btc for CIDv1).
	pub fn cid(&self, call: &'static str, text: &str) -> Result<Cid, StorageError> {
		Cid::try_from(text).map_err(|e| StorageError::NodeRefused {
			url: self.url.clone(),
			call,
			reason: format!("answered the invalid CID {text:?}: {e}"),
		})
	}

	fn not_api(&self, reason: String) -> StorageError {
		StorageError::NotIpfsApi { url: self.url.clone(), reason }
	}

	pub fn not_found(&self, cid: &Cid) -> StorageError {
		StorageError::NotFound { cid: *cid, url: self.url.as_str().into() }
	}

	/// A failure below HTTP: nothing listens, the connection broke, or the node went silent.
	pub fn transport(
		&self,
		call: &'static str,
		cid: Option<&Cid>,
		e: reqwest::Error,
	) -> StorageError {
		if e.is_timeout() {
			return match cid {
				Some(cid) => self.not_found(cid),
				None => StorageError::TimedOut {
					url: self.url.clone(),
					call,
					secs: self.timeouts.idle.as_secs(),
				},
			};
		}
		if e.is_connect() {
			return StorageError::Unreachable { url: self.url.clone(), reason: source_chain(&e) };
		}
		if e.is_decode() || e.is_redirect() {
			return self.not_api(format!("`{call}`: {}", source_chain(&e)));
		}
		StorageError::Unreachable {
			url: self.url.clone(),
			reason: format!("`{call}`: {}", source_chain(&e)),
		}
	}
}

/// What the node says when it does not have a block: Kubo offline ("block was not found
/// locally"), Kubo and js-ipfs past their `timeout` ("context deadline exceeded", "request
/// timed out").
fn is_missing(message: &str) -> bool {
	let message = message.to_ascii_lowercase();
	["not found", "timed out", "timeout", "deadline exceeded", "aborted"]
		.iter()
		.any(|needle| message.contains(needle))
}

/// The error and its causes in one line ("error sending request: connection refused").
fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
	let mut text = e.to_string();
	let mut source = e.source();
	while let Some(cause) = source {
		let cause_text = cause.to_string();
		if !text.contains(&cause_text) {
			text.push_str(": ");
			text.push_str(&cause_text);
		}
		source = cause.source();
	}
	text
}
