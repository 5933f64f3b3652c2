//! The built-in chain specifications: `dev` (one validator) and `local` (four validators).

use medchain_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::ChainType;
use serde_json::json;

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

/// `--dev`: Alice validates alone and is the sudo key.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("MedChain Development")
		.with_id("medchain_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("MedChain Local Testnet")
		.with_id("medchain_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
