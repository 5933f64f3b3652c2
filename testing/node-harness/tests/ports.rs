//! The harness against a real node whose p2p port another process took while it was down.

use std::{net::TcpListener, time::Duration};

use medchain_node_harness::{wait_finalized, Node};
use subxt::rpcs::rpc_params;

#[tokio::test(flavor = "multi_thread")]
async fn a_node_whose_p2p_port_was_taken_moves_to_a_free_one() {
	let tmp = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("moved", tmp.path(), &["--no-prometheus"]);
	node.rpc_listening().await;
	let first = node.p2p_port;

	// Another process takes the port while the node is down: its restart cannot listen.
	node.kill();
	let squatter = TcpListener::bind(("127.0.0.1", first)).expect("the port is free again");
	node.restart();
	let rpc = node.rpc_listening().await;

	assert!(
		node.log().contains("litep2p started with no listen addresses"),
		"the restart on the taken port did not fail to listen:\n{}",
		node.log_tail()
	);
	assert_ne!(node.p2p_port, first, "still on the taken port");
	let addresses: Vec<String> =
		rpc.request("system_localListenAddresses", rpc_params![]).await.unwrap();
	let tcp = format!("/tcp/{}/", node.p2p_port);
	assert!(addresses.iter().any(|a| a.contains(&tcp)), "{addresses:?} lacks {tcp}");
	// The node kept its chain and goes on from it.
	wait_finalized(&node, &rpc, 2, Duration::from_secs(60)).await;
	drop(squatter);
}
