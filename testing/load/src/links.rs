//! How long a SMART Health Link takes to open: from the manifest request to the decrypted
//! bundle, as a recipient sees it. Each opening waits for the host to record it in a block, so
//! on the dev chain (6 s blocks) it is bounded by one block plus the transfer.

use std::{path::Path, time::Instant};

use medchain_client::{
	crypto::keys::Identity,
	roles::links::ShareRequest,
	share::receive,
	storage::no_progress,
	walkthrough::{self, MED},
};
use serde::Serialize;

/// The measured openings.
#[derive(Debug, Serialize)]
pub struct LinkFigures {
	pub links: usize,
	/// Size of the shared file, bytes.
	pub file_bytes: usize,
	/// Each opening, seconds, in order.
	pub seconds: Vec<f64>,
	pub median_s: f64,
	pub p90_s: f64,
	pub max_s: f64,
}

/// Shares one report through `count` one-use links on a share host started here, and opens
/// each once.
pub async fn measure(
	url: &str,
	count: usize,
	file_bytes: usize,
	dir: &Path,
) -> anyhow::Result<LinkFigures> {
	let cast = walkthrough::cast(url, dir, &mut |_| {}).await?;
	let tomorrow = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis()
		as u64 + 86_400_000;
	let appointment =
		cast.patient.patient().book(&cast.doctor.account_id(), tomorrow, "check-up").await?;
	cast.doctor.doctor().accept(appointment).await?;
	let file = dir.join("report.pdf");
	std::fs::write(&file, walkthrough::sample_report(file_bytes))?;
	let report = cast
		.doctor
		.doctor()
		.upload_report(&cast.patient.account_id(), &file, "Discharge summary", None, no_progress())
		.await?;

	let host_me = Identity::generate();
	cast.verifier.transfer(&host_me.account_id(), 1_000 * MED).await?;
	let host = medchain_dashboard::share_host::start(
		medchain_dashboard::share_host::HostConfig {
			node: url.into(),
			listen: "127.0.0.1:0".parse()?,
			public_url: None,
			dir: dir.join("share-host"),
		},
		host_me,
	)
	.await?;

	let mut links = Vec::new();
	for _ in 0..count {
		let shared = cast
			.patient
			.patient()
			.share_link(&ShareRequest {
				records: vec![report],
				hours: 1,
				blocks: None,
				uses: 1,
				passcode: None,
				label: Some("Latency".into()),
				host: host.url().into(),
				direct: false,
			})
			.await?;
		links.push(shared.link);
	}
	let mut seconds = Vec::new();
	for link in &links {
		let start = Instant::now();
		let files = receive::open(link, "medchain-load", None).await?;
		anyhow::ensure!(files.len() == 1, "a link served {} files", files.len());
		seconds.push(start.elapsed().as_secs_f64());
	}
	let mut sorted = seconds.clone();
	sorted.sort_by(f64::total_cmp);
	let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
	Ok(LinkFigures {
		links: count,
		file_bytes,
		median_s: at(0.5),
		p90_s: at(0.9),
		max_s: sorted.last().copied().unwrap_or_default(),
		seconds,
	})
}
