//! The MedChain node: Aura block production, GRANDPA finality, ParityDB storage.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
