//! The node's command line.

use sc_cli::RunCmd;

/// The MedChain node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: RunCmd,

	/// Development chains only (`--dev`, `--chain local`): a block every MS milliseconds (an
	/// even number from 500 to 6000) instead of every six seconds. Aura and GRANDPA run as usual, only faster; every
	/// duration the chain counts in blocks (grants, follow-up windows) passes faster too.
	#[arg(long, value_name = "MS", global = true)]
	pub dev_block_time: Option<u64>,

	/// Validators: the JSON-RPC URL clients reach this node at to fetch its key-release
	/// shares, announced on chain (default: `ws://127.0.0.1:<rpc port>`).
	#[arg(long, value_name = "URL")]
	pub release_endpoint: Option<String>,

	/// Testing only: answer key-release requests with wrong shares, so tests can show that
	/// readers catch a faulty validator by its proof.
	#[arg(long, hide = true)]
	pub faulty_shares: bool,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management CLI utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Export the chain specification (`--chain dev|local|PATH`) as JSON.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmarks: `benchmark pallet` generates MedChain's `weights.rs` files.
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}
