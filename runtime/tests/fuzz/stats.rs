//! The campaign's figures: calls per outcome, per call and per pallet, errors hit, blocks.

use std::{cell::RefCell, collections::BTreeMap, time::Duration};

pub enum Outcome {
	Ok,
	/// A pallet error, by name.
	Err(&'static str),
	/// Any other dispatch error (bad origin, token errors...).
	Other(String),
}

#[derive(Default, Clone)]
pub struct Stats {
	pub cases: u64,
	pub calls: u64,
	pub blocks: u64,
	/// Grants that ended by expiring (swept by the consent pallet's on_idle, or at use).
	pub expired: u64,
	pub raw: u64,
	pub raw_decoded: u64,
	/// `Pallet.call` -> (succeeded, failed).
	pub per_call: BTreeMap<String, (u64, u64)>,
	/// `Pallet.call: error` -> count.
	pub errors: BTreeMap<String, u64>,
}

thread_local! {
	static STATS: RefCell<Stats> = RefCell::new(Stats::default());
}

pub fn with<R>(f: impl FnOnce(&mut Stats) -> R) -> R {
	STATS.with(|s| f(&mut s.borrow_mut()))
}

pub fn snapshot() -> Stats {
	with(|s| s.clone())
}

impl Stats {
	pub fn record(&mut self, name: String, outcome: Outcome) {
		self.calls += 1;
		let error = match outcome {
			Outcome::Ok => None,
			Outcome::Err(e) => Some(e.to_string()),
			Outcome::Other(e) => Some(e),
		};
		let entry = self.per_call.entry(name.clone()).or_default();
		match error {
			None => entry.0 += 1,
			Some(e) => {
				entry.1 += 1;
				*self.errors.entry(format!("{name}: {e}")).or_default() += 1;
			}
		}
	}

	pub fn ok(&self) -> u64 {
		self.per_call.values().map(|(ok, _)| ok).sum()
	}

	pub fn print(&self, elapsed: Duration) {
		let secs = elapsed.as_secs_f64().max(1e-9);
		println!(
			"fuzz: {} cases, {} calls ({} ok, {} failed), {} blocks, {} grants expired, \
			 raw bytes: {} tried, {} decoded; {:.1} s, {:.0} calls/s",
			self.cases,
			self.calls,
			self.ok(),
			self.calls - self.ok(),
			self.blocks,
			self.expired,
			self.raw,
			self.raw_decoded,
			secs,
			self.calls as f64 / secs,
		);
		let mut pallets: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
		for (name, (ok, err)) in &self.per_call {
			let p = pallets.entry(name.split('.').next().unwrap_or("?")).or_default();
			p.0 += ok;
			p.1 += err;
		}
		println!("per pallet (ok / failed):");
		for (p, (ok, err)) in &pallets {
			println!("  {p:<24} {ok:>10} / {err:>10}");
		}
		println!("per call (ok / failed):");
		for (c, (ok, err)) in &self.per_call {
			println!("  {c:<40} {ok:>10} / {err:>10}");
		}
		println!("errors hit ({} distinct):", self.errors.len());
		for (e, n) in &self.errors {
			println!("  {e:<64} {n:>10}");
		}
	}
}
