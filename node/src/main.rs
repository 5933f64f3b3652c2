//! The MedChain node: Aura block production, GRANDPA finality, ParityDB storage.

// `sc_cli::Error` and `sc_service::Error` are upstream types returned throughout the
// Substrate service API; their size is not ours to shrink.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod key_release;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
