//! The harness against a real node whose ports other processes took while it was down.

use std::{net::TcpListener, time::Duration};

use medchain_node_harness::{wait_finalized, Node};
use subxt::rpcs::rpc_params;

#[tokio::test(flavor = "multi_thread")]
async fn a_node_whose_ports_were_taken_moves_to_free_ones() {
	let tmp = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("moved", tmp.path(), &[]);
	node.rpc_listening().await;
	let (p2p, prometheus) = (node.p2p_port, node.prometheus_port);

	// Other processes take both ports while the node is down: its restart can bind neither.
	node.kill();
	let squatters = [p2p, prometheus]
		.map(|port| TcpListener::bind(("127.0.0.1", port)).expect("the port is free again"));
	node.restart();
	node.rpc_listening().await;
	let metrics = node.metrics().await;
	// The exporter's move restarted the node once more: ask the node that runs now.
	let rpc = node.rpc_listening().await;

	let log = node.log();
	assert!(
		log.contains("litep2p started with no listen addresses"),
		"the restart on the taken p2p port did not fail to listen:\n{}",
		node.log_tail()
	);
	assert!(
		log.contains(&format!("Error binding to '127.0.0.1:{prometheus}'")),
		"the restart on the taken Prometheus port did not fail to bind:\n{}",
		node.log_tail()
	);
	assert_ne!(node.p2p_port, p2p, "still on the taken p2p port");
	assert_ne!(node.prometheus_port, prometheus, "still on the taken Prometheus port");
	let addresses: Vec<String> =
		rpc.request("system_localListenAddresses", rpc_params![]).await.unwrap();
	let tcp = format!("/tcp/{}/", node.p2p_port);
	assert!(addresses.iter().any(|a| a.contains(&tcp)), "{addresses:?} lacks {tcp}");
	assert!(metrics.contains("substrate_block_height"), "no block height metric in:\n{metrics}");
	// The node kept its chain and goes on from it.
	wait_finalized(&node, &rpc, 2, Duration::from_secs(60)).await;
	drop(squatters);
}
