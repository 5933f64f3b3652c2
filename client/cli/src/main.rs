//! `medchain`: the command-line client of MedChain, for patients, clinicians and verifiers.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() {
	let args = cli::args::Cli::parse();
	let json = args.json;
	if let Err(err) = cli::commands::run(args).await {
		let code = err.exit_code();
		if json {
			println!("{}", serde_json::json!({ "error": err.to_string(), "exit_code": code }));
		} else {
			eprintln!("error: {err}");
			if let Some(hint) = err.hint() {
				eprintln!("hint: {hint}");
			}
		}
		std::process::exit(code);
	}
}
