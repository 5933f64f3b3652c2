//! What `scripts/block-drift.sh` measured: the same blocks executed again and again over hours,
//! as a Markdown summary and a chart.
//!
//! The question it answers is whether a block beyond its weight comes from a machine that runs
//! slower for a while (every block of a probe round slower together) or from one execution
//! alone (one block's figure off, the others of its round where they were). A round's speed is
//! therefore each block's share divided by that block's median over the whole run, and the
//! round's index is the median of those ratios.

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use anyhow::{bail, Context};

use crate::plots::Sample;

/// One execution of a block, as a share of its weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Execution {
	/// Seconds since the probe's first line (the clock may pass midnight).
	pub at: f64,
	pub block: u32,
	/// Per cent of the block's weight.
	pub share: f64,
	/// The cores other processes kept busy while the block ran (0 to 2 here).
	pub others: f64,
}

/// Above this many cores busy with other work, an execution measured a shared machine.
pub const QUIET: f64 = 0.5;

/// A `benchmark machine` score.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
	pub at: f64,
	pub metric: String,
	/// As the tool printed it, with its unit ("1.10 GiBs").
	pub score: String,
}

/// A `benchmark pallet` model of one extrinsic, as the probe wrote it ("base n:slope").
#[derive(Clone, Debug, PartialEq)]
pub struct Bench {
	pub at: f64,
	/// `pallet:extrinsic`.
	pub call: String,
	pub model: String,
}

/// Everything a probe file holds.
#[derive(Debug, Default)]
pub struct Probe {
	pub executions: Vec<Execution>,
	pub benches: Vec<Bench>,
	pub scores: Vec<Score>,
}

/// Reads the tab-separated lines `scripts/block-drift.sh` writes.
pub fn parse(text: &str) -> anyhow::Result<Probe> {
	let mut probe = Probe::default();
	let mut clock = Clock::default();
	for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
		let fields: Vec<&str> = line.split('\t').collect();
		let context = || format!("line {}: {line:?}", n + 1);
		let expected = if matches!(fields.get(1), Some(&"machine" | &"bench")) { 7 } else { 6 };
		if fields.len() != expected {
			bail!(
				"line {}: expected {expected} tab-separated fields, found {}",
				n + 1,
				fields.len()
			);
		}
		let at = clock.seconds(fields[0]).with_context(context)?;
		if fields[1] == "machine" {
			let (metric, score) = (fields[2].to_string(), fields[3].to_string());
			probe.scores.push(Score { at, metric, score });
		} else if fields[1] == "bench" {
			probe.benches.push(Bench {
				at,
				call: fields[2].to_string(),
				model: fields[3].to_string(),
			});
		} else {
			probe.executions.push(Execution {
				at,
				block: fields[1].parse().with_context(context)?,
				share: fields[2].parse().with_context(context)?,
				others: fields[5].parse().with_context(context)?,
			});
		}
	}
	if probe.executions.is_empty() {
		bail!("no block executions in the probe");
	}
	Ok(probe)
}

/// Turns `HH:MM:SS` into seconds since the first line, across midnight.
#[derive(Default)]
struct Clock {
	first: Option<u32>,
	days: u32,
	last: u32,
}

impl Clock {
	fn seconds(&mut self, hms: &str) -> anyhow::Result<f64> {
		let parts: Vec<u32> =
			hms.split(':').map(str::parse).collect::<Result<_, _>>().context("not HH:MM:SS")?;
		let [h, m, s] = parts[..] else { bail!("not HH:MM:SS") };
		let now = h * 3600 + m * 60 + s;
		if now < self.last {
			self.days += 1;
		}
		self.last = now;
		let first = *self.first.get_or_insert(now);
		Ok((self.days * 86_400 + now) as f64 - first as f64)
	}
}

fn median(values: &mut [f64]) -> f64 {
	values.sort_by(f64::total_cmp);
	let n = values.len();
	if n % 2 == 1 {
		values[n / 2]
	} else {
		(values[n / 2 - 1] + values[n / 2]) / 2.0
	}
}

/// Executions while nothing else ran.
pub fn quiet(executions: &[Execution]) -> Vec<Execution> {
	executions.iter().filter(|e| e.others < QUIET).cloned().collect()
}

/// Each block's executions.
pub fn by_block(executions: &[Execution]) -> BTreeMap<u32, Vec<Execution>> {
	let mut blocks: BTreeMap<u32, Vec<Execution>> = BTreeMap::new();
	for e in executions {
		blocks.entry(e.block).or_default().push(e.clone());
	}
	blocks
}

/// A probe round: the executions between two `benchmark machine` runs.
pub struct Round {
	pub at: f64,
	/// The median over the round's blocks of each share ÷ that block's median share.
	pub index: f64,
	pub slowest: f64,
	pub fastest: f64,
	pub busy: bool,
	pub benches: Vec<Bench>,
	pub scores: Vec<Score>,
}

/// Splits the probe into rounds (each ends with its benchmarks and machine scores) and
/// indexes each.
pub fn rounds(probe: &Probe) -> Vec<Round> {
	let medians: BTreeMap<u32, f64> = by_block(&probe.executions)
		.into_iter()
		.map(|(b, es)| (b, median(&mut es.iter().map(|e| e.share).collect::<Vec<_>>())))
		.collect();
	let mut rounds = Vec::new();
	let mut current: Vec<&Execution> = Vec::new();
	let mut executions = probe.executions.iter().peekable();
	let mut scores = probe.scores.iter().peekable();
	loop {
		// A round is every execution before the next score, then every score until the
		// next execution.
		while let Some(e) = executions.next_if(|e| scores.peek().is_none_or(|s| e.at <= s.at)) {
			current.push(e);
		}
		let next = executions.peek().map(|e| e.at);
		let before_next = |at: f64| next.is_none_or(|n| at < n);
		let mut round_scores = Vec::new();
		while let Some(s) = scores.next_if(|s| before_next(s.at)) {
			round_scores.push(s.clone());
		}
		let start = current.first().map_or(f64::MIN, |e| e.at);
		let round_benches: Vec<Bench> =
			probe.benches.iter().filter(|b| b.at >= start && before_next(b.at)).cloned().collect();
		if current.is_empty() {
			break;
		}
		let mut ratios: Vec<f64> = current.iter().map(|e| e.share / medians[&e.block]).collect();
		rounds.push(Round {
			at: current[0].at,
			index: median(&mut ratios),
			slowest: ratios.iter().copied().fold(f64::MIN, f64::max),
			fastest: ratios.iter().copied().fold(f64::MAX, f64::min),
			busy: current.iter().any(|e| e.others >= QUIET),
			benches: round_benches,
			scores: round_scores,
		});
		current.clear();
	}
	rounds
}

/// The Markdown summary: each block over the quiet rounds and over all, then each round.
pub fn summary(probe: &Probe, names: &BTreeMap<u32, String>) -> String {
	let mut out = String::new();
	let all = by_block(&probe.executions);
	let quiet = by_block(&quiet(&probe.executions));
	let _ = writeln!(
		out,
		"| block | call | quiet probes | min | median | max | max ÷ median | over 100 % | all probes: max |"
	);
	let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|");
	for (block, executions) in &all {
		let shares = |es: &[Execution]| es.iter().map(|e| e.share).collect::<Vec<_>>();
		let mut q = quiet.get(block).map(|es| shares(es)).unwrap_or_default();
		let max_all = shares(executions).into_iter().fold(f64::MIN, f64::max);
		let name = names.get(block).map_or("", String::as_str);
		if q.is_empty() {
			let _ = writeln!(out, "| {block} | {name} | 0 | | | | | | {max_all:.1} % |");
			continue;
		}
		let over = q.iter().filter(|s| **s > 100.0).count();
		let (min, max) = (
			q.iter().copied().fold(f64::MAX, f64::min),
			q.iter().copied().fold(f64::MIN, f64::max),
		);
		let mid = median(&mut q);
		let _ = writeln!(
			out,
			"| {block} | {name} | {} | {min:.1} % | {mid:.1} % | {max:.1} % | {:.2} | {over} | {max_all:.1} % |",
			q.len(),
			max / mid,
		);
	}
	let calls = first_seen(probe.benches.iter().map(|b| b.call.as_str()));
	let metrics = first_seen(probe.scores.iter().map(|s| s.metric.as_str()));
	let _ = writeln!(out);
	let _ = write!(out, "| round (min) | index | fastest ÷ median | slowest ÷ median | busy |");
	for c in &calls {
		let _ = write!(out, " {c} (µs) |");
	}
	for m in &metrics {
		let _ = write!(out, " {m} |");
	}
	let _ = writeln!(out);
	let _ = writeln!(
		out,
		"|---:|---:|---:|---:|---|{}{}",
		"---|".repeat(calls.len()),
		"---:|".repeat(metrics.len())
	);
	for r in rounds(probe) {
		let _ = write!(
			out,
			"| {:.0} | {:.3} | {:.3} | {:.3} | {} |",
			r.at / 60.0,
			r.index,
			r.fastest,
			r.slowest,
			if r.busy { "yes" } else { "" }
		);
		for c in &calls {
			cell(&mut out, r.benches.iter().find(|b| b.call == *c).map(|b| b.model.as_str()));
		}
		for m in &metrics {
			cell(&mut out, r.scores.iter().find(|s| s.metric == *m).map(|s| s.score.as_str()));
		}
		let _ = writeln!(out);
	}
	out
}

/// Each name once, in the order the probe wrote it.
fn first_seen<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
	let mut seen = Vec::new();
	for name in names {
		if !seen.contains(&name) {
			seen.push(name);
		}
	}
	seen
}

/// A table cell: the value, or empty where the round has none.
fn cell(out: &mut String, value: Option<&str>) {
	let _ = write!(out, " {} |", value.unwrap_or(""));
}

/// Reads `probe` and writes `drift.md` and `drift.png` into `out`.
pub fn report(probe: &Path, names: &BTreeMap<u32, String>, out: &Path) -> anyhow::Result<()> {
	let text =
		std::fs::read_to_string(probe).with_context(|| format!("reading {}", probe.display()))?;
	let probe = parse(&text).with_context(|| format!("in {}", probe.display()))?;
	std::fs::create_dir_all(out)?;
	std::fs::write(out.join("drift.md"), summary(&probe, names))?;
	crate::plots::load_font()?;
	let series: Vec<(String, Vec<Sample>)> = by_block(&probe.executions)
		.into_iter()
		.map(|(block, es)| {
			let name = names
				.get(&block)
				.map_or_else(|| format!("block {block}"), |n| format!("{block}: {n}"));
			let samples = es.iter().map(|e| Sample {
				minute: e.at / 60.0,
				share: e.share,
				shared: e.others >= QUIET,
			});
			(name, samples.collect())
		})
		.collect();
	crate::plots::drift(&out.join("drift.png"), &series)
}

#[cfg(test)]
mod tests {
	use super::*;

	const PROBE: &str = "23:59:00\t10\t80.0\t0.3\t0.0\t0.10\n\
		23:59:10\t11\t90.0\t0.4\t0.0\t0.20\n\
		23:59:15\tbench\tpallet_records:record_reads\t131.6 n:45.5\t0.5\t-\t-\n\
		23:59:20\tmachine\tBLAKE2-256\t1.10 GiBs\t-\t-\t-\n\
		23:59:20\tmachine\tCopy\t8.46 GiBs\t-\t-\t-\n\
		00:04:00\t10\t120.0\t2.1\t0.0\t1.10\n\
		00:04:10\t11\t99.0\t2.0\t0.0\t0.90\n\
		00:04:20\tmachine\tBLAKE2-256\t900.00 MiBs\t-\t-\t-\n\
		00:04:20\tmachine\tCopy\t7.00 GiBs\t-\t-\t-\n";

	#[test]
	fn a_probe_is_read_across_midnight() {
		let probe = parse(PROBE).unwrap();
		assert_eq!(probe.executions.len(), 4);
		assert_eq!(probe.executions[2].at, 300.0);
		assert_eq!(probe.scores[0].score, "1.10 GiBs");
		assert_eq!(probe.benches[0].call, "pallet_records:record_reads");
	}

	#[test]
	fn a_round_is_indexed_against_each_blocks_median() {
		let probe = parse(PROBE).unwrap();
		let rounds = rounds(&probe);
		assert_eq!(rounds.len(), 2);
		// Block 10's median is 100, block 11's 94.5.
		assert!((rounds[1].slowest - 1.2).abs() < 1e-9);
		assert!(rounds[1].busy && !rounds[0].busy);
		assert_eq!(rounds[1].scores.len(), 2);
		assert_eq!(rounds[0].benches[0].model, "131.6 n:45.5");
		assert!(rounds[1].benches.is_empty());
	}

	#[test]
	fn busy_executions_are_kept_out_of_the_quiet_columns() {
		let summary = summary(&parse(PROBE).unwrap(), &BTreeMap::new());
		// Block 10: one quiet execution at 80 %, and 120 % while busy.
		assert!(
			summary.contains("| 10 |  | 1 | 80.0 % | 80.0 % | 80.0 % | 1.00 | 0 | 120.0 % |"),
			"{summary}"
		);
	}

	#[test]
	fn a_malformed_line_says_where() {
		let err = parse("23:00:00\t10\tfast\t0.1\t0.0\t0.1\n").unwrap_err();
		assert!(format!("{err:#}").contains("line 1"), "{err:#}");
	}
}
