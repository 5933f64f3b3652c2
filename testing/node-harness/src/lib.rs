//! Starts real `medchain-node` processes on free loopback ports and talks to them over RPC:
//! the harness of the node's and the client's integration tests.

use std::{
	collections::BTreeSet,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Mutex,
	time::{Duration, Instant},
};

pub mod ipfs;

use subxt::rpcs::{rpc_params, RpcClient};

/// How long a starting node may take to serve RPC or its Prometheus exporter.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The node binary: `$MEDCHAIN_NODE_BIN`, else the one cargo built beside the running test
/// (`<target>/<profile>/deps/<test>` → `<target>/<profile>/medchain-node`; `cargo test
/// --workspace` builds every binary before it runs any test).
pub fn node_binary() -> PathBuf {
	if let Some(bin) = std::env::var_os("MEDCHAIN_NODE_BIN") {
		return bin.into();
	}
	let exe = std::env::current_exe().expect("the test knows its own path");
	let profile_dir =
		exe.parent().and_then(Path::parent).expect("tests run from <target>/<profile>/deps");
	let bin = profile_dir.join("medchain-node");
	assert!(
		bin.exists(),
		"{} is missing: build it (cargo build --release -p medchain-node) or set MEDCHAIN_NODE_BIN",
		bin.display()
	);
	bin
}

/// A port nobody listens on right now, and that this process has not handed out before: the
/// OS may offer a just-released port again, and two nodes must never be given the same one.
pub fn free_port() -> u16 {
	static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
	let mut given = GIVEN.lock().expect("port registry lock");
	loop {
		let port = TcpListener::bind("127.0.0.1:0")
			.and_then(|l| l.local_addr())
			.map(|a| a.port())
			.expect("the OS hands out a free loopback port");
		if given.insert(port) {
			return port;
		}
	}
}

/// The block time, in milliseconds, of the development nodes started by tests of MedChain's
/// rules: they wait for blocks, not for consensus, so a block every second instead of six
/// makes them several times faster. The fault tests and one end-to-end story keep six seconds.
pub const RULES_BLOCK_TIME_MS: u64 = 1000;

/// A running node; killed when dropped, so a failing test leaves no process behind.
pub struct Node {
	pub name: String,
	pub rpc_port: u16,
	pub p2p_port: u16,
	pub prometheus_port: u16,
	child: Child,
	log: PathBuf,
	/// Where the current run's lines begin in the log.
	run_from: u64,
	command: Vec<std::ffi::OsString>,
}

impl Node {
	/// Starts the node with `args`, its data in `base`, listening on loopback only.
	pub fn start(name: &str, base: &Path, args: &[&str]) -> Node {
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let log = base.join(format!("{name}.log"));
		let mut command: Vec<std::ffi::OsString> = Vec::new();
		if !args.contains(&"--no-prometheus") {
			command.extend(["--prometheus-port".into(), prometheus_port.to_string().into()]);
		}
		command.extend(args.iter().map(Into::into));
		command.extend(["--base-path".into(), base.join(name).into_os_string()]);
		command.extend(["--rpc-port".into(), rpc_port.to_string().into()]);
		command.extend(["--listen-addr".into(), listen_addr(p2p_port).into()]);
		command.extend(["--no-telemetry", "--no-mdns", "--name", name].map(Into::into));
		let (child, run_from) = spawn(&command, &log);
		Node {
			name: name.into(),
			rpc_port,
			p2p_port,
			prometheus_port,
			child,
			log,
			run_from,
			command,
		}
	}

	/// A development node (`--dev`) that authors a block every [`RULES_BLOCK_TIME_MS`], with
	/// `args` added.
	pub fn dev_fast(name: &str, base: &Path, args: &[&str]) -> Node {
		let block_time = RULES_BLOCK_TIME_MS.to_string();
		let mut all = vec!["--dev", "--dev-block-time", &block_time];
		all.extend_from_slice(args);
		Node::start(name, base, &all)
	}

	/// Kills the node with SIGKILL, as a power cut or the OOM killer would: nothing is flushed.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// Starts the node again with the same arguments, base path and ports; its log goes on in
	/// the same file.
	pub fn restart(&mut self) {
		self.kill();
		(self.child, self.run_from) = spawn(&self.command, &self.log);
	}

	/// Starts the node again with `extra` arguments added to the ones it started with (same
	/// base path and ports); they stay for later restarts.
	pub fn restart_with(&mut self, extra: &[&str]) {
		self.kill();
		self.command.extend(extra.iter().map(Into::into));
		(self.child, self.run_from) = spawn(&self.command, &self.log);
	}

	/// The whole log of every run of this node.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// The log of the node's current run.
	fn run_log(&self) -> String {
		let log = std::fs::read(&self.log).unwrap_or_default();
		let from = (self.run_from as usize).min(log.len());
		String::from_utf8_lossy(&log[from..]).into_owned()
	}

	pub fn rpc_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's log so far, for failure messages: the earlier lines that warn or report an
	/// error (a port the node could not bind is said once, at start-up), then the last 40.
	pub fn log_tail(&self) -> String {
		let log = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<&str> = log.lines().collect();
		let tail = lines.len().saturating_sub(40);
		let notable = |line: &str| {
			let line = line.to_lowercase();
			["error", "warn", "no listen addresses"].iter().any(|word| line.contains(word))
		};
		let mut shown: Vec<&str> =
			lines[..tail].iter().copied().filter(|line| notable(line)).take(20).collect();
		if !shown.is_empty() {
			shown.push("…");
		}
		shown.extend_from_slice(&lines[tail..]);
		shown.join("\n")
	}

	/// The RPC port the node reports it serves on: the one asked for, unless something else
	/// took it in the meantime and the node fell back to another.
	fn served_rpc_port(&self) -> Option<u16> {
		let log = self.run_log();
		let line = log.lines().rfind(|l| l.contains("Running JSON-RPC server: addr="))?;
		let addr = line.split("addr=").nth(1)?.split(',').next()?;
		addr.trim().rsplit(':').next()?.parse().ok()
	}

	/// Connects to the node's RPC once its network listens on [`Node::p2p_port`].
	///
	/// A port from [`free_port`] is free when handed out, but until the node binds it another
	/// process may take it: another test's node, or an outgoing connection given it as its
	/// local port. The node then runs on with no listener ("litep2p started with no listen
	/// addresses") and no peer can dial it; a bootnode alone would stay at #0 with 0 peers. Such
	/// a node is restarted on a fresh port.
	pub async fn rpc_listening(&mut self) -> RpcClient {
		for _ in 0..5 {
			let rpc = self.rpc().await;
			let addresses: Vec<String> = rpc
				.request("system_localListenAddresses", rpc_params![])
				.await
				.expect("system_localListenAddresses");
			let tcp = format!("/tcp/{}/", self.p2p_port);
			if addresses.iter().any(|a| a.contains(&tcp)) {
				return rpc;
			}
			let taken = listen_addr(self.p2p_port);
			self.p2p_port = free_port();
			self.replace_arg(&taken, &listen_addr(self.p2p_port));
			self.restart();
		}
		panic!("{} found no free p2p port in 5 tries:\n{}", self.name, self.log_tail());
	}

	/// The node's Prometheus metrics, as `GET /metrics` serves them.
	///
	/// The exporter's port can be taken before the node binds it, as a p2p port can (see
	/// [`Node::rpc_listening`]); the node then runs on without metrics ("Error binding to …").
	/// It is restarted with the exporter on a fresh port.
	pub async fn metrics(&mut self) -> String {
		for _ in 0..5 {
			let port = self.prometheus_port;
			let started = format!("Prometheus exporter started at 127.0.0.1:{port}");
			let refused = format!("Error binding to '127.0.0.1:{port}'");
			let deadline = Instant::now() + START_TIMEOUT;
			loop {
				let log = self.run_log();
				if log.contains(&started) {
					return get_metrics(port).await;
				}
				if log.contains(&refused) {
					break;
				}
				self.pause_before_retry(deadline, "started no Prometheus exporter").await;
			}
			self.prometheus_port = free_port();
			self.replace_arg(&port.to_string(), &self.prometheus_port.to_string());
			self.restart();
		}
		panic!("{} found no free Prometheus port in 5 tries:\n{}", self.name, self.log_tail());
	}

	/// Replaces the argument `old` with `new` for the next start (whole arguments only).
	fn replace_arg(&mut self, old: &str, new: &str) {
		for arg in self.command.iter_mut().filter(|arg| *arg == old) {
			*arg = new.into();
		}
	}

	/// Connects to the node's RPC, retrying while it starts.
	pub async fn rpc(&mut self) -> RpcClient {
		let deadline = Instant::now() + START_TIMEOUT;
		loop {
			if let Some(status) = self.child.try_wait().expect("child status") {
				panic!(
					"{} exited with {status} before serving RPC:\n{}",
					self.name,
					self.log_tail()
				);
			}
			if let Some(port) = self.served_rpc_port() {
				self.rpc_port = port;
				if let Ok(client) = RpcClient::from_insecure_url(self.rpc_url()).await {
					return client;
				}
			}
			self.pause_before_retry(deadline, "serves no RPC").await;
		}
	}

	/// One more pause of a start-up wait; past `deadline`, fails with `what` the node did not
	/// do and its log's tail.
	async fn pause_before_retry(&self, deadline: Instant, what: &str) {
		assert!(
			Instant::now() < deadline,
			"{} {what} after {START_TIMEOUT:?}:\n{}",
			self.name,
			self.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// `GET /metrics` from a Prometheus exporter on loopback.
async fn get_metrics(port: u16) -> String {
	use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
	let mut stream =
		tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("exporter accepts");
	let request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	stream.write_all(request.as_bytes()).await.expect("request sent");
	let mut body = String::new();
	stream.read_to_string(&mut body).await.expect("metrics read");
	body
}

/// The loopback address a node's p2p network listens on.
fn listen_addr(port: u16) -> String {
	format!("/ip4/127.0.0.1/tcp/{port}")
}

/// Starts the node; returns it and where its lines begin in the log.
fn spawn(command: &[std::ffi::OsString], log: &Path) -> (Child, u64) {
	let log_file = std::fs::OpenOptions::new()
		.create(true)
		.append(true)
		.open(log)
		.expect("log file in temp dir");
	let run_from = log_file.metadata().map(|m| m.len()).unwrap_or(0);
	let child = Command::new(node_binary())
		.args(command)
		.stdout(Stdio::null())
		.stderr(log_file)
		.spawn()
		.expect("medchain-node starts");
	(child, run_from)
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

/// The height of a block header returned by `chain_getHeader`.
fn header_number(header: &serde_json::Value) -> u64 {
	let hex = header["number"].as_str().expect("header has a number");
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("number is hex")
}

/// The node's current finalized height.
pub async fn finalized_height(rpc: &RpcClient) -> u64 {
	let hash: String =
		rpc.request("chain_getFinalizedHead", rpc_params![]).await.expect("finalized head");
	let header: serde_json::Value =
		rpc.request("chain_getHeader", rpc_params![hash]).await.expect("finalized header");
	header_number(&header)
}

/// Waits until the node has finalized at least `height`, failing after `timeout`.
pub async fn wait_finalized(node: &Node, rpc: &RpcClient, height: u64, timeout: Duration) -> u64 {
	let deadline = Instant::now() + timeout;
	loop {
		let now = finalized_height(rpc).await;
		if now >= height {
			return now;
		}
		assert!(
			Instant::now() < deadline,
			"{} finalized only #{now} of #{height} within {timeout:?}:\n{}",
			node.name,
			node.log_tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Runs a `medchain-node` subcommand to completion and returns its stdout and stderr.
pub fn run_subcommand(args: &[&str]) -> (String, String) {
	let out = Command::new(node_binary()).args(args).output().expect("medchain-node runs");
	assert!(
		out.status.success(),
		"medchain-node {args:?} failed: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	(
		String::from_utf8_lossy(&out.stdout).into_owned(),
		String::from_utf8_lossy(&out.stderr).into_owned(),
	)
}

/// The 4-validator `local` network on loopback (Alice, Bob, Charlie, Dave), each node with its
/// data under `base`, with six-second blocks. Alice is the others' bootnode. Returns once every
/// node serves RPC and listens for peers.
pub async fn local_network(base: &Path) -> Vec<Node> {
	network(base, &[]).await
}

/// The 4-validator `local` network with a block every [`RULES_BLOCK_TIME_MS`]: for tests of
/// rules that need a real committee (threshold 3 of 4) but not six-second consensus.
pub async fn local_network_fast(base: &Path) -> Vec<Node> {
	network(base, &["--dev-block-time", &RULES_BLOCK_TIME_MS.to_string()]).await
}

async fn network(base: &Path, extra: &[&str]) -> Vec<Node> {
	// Validators of a non-dev chain need a persistent network key; Alice's also gives the
	// others a bootnode address to dial.
	let key = |name: &str| {
		let file = base.join(format!("{name}.key"));
		let (stdout, stderr) =
			run_subcommand(&["key", "generate-node-key", "--file", file.to_str().unwrap()]);
		(file, format!("{stdout}{stderr}").trim().to_string())
	};
	let (alice_key, alice_peer_id) = key("alice");
	assert!(alice_peer_id.starts_with("12D3"), "unexpected peer id {alice_peer_id:?}");
	let mut alice = vec![
		"--chain",
		"local",
		"--alice",
		"--node-key-file",
		alice_key.to_str().unwrap(),
		"--no-prometheus",
	];
	alice.extend_from_slice(extra);
	let mut nodes = vec![Node::start("alice", base, &alice)];
	let bootnode_at = |port| format!("{}/p2p/{alice_peer_id}", listen_addr(port));
	let bootnode = bootnode_at(nodes[0].p2p_port);
	for name in ["bob", "charlie", "dave"] {
		let (file, _) = key(name);
		let flag = format!("--{name}");
		let mut args = vec![
			"--chain",
			"local",
			&flag,
			"--node-key-file",
			file.to_str().unwrap(),
			"--bootnodes",
			&bootnode,
			"--no-prometheus",
		];
		args.extend_from_slice(extra);
		nodes.push(Node::start(name, base, &args));
	}
	// All four start at once; only if Alice had to move do the others learn her new address.
	let listened_on = nodes[0].p2p_port;
	nodes[0].rpc_listening().await;
	if nodes[0].p2p_port != listened_on {
		let moved = bootnode_at(nodes[0].p2p_port);
		for node in &mut nodes[1..] {
			node.replace_arg(&bootnode, &moved);
			node.restart();
		}
	}
	for node in &mut nodes[1..] {
		node.rpc_listening().await;
	}
	nodes
}

/// The hash of the block at `height` on the node's best chain (its finalized chain, for a
/// finalized height).
pub async fn block_hash(rpc: &RpcClient, height: u64) -> Option<String> {
	rpc.request("chain_getBlockHash", rpc_params![height]).await.expect("chain_getBlockHash")
}

/// The node's best height.
pub async fn best_height(rpc: &RpcClient) -> u64 {
	let header: serde_json::Value =
		rpc.request("chain_getHeader", rpc_params![]).await.expect("best header");
	header_number(&header)
}
