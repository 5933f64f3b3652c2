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
	// 25 accounts per role, 8 calls each: 200 of every workload (the largest grants too, and
	// 200 batches of 16 records), a few hundred in the mix.
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
			"Records.add_records",
			"Records.record_read",
			"Records.record_reads",
			"Records.dispense",
			"Consent.request_access",
			"Consent.grant (1 envelope)",
			"Consent.grant (64 envelopes)",
			"Records.record_reads (32, largest grants)",
			"Records.record_read (ending a 64-key grant)",
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
	let batch = measured.iter().find(|p| p.name == "Records.add_records").unwrap().write_batch;
	assert_eq!(batch, 16, "each batch writes the most records one extrinsic takes");
	let longest = measured.iter().find(|p| p.name.starts_with("Records.record_reads (32")).unwrap();
	assert_eq!(longest.read_batch, 32, "the worst case reads the most records a batch takes");
	// Each read of the last worst case ended its one-time grant (and took its 64 keys back):
	// no doctor holds a grant with uses left.
	let chain = run.follower.chain();
	for doctor in &run.accounts.doctors {
		let view = medchain_client::runtime::medchain::view_functions()
			.consent()
			.held_grants(doctor.account_id());
		let held = chain.view(view).await.unwrap();
		assert!(
			held.iter().all(|(_, g)| g.uses_left.is_none()),
			"a one-time grant outlived its read"
		);
	}
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
		// A batch counts each of its records as a record operation.
		let ops_per_tx = match phase.name.as_str() {
			"Records.record_reads" => phase.read_batch as f64,
			"Records.add_records" => phase.write_batch as f64,
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

#[tokio::test(flavor = "multi_thread")]
async fn the_link_latency_run_opens_every_link_once() {
	let dir = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("links", dir.path(), &["--no-prometheus"]);
	node.rpc().await;
	let figures = medchain_load::links::measure(&node.rpc_url(), 3, 4096, dir.path())
		.await
		.unwrap_or_else(|e| panic!("the run stopped: {e:#}\n{}", node.log_tail()));
	assert_eq!(figures.seconds.len(), 3);
	assert!(figures.median_s <= figures.p90_s && figures.p90_s <= figures.max_s);
}
