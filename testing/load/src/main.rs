//! `medchain-load`: sets up fresh accounts on a running MedChain dev chain, measures every
//! workload, and prints (and writes) its figures. See docs/performance.md.

use std::{collections::BTreeMap, path::PathBuf};

use anyhow::Context;
use clap::Parser;
use medchain_load::{
	follow::Limits,
	plots,
	report::{self, Figures},
	setup::Run,
};

/// Measures MedChain's capacity: the chain's rate for every call, and the client's side of
/// an upload.
#[derive(Parser)]
#[command(version)]
enum Cli {
	/// Every workload against a running node, counted from finalized blocks.
	Chain(ChainArgs),
	/// Encrypt + UnixFS import against the AEAD and SHA-256 speeds, and the peak memory of
	/// uploading and reading back a large file.
	Client {
		/// The large file's size in MiB.
		#[arg(long, default_value = "1024")]
		file_mib: u64,
		/// Where report-client.json goes.
		#[arg(long, default_value = "target/load")]
		out: PathBuf,
	},
	/// How long SMART Health Links take to open (manifest request to decrypted bundle), each
	/// opening recorded on chain by a share host started here.
	Links {
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		url: String,
		/// How many links to open.
		#[arg(long, default_value = "20")]
		count: usize,
		/// The shared file's size in KiB.
		#[arg(long, default_value = "256")]
		file_kib: usize,
		/// Where report-links.json goes.
		#[arg(long, default_value = "target/load")]
		out: PathBuf,
	},
	/// Summarises what `scripts/block-drift.sh` measured: drift.md (each block's spread, each
	/// probe round's speed and machine scores) and drift.png.
	Drift {
		/// The probe's tab-separated output.
		probe: PathBuf,
		/// Lines of a block number and its call ("10 Balances.transfer_keep_alive"), to name
		/// the blocks.
		#[arg(long)]
		names: Option<PathBuf>,
		#[arg(long, default_value = "target/load/drift")]
		out: PathBuf,
	},
}

#[derive(clap::Args)]
struct ChainArgs {
	/// A node's WebSocket RPC address; give several to spread submission over a network.
	#[arg(long = "url", default_value = "ws://127.0.0.1:9944")]
	urls: Vec<String>,
	/// WebSocket connections per node.
	#[arg(long, default_value = "4")]
	connections: usize,
	/// Accounts per role (patients, doctors, pharmacies): the number of senders.
	#[arg(long, default_value = "200")]
	accounts: usize,
	/// Calls each sender makes per workload (at most 16).
	#[arg(long, default_value = "8")]
	per_sender: usize,
	/// Extrinsics in flight at once.
	#[arg(long, default_value = "512")]
	window: usize,
	/// Where report.json and the charts go.
	#[arg(long, default_value = "target/load")]
	out: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	match Cli::parse() {
		Cli::Chain(args) => chain(args).await,
		Cli::Links { url, count, file_kib, out } => {
			std::fs::create_dir_all(&out)?;
			let dir = tempfile::tempdir_in(&out)?;
			let figures =
				medchain_load::links::measure(&url, count.max(1), file_kib * 1024, dir.path())
					.await?;
			println!("{}", serde_json::to_string_pretty(&figures)?);
			std::fs::write(out.join("report-links.json"), serde_json::to_vec_pretty(&figures)?)?;
			Ok(())
		}
		Cli::Drift { probe, names, out } => {
			let names = match names {
				Some(path) => block_names(&path)?,
				None => BTreeMap::new(),
			};
			medchain_load::drift::report(&probe, &names, &out)?;
			eprintln!(
				"wrote {} and {}",
				out.join("drift.md").display(),
				out.join("drift.png").display()
			);
			Ok(())
		}
		Cli::Client { file_mib, out } => {
			std::fs::create_dir_all(&out)?;
			let blocks = tempfile::tempdir_in(&out)?;
			let figures = tokio::task::spawn_blocking(move || {
				medchain_load::client::measure(file_mib, blocks.path())
			})
			.await??;
			println!("{}", serde_json::to_string_pretty(&figures)?);
			std::fs::write(out.join("report-client.json"), serde_json::to_vec_pretty(&figures)?)?;
			Ok(())
		}
	}
}

/// Reads "NUMBER NAME" lines.
fn block_names(path: &std::path::Path) -> anyhow::Result<BTreeMap<u32, String>> {
	let text =
		std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
	text.lines()
		.filter(|l| !l.trim().is_empty())
		.map(|line| {
			let (number, name) = line.trim().split_once(' ').with_context(|| {
				format!("{}: {line:?} is not a block number and a name", path.display())
			})?;
			let number = number.parse().with_context(|| format!("{}: {line:?}", path.display()))?;
			Ok((number, name.trim().to_string()))
		})
		.collect()
}

async fn chain(args: ChainArgs) -> anyhow::Result<()> {
	let mut run =
		Run::new(&args.urls, args.connections, args.accounts, args.per_sender, args.window)
			.await
			.with_context(|| format!("connecting to {}", args.urls.join(", ")))?;
	run.all().await?;
	let limits = run.follower.limits().await?;
	let figures = measure(&run, &limits).await?;
	println!("{}", report::table(&figures));
	std::fs::create_dir_all(&args.out)?;
	let path = args.out.join("report.json");
	std::fs::write(&path, serde_json::to_vec_pretty(&report_json(&run, &limits, &figures))?)?;
	eprintln!("wrote {}", path.display());
	plots::load_font()?;
	let series: Vec<(String, Vec<(f64, u32)>)> = run
		.phases
		.iter()
		.filter(|p| p.measured)
		.map(|p| {
			let busy = p.result.busy_blocks();
			let start = busy.first().map_or(0, |b| b.timestamp_ms);
			let points = busy
				.iter()
				.map(|b| (b.timestamp_ms.saturating_sub(start) as f64 / 1000.0, b.successes()))
				.collect();
			(p.name.clone(), points)
		})
		.collect();
	for (name, draw) in [
		("per-block.png", plots::per_block(&args.out.join("per-block.png"), &series)),
		("ratios.png", plots::ratios(&args.out.join("ratios.png"), &figures)),
	] {
		draw.with_context(|| format!("drawing {name}"))?;
		eprintln!("wrote {}", args.out.join(name).display());
	}
	Ok(())
}

/// Every measured phase's figures, with each call's weight asked of the runtime per phase:
/// one call weighs differently in different workloads (a grant of 1 or of 64 envelopes).
async fn measure(run: &Run, limits: &Limits) -> anyhow::Result<Vec<Figures>> {
	let mut all = Vec::new();
	for phase in run.phases.iter().filter(|p| p.measured) {
		let mut weights = BTreeMap::new();
		for tx in &phase.txs {
			if !weights.contains_key(&tx.call) {
				weights.insert(tx.call.clone(), run.follower.weight_of(tx).await?);
			}
		}
		all.push(report::figures(phase, limits, &weights));
	}
	report::relate_to_transfers(&mut all);
	Ok(all)
}

fn report_json(run: &Run, limits: &Limits, figures: &[Figures]) -> serde_json::Value {
	let blocks: BTreeMap<&str, _> = run
		.phases
		.iter()
		.filter(|p| p.measured)
		.map(|p| (p.name.as_str(), &p.result.blocks))
		.collect();
	serde_json::json!({
		"accounts_per_role": run.accounts.n(),
		"per_sender": run.per_sender,
		"window": run.window,
		"limits": limits,
		"workloads": figures,
		"blocks": blocks,
	})
}
