//! A real IPFS node for tests: js-ipfs serving the Kubo RPC API on a free loopback port,
//! started by `scripts/ipfs/daemon.sh` (which installs it when missing) and stopped when
//! dropped.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

use crate::free_port;

/// A running IPFS node; stopped (SIGTERM) when dropped.
pub struct IpfsNode {
	pub port: u16,
	pub repo: PathBuf,
	pid: Option<u32>,
}

fn daemon_script() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ipfs/daemon.sh")
}

impl IpfsNode {
	/// Starts a node with its repository in `repo` (made if missing) on a free port; on
	/// another if something took that one before the daemon bound it.
	pub fn start(repo: &Path) -> IpfsNode {
		let mut node = IpfsNode { port: free_port(), repo: repo.to_path_buf(), pid: None };
		for _ in 0..4 {
			if let Ok(pid) = node.launch() {
				node.pid = Some(pid);
				return node;
			}
			node.port = free_port();
		}
		node.restart();
		node
	}

	/// The RPC API address, as `--storage` takes it.
	pub fn url(&self) -> String {
		format!("http://127.0.0.1:{}", self.port)
	}

	/// Stops the node (SIGTERM, then waits for it to go); its repository stays.
	pub fn stop(&mut self) {
		let Some(pid) = self.pid.take() else { return };
		let _ = Command::new("kill").arg(pid.to_string()).status();
		for _ in 0..100 {
			if !Path::new(&format!("/proc/{pid}")).exists() {
				return;
			}
			std::thread::sleep(std::time::Duration::from_millis(100));
		}
		let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
	}

	/// Starts the node again on the same repository and port.
	pub fn restart(&mut self) {
		self.stop();
		let pid = self.launch().unwrap_or_else(|log| panic!("the IPFS node did not start:\n{log}"));
		self.pid = Some(pid);
	}

	/// Runs `scripts/ipfs/daemon.sh` on the repository and port: the daemon's PID, or the
	/// script's log when it did not start.
	fn launch(&self) -> Result<u32, String> {
		let out = Command::new("bash")
			.arg(daemon_script())
			.arg(&self.repo)
			.arg(self.port.to_string())
			.output()
			.expect("bash runs scripts/ipfs/daemon.sh");
		let log = String::from_utf8_lossy(&out.stderr).into_owned();
		if !out.status.success() {
			return Err(log);
		}
		String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| log)
	}
}

impl Drop for IpfsNode {
	fn drop(&mut self) {
		self.stop();
	}
}
