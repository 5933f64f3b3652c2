//! `medchain ui` through the real binary: it prints a one-time sign-in link that works once,
//! and a port already taken is a clear error, not a panic.

use std::{
	io::{BufRead, BufReader},
	process::{Command, Stdio},
	time::Duration,
};

fn medchain_ui(home: &std::path::Path, port: u16) -> std::process::Child {
	Command::new(env!("CARGO_BIN_EXE_medchain"))
		.arg("--home")
		.arg(home)
		.args(["--node", "ws://127.0.0.1:9", "ui", "--no-open", "--port", &port.to_string()])
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("medchain runs")
}

#[tokio::test]
async fn ui_prints_a_link_that_signs_in_once() {
	let home = tempfile::tempdir().unwrap();
	let mut ui = medchain_ui(home.path(), 0);
	let mut lines = BufReader::new(ui.stdout.take().unwrap()).lines();
	let first = lines.next().unwrap().unwrap();
	assert!(first.starts_with("MedChain dashboard at http://127.0.0.1:"), "{first}");
	let link = lines.next().unwrap().unwrap();
	let url = link.rsplit(' ').next().unwrap().to_string();
	assert!(url.contains("/login/"), "{link}");

	let client =
		reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
	let first = client.get(&url).send().await.unwrap();
	assert_eq!(first.status(), 303);
	assert!(first.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));
	assert_eq!(client.get(&url).send().await.unwrap().status(), 403, "the link works once");

	// A second dashboard on the same port: a message, exit code 2.
	let port: u16 = url.split(':').nth(2).unwrap().split('/').next().unwrap().parse().unwrap();
	let taken = medchain_ui(home.path(), port).wait_with_output().unwrap();
	assert_eq!(taken.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&taken.stderr);
	assert!(stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{stderr}");
	assert!(!stderr.contains("panicked"));

	ui.kill().unwrap();
	let _ = tokio::time::timeout(Duration::from_secs(5), async { ui.wait() }).await;
}
