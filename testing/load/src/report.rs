//! The figures of each measured workload, from the blocks that carried it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
	follow::{BlockStats, Limits},
	setup::Phase,
};

/// One workload's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
	pub workload: String,
	pub sent: usize,
	pub succeeded: usize,
	pub failed: usize,
	/// Refused by the pool, or accepted but never in a finalized block.
	pub missing: usize,
	/// Found in more than one finalized block (must be zero).
	pub duplicated: usize,
	/// Successes by call, over every block of the wave (they add up to `succeeded`).
	pub by_call: BTreeMap<String, u32>,
	/// Blocks the rate is measured over (see [`sustained`]).
	pub blocks: usize,
	pub seconds: f64,
	/// Successful extrinsics per second, sustained.
	pub tps: f64,
	/// Record operations (records added, reads recorded, dispenses) per second, sustained: a
	/// batch of reads counts each read, a batch of writes each record.
	pub record_ops: f64,
	/// Normal-class ref time used, as a share of its limit: mean and peak over those blocks.
	pub weight_share: f64,
	pub peak_weight_share: f64,
	/// Bytes of extrinsics as a share of the normal-class length limit.
	pub length_share: f64,
	/// What one call is charged up front: its benchmarked worst case, extensions and base
	/// extrinsic (ms).
	pub call_ms: f64,
	/// What one call was charged after refunds: the blocks' normal ref time ÷ their
	/// extrinsics (ms).
	pub charged_ms: f64,
	/// The rate the weights allow: normal ref time ÷ per-call charge after refunds ÷ block time.
	pub ceiling_tps: f64,
	pub share_of_ceiling: f64,
	/// `tps` over the transfer rate of the same run.
	pub ratio_to_transfers: Option<f64>,
	/// Seconds spent signing the workload before its window.
	pub signing_s: f64,
	/// From a block's timestamp to its finality, over the blocks measured: mean and worst (ms).
	pub finality_lag_ms: f64,
	pub peak_finality_lag_ms: u64,
}

/// The blocks a sustained rate is read from: every block with this wave's extrinsics but,
/// once there are at least four, not the first and last (filled only in part while the
/// submission started and as the pool drained).
pub fn sustained(busy: &[BlockStats]) -> &[BlockStats] {
	if busy.len() >= 4 {
		&busy[1..busy.len() - 1]
	} else {
		busy
	}
}

/// The figures of one measured phase; `weights` holds each call's ref time without the base.
pub fn figures(phase: &Phase, limits: &Limits, weights: &BTreeMap<String, u64>) -> Figures {
	let result = &phase.result;
	let window = sustained(result.busy_blocks());
	// The time a block covers is the gap to the block before it.
	let seconds: f64 = window
		.iter()
		.map(|b| {
			let before = result.blocks.iter().find(|p| p.number + 1 == b.number);
			before.map_or(limits.block_ms, |p| b.timestamp_ms.saturating_sub(p.timestamp_ms)) as f64
				/ 1000.0
		})
		.sum();
	let successes: u32 = window.iter().map(BlockStats::successes).sum();
	let ops: u64 = window
		.iter()
		.flat_map(|b| &b.succeeded)
		.map(|(call, count)| u64::from(*count) * record_ops(call, phase))
		.sum();
	let share = |b: &BlockStats| b.ref_time as f64 / limits.normal_ref_time as f64;
	let n = window.len().max(1) as f64;

	let mut by_call = BTreeMap::new();
	for block in &result.blocks {
		for (call, count) in &block.succeeded {
			*by_call.entry(call.clone()).or_insert(0) += count;
		}
	}
	// The mean charge of one extrinsic of this workload, weighted by what was sent.
	let mut sent_by_call: BTreeMap<&str, usize> = BTreeMap::new();
	for tx in &phase.txs {
		*sent_by_call.entry(&tx.call).or_default() += 1;
	}
	let charged: f64 = sent_by_call
		.iter()
		.map(|(call, count)| {
			(weights.get(*call).copied().unwrap_or(0) + limits.base_extrinsic) as f64
				* *count as f64
		})
		.sum::<f64>()
		/ phase.txs.len().max(1) as f64;
	// Calls refund what their worst case did not use, so the blocks tell the real charge.
	let used: f64 = window.iter().map(|b| b.ref_time as f64).sum();
	let charged_after = if successes > 0 { used / f64::from(successes) } else { charged };
	let block_s = limits.block_ms as f64 / 1000.0;
	let ceiling = limits.normal_ref_time as f64 / charged_after / block_s;
	let per_second = |count: f64| if seconds > 0.0 { count / seconds } else { 0.0 };
	let tps = per_second(f64::from(successes));
	Figures {
		workload: phase.name.clone(),
		sent: phase.txs.len(),
		succeeded: result.succeeded(),
		failed: result.failed().len(),
		missing: result.missing().len(),
		duplicated: result.duplicated().len(),
		by_call,
		blocks: window.len(),
		seconds,
		tps,
		record_ops: per_second(ops as f64),
		weight_share: window.iter().map(share).sum::<f64>() / n,
		peak_weight_share: window.iter().map(share).fold(0.0, f64::max),
		length_share: window.iter().map(|b| b.length as f64).sum::<f64>()
			/ n / f64::from(limits.normal_length),
		call_ms: charged / 1e9,
		charged_ms: charged_after / 1e9,
		ceiling_tps: ceiling,
		share_of_ceiling: if ceiling > 0.0 { tps / ceiling } else { 0.0 },
		ratio_to_transfers: None,
		signing_s: phase.signing_s,
		finality_lag_ms: window.iter().map(|b| b.finality_lag_ms as f64).sum::<f64>() / n,
		peak_finality_lag_ms: window.iter().map(|b| b.finality_lag_ms).max().unwrap_or(0),
	}
}

/// How many record operations one successful `call` of `phase` is: a batch counts each of its
/// records.
fn record_ops(call: &str, phase: &Phase) -> u64 {
	match call {
		"Records.add_record" | "Records.record_read" | "Records.dispense" => 1,
		"Records.record_reads" => phase.read_batch as u64,
		"Records.add_records" => phase.write_batch as u64,
		_ => 0,
	}
}

/// Fills in each workload's ratio to the transfer baseline.
pub fn relate_to_transfers(all: &mut [Figures]) {
	let baseline = all
		.iter()
		.find(|f| f.workload == "Balances.transfer_keep_alive")
		.map(|f| f.tps)
		.filter(|tps| *tps > 0.0);
	for f in all {
		f.ratio_to_transfers = baseline.map(|b| f.tps / b);
	}
}

/// A Markdown table of every workload.
pub fn table(all: &[Figures]) -> String {
	let mut out = String::from(
		"| workload | sent | ok | failed | missing | blocks | tx/s | record ops/s | weight used | \
		 call (ms) up front / charged | ceiling tx/s | of ceiling | vs transfers | finality lag (s) |\n\
		 |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	);
	for f in all {
		out.push_str(&format!(
			"| {} | {} | {} | {} | {} | {} | {:.1} | {} | {:.0}% (peak {:.0}%) | {:.3} / {:.3} | {:.0} | {:.0}% | {} | {:.1} (worst {:.1}) |\n",
			f.workload,
			f.sent,
			f.succeeded,
			f.failed,
			f.missing,
			f.blocks,
			f.tps,
			if f.record_ops > 0.0 { format!("{:.1}", f.record_ops) } else { "–".into() },
			f.weight_share * 100.0,
			f.peak_weight_share * 100.0,
			f.call_ms,
			f.charged_ms,
			f.ceiling_tps,
			f.share_of_ceiling * 100.0,
			f.ratio_to_transfers.map_or("–".into(), |r| format!("{r:.2}")),
			f.finality_lag_ms / 1000.0,
			f.peak_finality_lag_ms as f64 / 1000.0,
		));
	}
	out
}
