//! A short run of the load tool against a real dev node: a few hundred extrinsics of every
//! workload. It checks that the tool counts right, never how fast the chain is.

use std::collections::BTreeMap;

use medchain_load::{report, setup::Run};
use medchain_node_harness::Node;

#[tokio::test(flavor = "multi_thread")]
async fn every_presigned_extrinsic_is_found_once_and_the_counts_add_up() {
	let dir = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("load", dir.path(), &["--no-prometheus"]);
	node.rpc().await;
	let url = node.rpc_url();
	// 25 accounts per role, 8 calls each: 200 of every workload (the largest grants too),
	// a few hundred in the mix.
	let mut run = Run::new(&[url], 2, 25, 8, 256).await.unwrap();
	if let Err(e) = run.all().await {
		panic!("the run stopped: {e:#}\n{}", node.log_tail());
	}

	let measured: Vec<_> = run.phases.iter().filter(|p| p.measured).collect();
	let names: Vec<&str> = measured.iter().map(|p| p.name.as_str()).collect();
	assert_eq!(
		names,
		[
			"Balances.transfer_keep_alive",
			"Appointments.request",
			"Appointments.accept",
			"Records.add_record",
			"Records.record_read",
			"Records.record_reads",
			"Records.dispense",
			"Consent.request_access",
			"Consent.grant (1 envelope)",
			"Consent.grant (64 envelopes)",
			"mix",
		]
	);
	for phase in &run.phases {
		let result = &phase.result;
		assert!(phase.txs.len() >= 25, "{}: {} extrinsics", phase.name, phase.txs.len());
		assert!(
			result.submitted.refused.is_empty(),
			"{}: {:?}",
			phase.name,
			result.submitted.refused
		);
		assert_eq!(result.missing(), Vec::<usize>::new(), "{}: never finalized", phase.name);
		assert_eq!(result.duplicated(), Vec::<usize>::new(), "{}: found twice", phase.name);
		assert_eq!(result.failed(), Vec::new(), "{}: failed", phase.name);
		for (i, found) in result.outcomes.iter().enumerate() {
			assert_eq!(found.len(), 1, "{} #{i}", phase.name);
		}
	}
	let batch = measured.iter().find(|p| p.name == "Records.record_reads").unwrap().read_batch;
	assert_eq!(batch, 7, "each batch reads all of a patient's reports");
	for phase in &measured {
		assert!(phase.txs.len() >= 200, "{}: a few hundred, not {}", phase.name, phase.txs.len());
	}

	// Counted per call from the blocks, the successes are exactly what was signed.
	let limits = run.follower.limits().await.unwrap();
	let mut weights = BTreeMap::new();
	for phase in &measured {
		for tx in &phase.txs {
			if !weights.contains_key(&tx.call) {
				let weight = run.follower.weight_of(tx).await.unwrap();
				assert!(weight > 0, "{} has a weight", tx.call);
				weights.insert(tx.call.clone(), weight);
			}
		}
	}
	for phase in &measured {
		let mut signed: BTreeMap<String, u32> = BTreeMap::new();
		for tx in &phase.txs {
			*signed.entry(tx.call.clone()).or_default() += 1;
		}
		let figures = report::figures(phase, &limits, &weights);
		assert_eq!(figures.by_call, signed, "{}", phase.name);
		assert_eq!(figures.succeeded, phase.txs.len(), "{}", phase.name);
		assert_eq!(figures.by_call.values().sum::<u32>() as usize, figures.succeeded);
		assert!(figures.tps > 0.0 && figures.ceiling_tps > 0.0, "{figures:?}");
		// A batch of reads counts each of its reads as a record operation.
		let ops_per_tx = match phase.name.as_str() {
			"Records.record_reads" => phase.read_batch as f64,
			"Records.add_record" | "Records.record_read" | "Records.dispense" => 1.0,
			_ => figures.record_ops / figures.tps,
		};
		assert!((figures.record_ops - figures.tps * ops_per_tx).abs() < 1e-6, "{figures:?}");
	}
	assert_eq!(
		measured
			.last()
			.unwrap()
			.txs
			.iter()
			.map(|t| t.call.as_str())
			.collect::<std::collections::BTreeSet<_>>()
			.len(),
		4,
		"the mix makes four kinds of call"
	);
}
