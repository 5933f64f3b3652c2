//! The built-in chain specifications: `dev` (one validator) and `local` (four validators).

use medchain_runtime::{
	configs::SlotDuration, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY,
};
use sc_service::{ChainSpec as _, ChainType};
use serde_json::json;
use sp_runtime::{codec::Encode, BuildStorage};

/// A MedChain chain specification.
pub type ChainSpec = sc_service::GenericChainSpec;

/// What wallets show for the chain's token and addresses.
fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), json!(TOKEN_SYMBOL));
	properties.insert("tokenDecimals".into(), json!(TOKEN_DECIMALS));
	properties.insert("ss58Format".into(), json!(SS58_PREFIX));
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The runtime's wasm is not available: the node was built with SKIP_WASM_BUILD set. \
		 Rebuild without it."
			.to_string()
	})
}

/// The shortest and longest block time `--dev-block-time` accepts, in milliseconds: below half
/// a second GRANDPA's gossip (333 ms) no longer keeps up with every block; six seconds is the
/// normal block time.
pub const DEV_BLOCK_TIME_RANGE: std::ops::RangeInclusive<u64> = 500..=6000;

/// `--dev`: Alice validates alone and is the sudo key. With `block_time_ms`, blocks come every
/// that many milliseconds instead of six seconds.
pub fn development_chain_spec(block_time_ms: Option<u64>) -> Result<ChainSpec, String> {
	let spec = ChainSpec::builder(wasm_binary()?, None)
		.with_name("MedChain Development")
		.with_id("medchain_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build();
	with_block_time(spec, block_time_ms)
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate. With `block_time_ms`, blocks come
/// every that many milliseconds instead of six seconds.
pub fn local_chain_spec(block_time_ms: Option<u64>) -> Result<ChainSpec, String> {
	let spec = ChainSpec::builder(wasm_binary()?, None)
		.with_name("MedChain Local Testnet")
		.with_id("medchain_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build();
	with_block_time(spec, block_time_ms)
}

/// `spec` with blocks every `block_time_ms` milliseconds, if given.
fn with_block_time(mut spec: ChainSpec, block_time_ms: Option<u64>) -> Result<ChainSpec, String> {
	let Some(ms) = block_time_ms else { return Ok(spec) };
	if !DEV_BLOCK_TIME_RANGE.contains(&ms) || ms % 2 != 0 {
		return Err(format!(
			"--dev-block-time {ms}: give an even number of milliseconds from {} to {}",
			DEV_BLOCK_TIME_RANGE.start(),
			DEV_BLOCK_TIME_RANGE.end()
		));
	}
	// The slot duration is a runtime storage parameter that no genesis preset sets, so the
	// genesis is built once and the key is added to its raw storage.
	let mut storage = spec.build_storage()?;
	storage.top.insert(SlotDuration::key().to_vec(), ms.encode());
	spec.set_storage(storage);
	Ok(spec)
}
