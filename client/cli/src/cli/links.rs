//! SMART Health Links on the command line: a patient shares, lists and revokes links; an
//! operator runs a share host; a clinician opens a link.

use std::path::Path;

use base64::Engine;
use medchain_client::{
	roles::links::ShareRequest,
	share::{qr, receive, ShLink},
	ClientError,
};

use super::{
	commands::Ctx,
	keyfile,
	output::{emit, table},
};

/// `patient share --record ... --host URL`.
pub(super) async fn share(
	ctx: &Ctx,
	request: ShareRequest,
	viewer: Option<&str>,
) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let shared = session.patient().share_link(&request).await?;
	let uri = match viewer {
		Some(viewer) => shared.link.with_viewer(viewer),
		None => shared.link.to_uri(),
	};
	let qr_text = qr::terminal(&uri)?;
	let value = serde_json::json!({
		"link": uri,
		"id": shared.id,
		"expiresAt": shared.expires_at,
		"qrSvg": qr::svg(&uri)?,
	});
	emit(ctx.cli.json, &value, || {
		format!(
			"{qr_text}\n{uri}\n\nlink {} opens {} time(s) until block {}{}. Anyone with this link \
			 can read the records: send it only to the clinician.",
			shared.id,
			request.uses,
			shared.expires_at,
			if request.passcode.is_some() { ", with the passcode" } else { "" },
		)
	});
	Ok(())
}

/// `patient links`.
pub(super) async fn list(ctx: &Ctx) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let links = session.patient().links().await?;
	emit(ctx.cli.json, &links, || {
		table(
			&["ID", "LABEL", "RECORDS", "EXPIRES", "USES LEFT", "OPENED", "FAILED"],
			links
				.iter()
				.map(|l| {
					vec![
						l.id.clone(),
						l.label.clone().unwrap_or_default(),
						l.records.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
						l.expires_at.to_string(),
						l.uses_left.to_string(),
						l.opened.to_string(),
						l.failed.to_string(),
					]
				})
				.collect(),
		)
	});
	Ok(())
}

/// `patient revoke-link ID`.
pub(super) async fn revoke(ctx: &Ctx, id: &str) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	session.patient().revoke_link(id).await?;
	ctx.done(&format!("link {id} revoked"), serde_json::json!({ "revoked": id }));
	Ok(())
}

/// `share-host`.
pub(super) async fn host(
	ctx: &Ctx,
	listen: std::net::SocketAddr,
	public_url: Option<String>,
	dir: Option<&Path>,
) -> Result<(), ClientError> {
	let me = keyfile::open(&ctx.home, &ctx.cli.account)?;
	let config = medchain_dashboard::share_host::HostConfig {
		node: ctx.cli.node.clone(),
		listen,
		public_url,
		dir: dir.map_or_else(|| ctx.home.join("share-host"), Path::to_path_buf),
	};
	let account = me.account_id();
	let host = medchain_dashboard::share_host::start(config, me)
		.await
		.map_err(|e| ClientError::Invalid(e.to_string()))?;
	ctx.done(
		&format!(
			"MedChain share host at {} (account {account}, node {})",
			host.url(),
			ctx.cli.node
		),
		serde_json::json!({ "url": host.url(), "account": account.to_string() }),
	);
	host.wait().await;
	Ok(())
}

/// `open-link`: the bundle as `bundle.json`, each document's attachment beside it.
pub(super) async fn open(
	ctx: &Ctx,
	link: &str,
	passcode: Option<&str>,
	recipient: &str,
	out: &Path,
) -> Result<(), ClientError> {
	let link = ShLink::parse(link)?;
	let files = receive::open(&link, recipient, passcode).await?;
	std::fs::create_dir_all(out)?;
	let mut written = Vec::new();
	for (n, file) in files.iter().enumerate() {
		let name = if n == 0 { "bundle.json".to_string() } else { format!("bundle-{n}.json") };
		std::fs::write(out.join(&name), &file.plaintext)?;
		written.push(name);
		written.extend(attachments(&file.plaintext, out)?);
	}
	ctx.done(
		&format!("wrote {} to {}", written.join(", "), out.display()),
		serde_json::json!({ "files": written, "dir": out }),
	);
	Ok(())
}

/// Writes each DocumentReference's inline attachment as `document-<n>`; returns the names.
fn attachments(bundle: &[u8], out: &Path) -> Result<Vec<String>, ClientError> {
	let bundle: serde_json::Value = serde_json::from_slice(bundle)
		.map_err(|e| ClientError::Invalid(format!("the link's file is not JSON: {e}")))?;
	let mut names = Vec::new();
	let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
	for entry in entries {
		let resource = &entry["resource"];
		if resource["resourceType"] != "DocumentReference" {
			continue;
		}
		for content in resource["content"].as_array().cloned().unwrap_or_default() {
			let Some(data) = content["attachment"]["data"].as_str() else { continue };
			let bytes = base64::engine::general_purpose::STANDARD
				.decode(data)
				.map_err(|e| ClientError::Invalid(format!("an attachment is not base64: {e}")))?;
			let name = format!("document-{}", names.len() + 1);
			std::fs::write(out.join(&name), bytes)?;
			names.push(name);
		}
	}
	Ok(names)
}
