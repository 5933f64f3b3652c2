//! Runs cases (fresh genesis, one sequence of operations each) in batches of proptest cases
//! with seeds derived from one campaign seed, until the wanted number of calls ran. A failing
//! case is shrunk by proptest, saved to `fuzz.proptest-regressions` (replayed first by every
//! later run) and printed step by step.

use crate::{
	actors::new_ext,
	calls::{resolve, setup, Idle, Step},
	chain::Chain,
	ops::{ops, Kind, Op},
	stats::{self, Stats},
};
use proptest::test_runner::{
	Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use std::time::{Duration, Instant};

pub struct Settings {
	/// Stop after this many dispatched calls.
	pub calls: u64,
	pub seed: u64,
	/// The longest case, in operations.
	pub max_len: usize,
	/// The file whose `.proptest-regressions` sibling keeps failing seeds.
	pub source_file: &'static str,
}

impl Settings {
	/// `MEDCHAIN_FUZZ_CALLS`, `MEDCHAIN_FUZZ_SEED` and `MEDCHAIN_FUZZ_LEN` override the defaults.
	pub fn from_env(default_calls: u64, source_file: &'static str) -> Self {
		let var = |name: &str, default: u64| {
			std::env::var(name)
				.ok()
				.map(|v| v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name}: {v}")))
				.unwrap_or(default)
		};
		Settings {
			calls: var("MEDCHAIN_FUZZ_CALLS", default_calls),
			seed: var("MEDCHAIN_FUZZ_SEED", 0x4d65_6443_6861_696e),
			max_len: var("MEDCHAIN_FUZZ_LEN", 200) as usize,
			source_file,
		}
	}
}

/// Runs one case from genesis. `trace` prints each block and call with its result.
pub fn execute(ops: &[Op], trace: bool) -> Result<(), String> {
	new_ext().execute_with(|| {
		let mut chain = Chain::start(trace);
		chain.uncounted = true;
		for (signer, call) in setup() {
			let shown = format!("{call:?}");
			if let Some(e) = chain.dispatch(signer, call)? {
				// The harness's own story failing is a bug of the fuzzer, not of the runtime.
				panic!("the fuzzer's setup failed: {shown}: {e:?}");
			}
		}
		chain.next_block(1, Idle::Full)?;
		chain.uncounted = false;
		for op in ops {
			let step = resolve(op);
			if op.kind == Kind::Raw {
				stats::with(|s| {
					s.raw += 1;
					s.raw_decoded += u64::from(!matches!(step, Step::Undecodable));
				});
			}
			match step {
				Step::Block { advance, idle } => chain.next_block(advance, idle)?,
				Step::Call { signer, call } => {
					chain.dispatch(signer, *call)?;
				}
				Step::Undecodable => {}
			}
		}
		stats::with(|s| s.cases += 1);
		chain.end_block(Idle::Full)
	})
}

fn rng(seed: u64, batch: u64) -> TestRng {
	let mut bytes = [0u8; 32];
	bytes[..8].copy_from_slice(&seed.to_le_bytes());
	bytes[8..16].copy_from_slice(&batch.to_le_bytes());
	TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Runs the campaign; on failure, returns the minimal case's trace.
pub fn run(settings: &Settings) -> Result<(Stats, Duration), String> {
	let start = Instant::now();
	let mut last_report = start;
	let mut batch = 0u64;
	while stats::snapshot().calls < settings.calls {
		let config = Config {
			cases: 32,
			failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
				"proptest-regressions",
			))),
			source_file: Some(settings.source_file),
			// A failing case of 200 operations needs a few hundred runs to shrink to a handful.
			max_shrink_iters: 4096,
			..Config::default()
		};
		let mut runner = TestRunner::new_with_rng(config, rng(settings.seed, batch));
		let result = runner
			.run(&ops(settings.max_len), |ops| execute(&ops, false).map_err(TestCaseError::fail));
		match result {
			Ok(()) => {}
			Err(TestError::Fail(reason, minimal)) => {
				println!("fuzz: minimal failing case ({} operations): {minimal:#?}", minimal.len());
				println!("fuzz: its trace:");
				let again = execute(&minimal, true);
				return Err(format!(
					"batch {batch} of seed {:#x}: {reason}\nreplayed: {again:?}",
					settings.seed
				));
			}
			Err(e) => return Err(format!("batch {batch}: {e}")),
		}
		batch += 1;
		if last_report.elapsed() > Duration::from_secs(30) {
			last_report = Instant::now();
			let s = stats::snapshot();
			let secs = start.elapsed().as_secs_f64();
			println!(
				"fuzz: {} calls, {} blocks, {} cases in {secs:.0} s ({:.0} calls/s)",
				s.calls,
				s.blocks,
				s.cases,
				s.calls as f64 / secs
			);
		}
	}
	Ok((stats::snapshot(), start.elapsed()))
}
