//! A real `--dev` node: it produces and finalizes blocks, and serves what wallets and
//! MedChain's client read first (properties, metadata, metrics).

use std::time::Duration;

use medchain_node_harness::{run_subcommand, wait_finalized, Node};
use subxt::{
	ext::{
		codec::{Decode, Encode},
		frame_metadata::RuntimeMetadataPrefixed,
	},
	rpcs::rpc_params,
};

/// The bytes of a `0x`-prefixed hex string returned over RPC.
fn unhex(s: &str) -> Vec<u8> {
	hex::decode(s.trim_start_matches("0x")).expect("RPC returns hex")
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_and_serves_properties_metadata_and_metrics() {
	let tmp = tempfile::tempdir().unwrap();
	let mut node = Node::start("dev", tmp.path(), &["--dev"]);
	let rpc = node.rpc().await;

	wait_finalized(&node, &rpc, 3, Duration::from_secs(180)).await;

	let props: serde_json::Value = rpc.request("system_properties", rpc_params![]).await.unwrap();
	assert_eq!(props["tokenSymbol"], "MED");
	assert_eq!(props["tokenDecimals"], 12);
	assert_eq!(props["ss58Format"], 42);

	let chain: String = rpc.request("system_chain", rpc_params![]).await.unwrap();
	assert_eq!(chain, "MedChain Development");

	// `state_getMetadata` serves V14; it must decode.
	let metadata: String = rpc.request("state_getMetadata", rpc_params![]).await.unwrap();
	let prefixed = RuntimeMetadataPrefixed::decode(&mut &unhex(&metadata)[..])
		.expect("state_getMetadata decodes");
	assert_eq!(prefixed.1.version(), 14);

	// V15 and V16 are served through the metadata runtime API, and decode too.
	let versions: String =
		rpc.request("state_call", rpc_params!["Metadata_metadata_versions", "0x"]).await.unwrap();
	let versions: Vec<u32> = Decode::decode(&mut &unhex(&versions)[..]).unwrap();
	for wanted in [15u32, 16] {
		assert!(versions.contains(&wanted), "metadata V{wanted} is not served: {versions:?}");
		let arg = format!("0x{}", hex::encode(wanted.encode()));
		let at: String = rpc
			.request("state_call", rpc_params!["Metadata_metadata_at_version", arg])
			.await
			.unwrap();
		let opaque: Option<Vec<u8>> = Decode::decode(&mut &unhex(&at)[..]).unwrap();
		let bytes = opaque.unwrap_or_else(|| panic!("metadata V{wanted} missing"));
		let prefixed = RuntimeMetadataPrefixed::decode(&mut &bytes[..]).expect("metadata decodes");
		assert_eq!(prefixed.1.version(), wanted);
	}
	// Prometheus metrics are exported.
	let body = node.metrics().await;
	assert!(body.contains("substrate_block_height"), "no block height metric in:\n{body}");
}

#[test]
fn export_chain_spec_carries_the_token_properties() {
	for chain in ["dev", "local"] {
		let (spec, _) = run_subcommand(&["export-chain-spec", "--chain", chain]);
		let spec: serde_json::Value = serde_json::from_str(&spec).expect("chain spec is JSON");
		assert_eq!(spec["properties"]["tokenSymbol"], "MED", "{chain}");
		assert_eq!(spec["properties"]["tokenDecimals"], 12, "{chain}");
		assert_eq!(spec["properties"]["ss58Format"], 42, "{chain}");
	}
}

/// subxt signs with its default extension handling (no custom types): the runtime's standard
/// transaction extensions, `CheckMetadataHash` included, need nothing MedChain-specific.
#[tokio::test(flavor = "multi_thread")]
async fn subxt_signs_transfers_and_medchain_calls_with_default_extensions() {
	use std::sync::Arc;
	use subxt::{backend::LegacyBackend, dynamic, OnlineClient, PolkadotConfig};
	use subxt_signer::sr25519::dev;

	let tmp = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("dev-subxt", tmp.path(), &["--no-prometheus"]);
	let rpc = node.rpc().await;
	wait_finalized(&node, &rpc, 1, Duration::from_secs(120)).await;

	// The legacy RPC backend: what this test checks is signing, not subxt's choice of
	// chain-following RPCs.
	let backend = LegacyBackend::builder().build(rpc.clone());
	let api = OnlineClient::<PolkadotConfig>::from_backend(Arc::new(backend)).await.unwrap();

	let transfer = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(dev::alice().public_key().to_address::<()>(), 1_000_000_000_000u128),
	);
	api.at_current_block()
		.await
		.unwrap()
		.transactions()
		.sign_and_submit_then_watch_default(&transfer, &dev::bob())
		.await
		.expect("the node accepts the signed transfer")
		.wait_for_finalized_success()
		.await
		.expect("the transfer succeeds");

	let register =
		dynamic::transaction("Registry", "register_patient", ([3u8; 32], None::<Vec<u8>>));
	let events = api
		.at_current_block()
		.await
		.unwrap()
		.transactions()
		.sign_and_submit_then_watch_default(&register, &dev::charlie())
		.await
		.expect("the node accepts the signed registration")
		.wait_for_finalized_success()
		.await
		.expect("the registration succeeds");
	assert!(
		events
			.iter()
			.filter_map(Result::ok)
			.any(|e| e.pallet_name() == "Registry" && e.event_name() == "Registered"),
		"no Registry.Registered event"
	);
}
