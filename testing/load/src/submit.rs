//! Unwatched submission: `author_submitExtrinsic` spread over several WebSocket connections,
//! with at most `window` calls in flight. A pool that is full is waited on, not counted as a
//! refusal; any other refusal is reported with the node's words.

use std::time::Duration;

use futures::{stream, StreamExt};
use subxt::{
	config::RpcConfigFor,
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	PolkadotConfig,
};

use crate::presign::Signed;

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// Several connections to one node (or to several nodes of one network).
pub struct Submitter {
	/// Per node, its connections.
	nodes: Vec<Vec<Rpc>>,
}

/// What the node said to a submission round.
#[derive(Debug, Default)]
pub struct Submitted {
	pub accepted: usize,
	/// (index in the submitted list, the node's message)
	pub refused: Vec<(usize, String)>,
	/// Times a full pool made a call wait.
	pub waits: usize,
}

/// How long a call waits for room in a full pool before it counts as refused.
const POOL_PATIENCE: Duration = Duration::from_secs(120);

impl Submitter {
	/// `connections` connections to each of `urls`.
	pub async fn connect(urls: &[String], connections: usize) -> anyhow::Result<Self> {
		let mut nodes = Vec::new();
		for url in urls {
			let mut node = Vec::new();
			for _ in 0..connections.max(1) {
				let client = RpcClient::from_insecure_url(url).await?;
				node.push(LegacyRpcMethods::new(client));
			}
			nodes.push(node);
		}
		Ok(Submitter { nodes })
	}

	/// Submits every extrinsic, in order of `txs` as far as the window allows.
	///
	/// All of one sender's extrinsics go to the same node. Spread over several nodes, its later
	/// nonces would wait in each node's future queue for the earlier ones to arrive by gossip,
	/// which propagates only ready transactions: a sender's run would then move one gossip
	/// round per nonce.
	pub async fn submit(&self, txs: &[Signed], window: usize) -> Submitted {
		let results: Vec<(usize, Result<usize, String>)> = stream::iter(txs.iter().enumerate())
			.map(|(i, tx)| {
				let node = &self.nodes[node_of(&tx.sender, self.nodes.len())];
				let rpc = &node[i % node.len()];
				async move { (i, submit_one(rpc, &tx.bytes).await) }
			})
			.buffer_unordered(window.max(1))
			.collect()
			.await;
		let mut out = Submitted::default();
		for (i, result) in results {
			match result {
				Ok(waits) => {
					out.accepted += 1;
					out.waits += waits;
				}
				Err(message) => out.refused.push((i, message)),
			}
		}
		out.refused.sort_by_key(|(i, _)| *i);
		out
	}
}

/// The node a sender's extrinsics go to: account ids are uniformly spread, so their first bytes
/// spread senders evenly.
fn node_of(sender: &[u8; 32], nodes: usize) -> usize {
	let [a, b, c, d, ..] = *sender;
	u32::from_le_bytes([a, b, c, d]) as usize % nodes.max(1)
}

/// Submits one extrinsic, waiting while the pool is full. Returns how often it waited.
async fn submit_one(rpc: &Rpc, bytes: &[u8]) -> Result<usize, String> {
	let started = std::time::Instant::now();
	let mut waits = 0;
	loop {
		match rpc.author_submit_extrinsic(bytes).await {
			Ok(_) => return Ok(waits),
			Err(e) => {
				let message = e.to_string();
				if is_pool_full(&message) && started.elapsed() < POOL_PATIENCE {
					waits += 1;
					tokio::time::sleep(Duration::from_millis(250)).await;
					continue;
				}
				return Err(message);
			}
		}
	}
}

/// The pool's answers that mean "not now" rather than "never" (error 1014: priority too low
/// to replace, 1016: immediately dropped because the pool is full).
fn is_pool_full(message: &str) -> bool {
	["1016", "Immediately Dropped", "pool is full", "Too many"]
		.iter()
		.any(|needle| message.contains(needle))
}
