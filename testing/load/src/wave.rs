//! A wave: submit a list of signed extrinsics, then read finalized blocks until every one that
//! the pool accepted is found (or the chain stops including them), and account for each.

use std::{
	collections::HashMap,
	time::{Duration, Instant},
};

use anyhow::bail;
use subxt::utils::H256;
use tokio::sync::watch;

use crate::{
	follow::{BlockStats, Follower, Outcome},
	presign::Signed,
	submit::{Submitted, Submitter},
};

/// Finalized blocks without a new inclusion, once everything is submitted, after which the
/// rest counts as missing.
const STALL_BLOCKS: u64 = 12;

/// What became of one wave.
#[derive(Debug, Default)]
pub struct WaveResult {
	/// Every finalized block read, from the first after submission began.
	pub blocks: Vec<BlockStats>,
	/// Each submitted extrinsic's outcomes, by its index in the list: more than one means it
	/// was included twice.
	pub outcomes: Vec<Vec<Outcome>>,
	pub submitted: Submitted,
	/// Wall-clock time from the first submission to the last block read.
	pub elapsed: Duration,
}

impl WaveResult {
	/// How many extrinsics were included and succeeded.
	pub fn succeeded(&self) -> usize {
		self.outcomes.iter().filter(|o| o.iter().any(|o| o.error.is_none())).count()
	}

	/// The indexes of extrinsics never found in a finalized block.
	pub fn missing(&self) -> Vec<usize> {
		(0..self.outcomes.len()).filter(|i| self.outcomes[*i].is_empty()).collect()
	}

	/// The indexes of extrinsics found more than once.
	pub fn duplicated(&self) -> Vec<usize> {
		(0..self.outcomes.len()).filter(|i| self.outcomes[*i].len() > 1).collect()
	}

	/// (index, error) of every extrinsic that was included but failed.
	pub fn failed(&self) -> Vec<(usize, String)> {
		self.outcomes
			.iter()
			.enumerate()
			.flat_map(|(i, found)| found.iter().filter_map(move |o| Some((i, o.error.clone()?))))
			.collect()
	}

	/// The blocks holding at least one of this wave's extrinsics.
	pub fn busy_blocks(&self) -> &[BlockStats] {
		let has = |b: &BlockStats| b.successes() > 0 || !b.failed.is_empty();
		let first = self.blocks.iter().position(has).unwrap_or(self.blocks.len());
		let last = self.blocks.iter().rposition(has).map_or(first, |i| i + 1);
		&self.blocks[first..last]
	}

	/// Fails unless every extrinsic was accepted, included exactly once and succeeded: what a
	/// setup step needs before the next may start.
	pub fn ensure_all_succeeded(&self, txs: &[Signed], what: &str) -> anyhow::Result<()> {
		let mut problems = Vec::new();
		for (i, message) in self.submitted.refused.iter().take(3) {
			problems.push(format!("{} refused by the pool: {message}", txs[*i].call));
		}
		for (i, error) in self.failed().into_iter().take(3) {
			problems.push(format!("{} failed: {error}", txs[i].call));
		}
		let missing = self.missing().len() - self.submitted.refused.len();
		if missing > 0 {
			problems.push(format!("{missing} accepted extrinsics never reached a finalized block"));
		}
		if !self.duplicated().is_empty() {
			problems.push(format!("{} extrinsics included twice", self.duplicated().len()));
		}
		if !problems.is_empty() {
			bail!("{what}: {}", problems.join("; "));
		}
		Ok(())
	}
}

/// Submits `txs` with at most `window` in flight and follows finality until each accepted one
/// is found.
pub async fn run(
	follower: &Follower,
	submitter: &Submitter,
	txs: &[Signed],
	window: usize,
) -> anyhow::Result<WaveResult> {
	let index: HashMap<H256, usize> = txs.iter().enumerate().map(|(i, tx)| (tx.hash, i)).collect();
	let start = follower.finalized().await?;
	let started = Instant::now();
	let (done_tx, done_rx) = watch::channel(None::<usize>);
	let submit = async {
		let submitted = submitter.submit(txs, window).await;
		let _ = done_tx.send(Some(submitted.accepted));
		submitted
	};
	let follow = follow(follower, &index, txs.len(), start, done_rx);
	let (submitted, followed) = tokio::join!(submit, follow);
	let (blocks, outcomes) = followed?;
	Ok(WaveResult { blocks, outcomes, submitted, elapsed: started.elapsed() })
}

fn unix_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_millis() as u64)
}

async fn follow(
	follower: &Follower,
	index: &HashMap<H256, usize>,
	count: usize,
	start: u64,
	done: watch::Receiver<Option<usize>>,
) -> anyhow::Result<(Vec<BlockStats>, Vec<Vec<Outcome>>)> {
	let mut blocks = Vec::new();
	let mut outcomes = vec![Vec::new(); count];
	let mut found = 0usize;
	let mut next = start + 1;
	let mut last_inclusion = start;
	// When each block was first seen finalized, before reading it (reading a full block takes
	// a while, and must not count as finality lag).
	let mut seen_at: HashMap<u64, u64> = HashMap::new();
	loop {
		let finalized = follower.finalized().await?;
		let now = unix_ms();
		for number in next..=finalized {
			seen_at.entry(number).or_insert(now);
		}
		while next <= finalized {
			let (mut stats, seen) = follower.read(next).await?;
			stats.finality_lag_ms = seen_at[&next].saturating_sub(stats.timestamp_ms);
			for outcome in seen {
				if let Some(i) = index.get(&outcome.hash) {
					if outcomes[*i].is_empty() {
						found += 1;
					}
					outcomes[*i].push(outcome);
					last_inclusion = next;
				}
			}
			blocks.push(stats);
			next += 1;
		}
		if let Some(accepted) = *done.borrow() {
			if found >= accepted || finalized.saturating_sub(last_inclusion) >= STALL_BLOCKS {
				return Ok((blocks, outcomes));
			}
		}
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
}
