//! The 4-validator `local` network on loopback: every node sees finality advance.

use std::time::Duration;

use medchain_node_harness::{finalized_height, run_subcommand, wait_finalized, Node};

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_finalize_on_every_node() {
	let tmp = tempfile::tempdir().unwrap();

	// Validators of a non-dev chain need a persistent network key; Alice's also gives the
	// others a bootnode address to dial.
	let alice_key = tmp.path().join("alice.key");
	let (stdout, stderr) =
		run_subcommand(&["key", "generate-node-key", "--file", alice_key.to_str().unwrap()]);
	let alice_peer_id = format!("{stdout}{stderr}").trim().to_string();
	assert!(alice_peer_id.starts_with("12D3"), "unexpected peer id {alice_peer_id:?}");

	let mut nodes = vec![Node::start(
		"alice",
		tmp.path(),
		&[
			"--chain",
			"local",
			"--alice",
			"--node-key-file",
			alice_key.to_str().unwrap(),
			"--no-prometheus",
		],
	)];
	let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{alice_peer_id}", nodes[0].p2p_port);
	for name in ["bob", "charlie", "dave"] {
		let key = tmp.path().join(format!("{name}.key"));
		run_subcommand(&["key", "generate-node-key", "--file", key.to_str().unwrap()]);
		let flag = format!("--{name}");
		nodes.push(Node::start(
			name,
			tmp.path(),
			&[
				"--chain",
				"local",
				&flag,
				"--node-key-file",
				key.to_str().unwrap(),
				"--bootnodes",
				&bootnode,
				"--no-prometheus",
			],
		));
	}

	let mut clients = Vec::new();
	for node in nodes.iter_mut() {
		clients.push(node.rpc().await);
	}

	// Finality needs 3 of the 4 votes, so it advancing on every node shows that the
	// validators found each other and vote.
	for (node, rpc) in nodes.iter().zip(&clients) {
		wait_finalized(node, rpc, 3, Duration::from_secs(240)).await;
	}
	let heights: Vec<u64> = {
		let mut h = Vec::new();
		for rpc in &clients {
			h.push(finalized_height(rpc).await);
		}
		h
	};
	for (node, rpc) in nodes.iter().zip(&clients) {
		wait_finalized(node, rpc, heights.iter().max().unwrap() + 1, Duration::from_secs(120))
			.await;
	}
}
