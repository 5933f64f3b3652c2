//! Counting from finalized blocks: every block's signed extrinsics by call and outcome, its
//! time from `Timestamp.set`, and its weight and length against the normal-class limits.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context};
use medchain_client::{chain::Chain, runtime::medchain as api};
use serde::Serialize;
use subxt::{
	config::RpcConfigFor,
	events::Phase,
	ext::codec::{Compact, Decode},
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	utils::H256,
	PolkadotConfig,
};

use crate::presign::Signed;

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// One finalized block, as the tool saw it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BlockStats {
	pub number: u64,
	/// `Timestamp.set` of this block, in Unix milliseconds.
	pub timestamp_ms: u64,
	/// Signed extrinsics that succeeded, by `Pallet.call`.
	pub succeeded: BTreeMap<String, u32>,
	/// Signed extrinsics that failed, by `Pallet.call`.
	pub failed: BTreeMap<String, u32>,
	/// Normal-class weight used.
	pub ref_time: u64,
	pub proof_size: u64,
	/// Bytes of signed extrinsics.
	pub length: u64,
	/// From the block's timestamp to when the tool first saw it finalized (ms): authoring,
	/// import and GRANDPA's rounds, plus up to one poll of the finalized head.
	pub finality_lag_ms: u64,
}

impl BlockStats {
	pub fn successes(&self) -> u32 {
		self.succeeded.values().sum()
	}
}

/// The outcome of one signed extrinsic found in a block.
#[derive(Clone, Debug)]
pub struct Outcome {
	pub hash: H256,
	pub block: u64,
	/// `None` when it succeeded; otherwise the pallet error's name (or the dispatch error).
	pub error: Option<String>,
}

/// The normal-class limits every block is measured against.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Limits {
	/// The most ref time normal extrinsics may use in one block.
	pub normal_ref_time: u64,
	pub normal_proof_size: u64,
	/// The most bytes of normal extrinsics in one block.
	pub normal_length: u32,
	/// The weight every extrinsic is charged on top of its call (`ExtrinsicBaseWeight`).
	pub base_extrinsic: u64,
	/// The block time the chain aims for.
	pub block_ms: u64,
}

/// Reads finalized blocks from one node.
pub struct Follower {
	chain: Chain,
	rpc: Rpc,
}

impl Follower {
	pub async fn connect(url: &str) -> anyhow::Result<Self> {
		let chain = Chain::connect(url).await?;
		let rpc = LegacyRpcMethods::new(RpcClient::from_insecure_url(url).await?);
		Ok(Follower { chain, rpc })
	}

	pub fn chain(&self) -> &Chain {
		&self.chain
	}

	/// The number of the newest finalized block.
	pub async fn finalized(&self) -> anyhow::Result<u64> {
		let hash = self.rpc.chain_get_finalized_head().await?;
		let header =
			self.rpc.chain_get_header(Some(hash)).await?.ok_or_else(|| anyhow!("no header"))?;
		Ok(header.number)
	}

	/// The runtime's normal-class limits and block time.
	pub async fn limits(&self) -> anyhow::Result<Limits> {
		let at = self.chain.at_best().await?;
		let constants = at.constants();
		let weights = constants.entry(api::constants().system().block_weights())?;
		let length = constants.entry(api::constants().system().block_length())?;
		let period = constants.entry(api::constants().timestamp().minimum_period())?;
		let normal = &weights.per_class.normal;
		let total = normal.max_total.as_ref().unwrap_or(&weights.max_block);
		Ok(Limits {
			normal_ref_time: total.ref_time,
			normal_proof_size: total.proof_size,
			normal_length: length.max.normal,
			base_extrinsic: normal.base_extrinsic.ref_time,
			block_ms: period * 2,
		})
	}

	/// The ref time `tx` is charged: its call's benchmarked weight plus its transaction
	/// extensions' (`TransactionPaymentApi_query_info`), without the base extrinsic weight.
	pub async fn weight_of(&self, tx: &Signed) -> anyhow::Result<u64> {
		let at = self.chain.at_best().await?;
		let mut args = tx.bytes.clone();
		args.extend_from_slice(&(tx.bytes.len() as u32).to_le_bytes());
		let raw =
			at.runtime_apis().call_raw("TransactionPaymentApi_query_info", Some(&args)).await?;
		Ok(Compact::<u64>::decode(&mut &raw[..])?.0)
	}

	/// The finalized block `number`: its figures and the outcome of each signed extrinsic.
	pub async fn read(&self, number: u64) -> anyhow::Result<(BlockStats, Vec<Outcome>)> {
		let hash: H256 = self
			.rpc
			.chain_get_block_hash(Some(number.into()))
			.await?
			.ok_or_else(|| anyhow!("no block {number}"))?;
		let at = self.chain.api().at_block(hash).await.context("block")?;
		let extrinsics = at.extrinsics().fetch().await.context("extrinsics")?;
		let events = at.events().fetch().await.context("events")?;
		let metadata = at.metadata_ref();

		// Outcome of each extrinsic index, from the system events of its phase.
		let mut failures: BTreeMap<u32, String> = BTreeMap::new();
		for event in events.iter() {
			let event = event?;
			let Phase::ApplyExtrinsic(index) = event.phase() else { continue };
			if let Some(failed) =
				event.decode_fields_as::<api::system::events::ExtrinsicFailed>().transpose()?
			{
				failures.insert(index, error_name(metadata, &failed.dispatch_error));
			}
		}

		let mut stats = BlockStats { number, ..Default::default() };
		let mut outcomes = Vec::new();
		for ext in extrinsics.iter() {
			let ext = ext?;
			if ext.pallet_name() == "Timestamp" && ext.call_name() == "set" {
				// `set(now: Compact<u64>)`: the block's time.
				stats.timestamp_ms = Compact::<u64>::decode(&mut ext.call_data_field_bytes())?.0;
			}
			if !ext.is_signed() {
				continue;
			}
			let call = format!("{}.{}", ext.pallet_name(), ext.call_name());
			stats.length += ext.bytes().len() as u64;
			let error = failures.get(&(ext.index() as u32)).cloned();
			let tally = if error.is_none() { &mut stats.succeeded } else { &mut stats.failed };
			*tally.entry(call).or_default() += 1;
			outcomes.push(Outcome { hash: ext.hash(), block: number, error });
		}

		let weight =
			at.storage().fetch(api::storage().system().block_weight(), ()).await?.decode()?;
		stats.ref_time = weight.normal.ref_time;
		stats.proof_size = weight.normal.proof_size;
		Ok((stats, outcomes))
	}
}

/// A failed dispatch in words: the pallet error's name where there is one.
fn error_name(
	metadata: &subxt::metadata::Metadata,
	error: &api::runtime_types::sp_runtime::DispatchError,
) -> String {
	use api::runtime_types::sp_runtime::DispatchError;
	match error {
		DispatchError::Module(module) => metadata
			.pallet_by_error_index(module.index)
			.and_then(|pallet| {
				pallet
					.error_variant_by_index(module.error[0])
					.map(|variant| format!("{}::{}", pallet.name(), variant.name))
			})
			.unwrap_or_else(|| format!("{module:?}")),
		other => format!("{other:?}"),
	}
}
