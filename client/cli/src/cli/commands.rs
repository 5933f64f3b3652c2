//! What each subcommand does.

use std::path::{Path, PathBuf};

use medchain_client::{
	chain::Chain,
	crypto::keys::Identity,
	roles::{
		open_source, patient::GrantTerms, pharmacy::Institution, views::AccountView, Application,
		Doctor, Session, Upload,
	},
	runtime::medchain::runtime_types::medchain_primitives::Scope,
	storage::{compute_cid, Backend, CidVersion, ContentStore},
	walkthrough, ClientError,
};
use subxt::utils::AccountId32;

use super::{
	args::*,
	batch, keyfile,
	output::{bar, emit, table},
	rows::rows,
};

fn account_id(text: &str) -> Result<AccountId32, ClientError> {
	text.parse().map_err(|_| ClientError::Invalid(format!("{text:?} is not an SS58 address")))
}

fn cid_version(v: u8) -> CidVersion {
	if v == 1 {
		CidVersion::V1
	} else {
		CidVersion::V0
	}
}

fn scope(arg: ScopeArg) -> Scope {
	match arg {
		ScopeArg::Reports => Scope::Reports,
		ScopeArg::Prescriptions => Scope::Prescriptions,
	}
}

fn uses(once: bool, uses: Option<u32>) -> Option<u32> {
	if once {
		Some(1)
	} else {
		uses
	}
}

fn file_size(path: &Path) -> Result<u64, ClientError> {
	std::fs::metadata(path)
		.map(|m| m.len())
		.map_err(|e| ClientError::Invalid(format!("cannot read {}: {e}", path.display())))
}

pub(super) struct Ctx {
	pub(super) cli: Cli,
	pub(super) home: PathBuf,
}

impl Ctx {
	fn store(&self) -> Result<Backend, ClientError> {
		Backend::from_option(&self.cli.storage, &self.home).map_err(|e| match e {
			e @ medchain_client::storage::StorageError::BadUrl { .. } => {
				ClientError::Invalid(e.to_string())
			}
			other => other.into(),
		})
	}

	pub(super) async fn session(&self) -> Result<Session<Backend>, ClientError> {
		let me = keyfile::open(&self.home, &self.cli.account)?;
		let chain = Chain::connect(&self.cli.node).await?;
		Ok(Session::new(chain, me, self.store()?, self.cli.wait, cid_version(self.cli.cid_version)))
	}

	pub(super) fn done(&self, what: &str, value: serde_json::Value) {
		emit(self.cli.json, &value, || what.to_string());
	}
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), ClientError> {
	let home = keyfile::home(&cli.home);
	let ctx = Ctx { cli, home };
	match &ctx.cli.command {
		Command::Account(cmd) => account(&ctx, cmd).await,
		Command::Patient(cmd) => patient(&ctx, cmd).await,
		Command::Doctor(cmd) => doctor(&ctx, cmd).await,
		Command::Verifier(cmd) => verifier(&ctx, cmd).await,
		Command::Hospital(cmd) => hospital(&ctx, cmd).await,
		Command::Pharmacy(cmd) => pharmacy(&ctx, cmd).await,
		Command::Blob(cmd) => blob(&ctx, cmd).await,
		Command::Walkthrough { dir, save_accounts } => {
			let tmp = tempfile::tempdir()?;
			let dir = dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
			println!("MedChain walkthrough against {} (files in {})", ctx.cli.node, dir.display());
			// `--storage` chooses where the story's files go: the embedded store in the
			// walkthrough's directory by default, or an IPFS node.
			let store = if ctx.cli.storage == "local" {
				Backend::Local(walkthrough_store(&dir)?)
			} else {
				ctx.store()?
			};
			let story =
				walkthrough::run_on(&ctx.cli.node, &dir, store, &mut |line| println!("{line}"))
					.await?;
			if *save_accounts {
				save_cast(&ctx.home, &story.cast)?;
			}
			Ok(())
		}
		Command::ShareHost { listen, public_url, dir } => {
			super::links::host(&ctx, *listen, public_url.clone(), dir.as_deref()).await
		}
		Command::OpenLink { link, passcode, recipient, out } => {
			super::links::open(&ctx, link, passcode.as_deref(), recipient, out).await
		}
		Command::Ui { port, idle_minutes, max_upload_mib, no_open, share_host } => {
			let mut config = medchain_dashboard::Config::new(&ctx.cli.node, ctx.home.clone());
			config.storage = ctx.cli.storage.clone();
			config.cid_version = cid_version(ctx.cli.cid_version);
			config.port = *port;
			config.idle_lock = std::time::Duration::from_secs(idle_minutes * 60);
			config.max_upload = (*max_upload_mib as usize) * 1024 * 1024;
			config.share_host = share_host.clone();
			let dashboard = medchain_dashboard::start(config)
				.await
				.map_err(|e| ClientError::Invalid(e.to_string()))?;
			ctx.done(
				&format!(
					"MedChain dashboard at {} (node {}, keys in {})\nSign in with this link (it works once): {}",
					dashboard.origin(),
					ctx.cli.node,
					ctx.home.join("keys").display(),
					dashboard.login_url()
				),
				serde_json::json!({ "origin": dashboard.origin(), "login": dashboard.login_url() }),
			);
			if !no_open && has_display() {
				// Best effort: the link is printed either way.
				let _ = webbrowser::open(dashboard.login_url());
			}
			dashboard.wait().await;
			Ok(())
		}
	}
}

/// Whether a graphical browser can open (a desktop session, or macOS/Windows).
fn has_display() -> bool {
	cfg!(any(target_os = "macos", target_os = "windows"))
		|| std::env::var_os("DISPLAY").is_some()
		|| std::env::var_os("WAYLAND_DISPLAY").is_some()
}

/// Seals the walkthrough's users into keystores under `<home>/keys`, one password for all.
fn save_cast(home: &Path, cast: &walkthrough::Cast<Backend>) -> Result<(), ClientError> {
	let password = keyfile::password("Password for the walkthrough's keystores: ", true)?;
	println!("\nThe story's accounts, kept in {}:", home.join("keys").display());
	for (name, session) in [
		("alice", &cast.verifier),
		("patient", &cast.patient),
		("dr-ada", &cast.doctor),
		("dr-ben", &cast.second_doctor),
		("st-marys", &cast.hospital),
		("pharmacy", &cast.pharmacy),
	] {
		let path = keyfile::path(home, name)?;
		if let Some(dir) = path.parent() {
			std::fs::create_dir_all(dir)?;
		}
		medchain_client::crypto::keystore::KeystoreFile::seal(&session.me, &password)?
			.save(&path)?;
		println!("  {name:<9} {}", session.account_id());
	}
	Ok(())
}

fn show_account(json: bool, view: &AccountView) {
	emit(json, view, || {
		format!(
			"account         {}\nrole            {}\nstatus          {}\nname            {}\nspecialization  {}\nlicence         {}\ncredentials     {}\nencryption key  {}\nbalance         {} MED",
			view.account,
			view.role.clone().unwrap_or_else(|| "not registered".into()),
			view.status.clone().unwrap_or_else(|| "-".into()),
			view.name.clone().unwrap_or_else(|| "-".into()),
			view.specialization.clone().unwrap_or_else(|| "-".into()),
			view.licence.clone().unwrap_or_else(|| "-".into()),
			view.credentials.clone().unwrap_or_else(|| "-".into()),
			view.encryption_key.clone().unwrap_or_else(|| "-".into()),
			view.balance as f64 / walkthrough::MED as f64
		)
	});
}

async fn account(ctx: &Ctx, cmd: &AccountCmd) -> Result<(), ClientError> {
	let json = ctx.cli.json;
	match cmd {
		AccountCmd::Create { name } => {
			let identity = Identity::generate();
			let path = keyfile::save(&ctx.home, name, &identity)?;
			emit(
				json,
				&serde_json::json!({
					"account": identity.account_id().to_string(),
					"encryption_key": hex::encode(identity.encryption_public()),
					"keystore": path,
					"phrase": identity.phrase(),
				}),
				|| {
					format!(
						"account   {}\nkeystore  {}\n\nWrite down this recovery phrase; it restores both keys and is shown only once:\n\n  {}\n",
						identity.account_id(),
						path.display(),
						identity.phrase()
					)
				},
			);
			Ok(())
		}
		AccountCmd::Import { name, phrase } => {
			let phrase = match phrase {
				Some(p) => p.clone(),
				None => {
					let mut line = String::new();
					std::io::stdin().read_line(&mut line)?;
					line
				}
			};
			let identity = Identity::from_secret(&phrase)?;
			let path = keyfile::save(&ctx.home, name, &identity)?;
			ctx.done(
				&format!("imported {} into {}", identity.account_id(), path.display()),
				serde_json::json!({ "account": identity.account_id().to_string(), "keystore": path }),
			);
			Ok(())
		}
		AccountCmd::Show { who } => {
			let who = match who {
				Some(who) => account_id(who)?,
				None => account_id(&keyfile::load(&ctx.home, &ctx.cli.account)?.1.account)?,
			};
			let chain = Chain::connect(&ctx.cli.node).await?;
			show_account(json, &medchain_client::roles::account_view(&chain, &who).await?);
			Ok(())
		}
		AccountCmd::List => {
			let mut rows = Vec::new();
			if let Ok(entries) = std::fs::read_dir(ctx.home.join("keys")) {
				for entry in entries.flatten() {
					let path = entry.path();
					let name = path
						.file_stem()
						.map(|s| s.to_string_lossy().into_owned())
						.unwrap_or_default();
					if let Ok(file) = medchain_client::crypto::keystore::KeystoreFile::load(&path) {
						rows.push(vec![name, file.account]);
					}
				}
			}
			rows.sort();
			let value: Vec<_> =
				rows.iter().map(|r| serde_json::json!({ "name": r[0], "account": r[1] })).collect();
			emit(json, &value, || table(&["name", "account"], rows.clone()));
			Ok(())
		}
		AccountCmd::Transfer { to, amount_med } => {
			let to = account_id(to)?;
			let session = ctx.session().await?;
			session.transfer(&to, *amount_med as u128 * walkthrough::MED).await?;
			ctx.done(
				&format!("sent {amount_med} MED to {to}"),
				serde_json::json!({ "to": to.to_string(), "amount_med": amount_med }),
			);
			Ok(())
		}
	}
}

/// A practitioner clears one of its closed requests.
async fn clear_request(
	ctx: &Ctx,
	session: &Session<Backend>,
	request: u64,
) -> Result<(), ClientError> {
	session.clear_request(request).await?;
	ctx.done(
		&format!("request {request} cleared; its deposit is released"),
		serde_json::json!({ "cleared": request }),
	);
	Ok(())
}

/// A practitioner gives up a grant it holds.
async fn renounce(ctx: &Ctx, session: &Session<Backend>, grant: u64) -> Result<(), ClientError> {
	session.renounce(grant).await?;
	ctx.done(&format!("grant {grant} given up"), serde_json::json!({ "renounced": grant }));
	Ok(())
}

/// One record to the file `out`, or several of one patient's into the directory `out`.
async fn view_records(
	ctx: &Ctx,
	session: &Session<Backend>,
	records: &[u64],
	out: &Path,
) -> Result<(), ClientError> {
	if let [record] = records {
		return view_record(ctx, session, *record, out).await;
	}
	let (bar, progress) = bar(ctx.cli.json, "download", None);
	let read = session.read_records(records, out, progress).await;
	bar.finish_and_clear();
	let read = read?;
	let file = |id: u64| out.join(format!("record-{id}"));
	let rows: Vec<_> = read
		.iter()
		.map(
			|r| serde_json::json!({ "record": r.record, "bytes": r.bytes, "out": file(r.record.id), "release": r.release }),
		)
		.collect();
	emit(ctx.cli.json, &rows, || {
		let mut lines: Vec<String> = read
			.iter()
			.map(|r| {
				format!(
					"record {} ({}, \"{}\") decrypted to {} ({} bytes, verified against {})",
					r.record.id,
					r.record.kind,
					r.record.title.clone().unwrap_or_default(),
					file(r.record.id).display(),
					r.bytes,
					r.record.cid
				)
			})
			.collect();
		if let Some(release) = read.first().and_then(|r| r.release.as_ref()) {
			lines.push(release.to_string());
		}
		lines.join("\n")
	});
	Ok(())
}

async fn view_record(
	ctx: &Ctx,
	session: &Session<Backend>,
	record: u64,
	out: &Path,
) -> Result<(), ClientError> {
	let info = session.record(record).await?;
	let (bar, progress) = bar(ctx.cli.json, "download", Some(info.size));
	let read = session.read_record(record, out, progress).await;
	bar.finish_and_clear();
	let read = read?;
	emit(
		ctx.cli.json,
		&serde_json::json!({ "record": read.record, "bytes": read.bytes, "out": out, "release": read.release }),
		|| {
			let line = format!(
				"record {} ({}, \"{}\") decrypted to {} ({} bytes, verified against {})",
				record,
				read.record.kind,
				read.record.title.clone().unwrap_or_default(),
				out.display(),
				read.bytes,
				read.record.cid
			);
			match &read.release {
				Some(release) => format!("{line}\n{release}"),
				None => line,
			}
		},
	);
	Ok(())
}

async fn patient(ctx: &Ctx, cmd: &PatientCmd) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let p = session.patient();
	let json = ctx.cli.json;
	match cmd {
		PatientCmd::Register => {
			p.register().await?;
			ctx.done(
				&format!("{} is registered as a patient", session.account_id()),
				serde_json::json!({ "registered": session.account_id().to_string() }),
			);
		}
		PatientCmd::Book { doctor, in_hours, reason } => {
			let now = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_millis() as u64)
				.unwrap_or_default();
			// Refused here, before anything is signed: a wrapped sum would book a time in the
			// past and the chain would answer with something unrelated.
			let at = in_hours
				.checked_mul(3_600_000)
				.and_then(|ms| ms.checked_add(now))
				.ok_or_else(|| {
					ClientError::Invalid(format!(
						"--in-hours {in_hours} is too far in the future for a date: give fewer hours"
					))
				})?;
			let id = p.book(&account_id(doctor)?, at, reason).await?;
			ctx.done(
				&format!("appointment {id} requested; the doctor must accept"),
				serde_json::json!({ "appointment": id }),
			);
		}
		PatientCmd::Appointments => {
			let list = p.appointments().await?;
			emit(json, &list, || rows(&list));
		}
		PatientCmd::Clear { id } => {
			p.clear_appointment(*id).await?;
			ctx.done(
				&format!("appointment {id} cleared; its deposit is released"),
				serde_json::json!({ "cleared": id }),
			);
		}
		PatientCmd::Cancel { id } => {
			p.cancel_appointment(*id).await?;
			ctx.done(
				&format!("appointment {id} cancelled"),
				serde_json::json!({ "cancelled": id }),
			);
		}
		PatientCmd::Requests => {
			let list = p.requests().await?;
			emit(json, &list, || rows(&list));
		}
		PatientCmd::Grant { request, duration, once, uses: n, only } => {
			let asked = p.request(*request).await?.duration;
			let terms = GrantTerms { blocks: duration.blocks_or(asked), max_uses: uses(*once, *n) };
			let granted = if only.is_empty() {
				p.grant(*request, terms).await?
			} else {
				p.grant_records(*request, only, terms).await?
			};
			ctx.done(
				&format!("request {request} granted: {}", granted_note(&granted)),
				serde_json::to_value(&granted).unwrap_or_default(),
			);
		}
		PatientCmd::GrantAccess { grantee, scope: s, duration, once, uses: n } => {
			let granted = p
				.grant_access(
					&account_id(grantee)?,
					scope(*s),
					GrantTerms { blocks: duration.blocks(), max_uses: uses(*once, *n) },
				)
				.await?;
			ctx.done(
				&format!("given to {grantee}: {}", granted_note(&granted)),
				serde_json::to_value(&granted).unwrap_or_default(),
			);
		}
		PatientCmd::Share {
			grant: None,
			records,
			host,
			hours,
			uses,
			passcode,
			label,
			viewer,
			direct,
		} => {
			let request = medchain_client::roles::links::ShareRequest {
				records: records.clone(),
				hours: *hours,
				blocks: None,
				uses: *uses,
				passcode: passcode.clone(),
				label: label.clone(),
				host: host.clone().unwrap_or_default(),
				direct: *direct,
			};
			super::links::share(ctx, request, viewer.as_deref()).await?;
		}
		PatientCmd::Links => super::links::list(ctx).await?,
		PatientCmd::RevokeLink { id } => super::links::revoke(ctx, id).await?,
		PatientCmd::Share { grant: Some(grant), .. } => {
			let shared = p.share(*grant).await?;
			ctx.done(
				&format!("keys added to {}", granted_note(&shared)),
				serde_json::to_value(&shared).unwrap_or_default(),
			);
		}
		PatientCmd::Deny { request, reason } => {
			p.deny(*request, reason).await?;
			ctx.done(
				&format!("request {request} denied"),
				serde_json::json!({ "denied": request }),
			);
		}
		PatientCmd::Revoke { grant } => {
			p.revoke(*grant).await?;
			ctx.done(&format!("grant {grant} revoked"), serde_json::json!({ "revoked": grant }));
		}
		PatientCmd::Summary(SummaryCmd::Add { record }) => {
			p.add_to_summary(*record).await?;
			ctx.done(
				&format!(
					"record {record} is in your emergency summary: a doctor under emergency \
					 access can open it without you (and a threshold of colluding validators \
					 could read it)"
				),
				serde_json::json!({ "summary_added": record }),
			);
		}
		PatientCmd::Summary(SummaryCmd::Remove { record }) => {
			p.remove_from_summary(*record).await?;
			ctx.done(
				&format!("record {record} left your emergency summary"),
				serde_json::json!({ "summary_removed": record }),
			);
		}
		PatientCmd::Summary(SummaryCmd::List) => {
			let ids = p.summary().await?;
			emit(json, &ids, || {
				if ids.is_empty() {
					"your emergency summary is empty".into()
				} else {
					format!("emergency summary: records {ids:?}")
				}
			});
		}
		PatientCmd::Grants => {
			let list = p.grants().await?;
			emit(json, &list, || rows(&list));
		}
		PatientCmd::Records => {
			let list = p.records().await?;
			emit(json, &list, || rows(&list));
		}
		PatientCmd::View { records, out } => view_records(ctx, &session, records, out).await?,
		PatientCmd::Export { out: None, fhir: Some(file), reference } => {
			let (bundle, summary) = p.export_fhir(*reference).await?;
			let json = serde_json::to_vec_pretty(&bundle)
				.map_err(|e| ClientError::Invalid(e.to_string()))?;
			std::fs::write(file, json)?;
			ctx.done(
				&format!(
					"FHIR R4 bundle written to {}: {} documents, {} practitioners, {} organizations, {} consents, {} audit events",
					file.display(),
					summary.documents,
					summary.practitioners,
					summary.organizations,
					summary.consents,
					summary.audit_events
				),
				serde_json::to_value(&summary).unwrap_or_default(),
			);
		}
		PatientCmd::Export { out, .. } => {
			let out = out.clone().ok_or_else(|| {
				ClientError::Invalid(
					"give --out FILE (a CAR) or --fhir FILE (a FHIR bundle)".into(),
				)
			})?;
			let export = p.export_history(out.clone()).await?;
			ctx.done(
				&format!(
					"{} records ({} encrypted blocks) written to {}",
					export.records.len(),
					export.blocks,
					out.display()
				),
				serde_json::to_value(&export).unwrap_or_default(),
			);
		}
		PatientCmd::Profile(ProfileCmd::Set { name, birth_date, sex, phone }) => {
			let profile = medchain_client::roles::profile::Profile {
				name: name.clone(),
				birth_date: birth_date.clone(),
				sex: sex.clone(),
				phone: phone.clone(),
			};
			p.set_profile(&profile).await?;
			ctx.done(
				"profile written and sealed to its readers",
				serde_json::to_value(&profile).unwrap_or_default(),
			);
		}
		PatientCmd::Profile(ProfileCmd::Show) => {
			let profile = p.profile().await?;
			emit(json, &profile, || match &profile {
				Some(p) => format!(
					"{}, born {}{}{}",
					p.name,
					p.birth_date,
					p.sex.as_ref().map(|s| format!(", {s}")).unwrap_or_default(),
					p.phone.as_ref().map(|s| format!(", {s}")).unwrap_or_default()
				),
				None => {
					"no profile yet: `medchain patient profile set --name … --birth-date …`".into()
				}
			});
		}
		PatientCmd::Profile(ProfileCmd::Sync) => {
			let moved = p.sync_profile().await?;
			ctx.done(
				if moved {
					"profile sealed again to its current readers"
				} else {
					"profile readers unchanged"
				},
				serde_json::json!({ "resealed": moved }),
			);
		}
		PatientCmd::Audit => {
			let list = p.audit().await?;
			emit(json, &list, || rows(&list));
		}
	}
	Ok(())
}

async fn application(
	ctx: &Ctx,
	session: &Session<Backend>,
	args: &ApplyArgs,
) -> Result<Application, ClientError> {
	let file = open_source(&args.credentials)?;
	let (bar, progress) = bar(ctx.cli.json, "credentials", Some(file.len()));
	let cid = session.store.add(Box::new(file), session.cid_version, progress).await;
	bar.finish_and_clear();
	Ok(Application {
		name: args.name.clone(),
		specialization: args.specialization.clone(),
		licence: args.licence.clone(),
		credentials: cid?,
	})
}

async fn upload(
	ctx: &Ctx,
	file: &Path,
	run: impl std::future::Future<Output = Result<u64, ClientError>>,
	bar: indicatif::ProgressBar,
) -> Result<(), ClientError> {
	let id = run.await;
	bar.finish_and_clear();
	let id = id?;
	ctx.done(
		&format!("{} encrypted and added as record {id}", file.display()),
		serde_json::json!({ "record": id }),
	);
	Ok(())
}

/// Several files for one patient in one transaction: every record or none.
async fn upload_many(
	ctx: &Ctx,
	d: &Doctor<'_, Backend>,
	patient: &str,
	uploads: Vec<Upload>,
	supersedes: Option<u64>,
) -> Result<(), ClientError> {
	if supersedes.is_some() {
		return Err(ClientError::Invalid(
			"--supersedes corrects one record: upload the correction on its own".into(),
		));
	}
	let patient = account_id(patient)?;
	let total = uploads.iter().map(|u| file_size(&u.file)).sum::<Result<u64, _>>()?;
	let (bar, progress) = bar(ctx.cli.json, "encrypt+add", Some(total));
	let ids = d.upload_many(&patient, &uploads, progress).await;
	bar.finish_and_clear();
	let ids = ids?;
	let added: Vec<_> = uploads
		.iter()
		.zip(&ids)
		.map(|(u, id)| serde_json::json!({ "record": id, "file": u.file, "title": u.title }))
		.collect();
	emit(ctx.cli.json, &serde_json::json!({ "records": added }), || {
		let mut lines: Vec<String> = uploads
			.iter()
			.zip(&ids)
			.map(|(u, id)| {
				format!("{} encrypted and added as record {id} (\"{}\")", u.file.display(), u.title)
			})
			.collect();
		lines.push(format!("{} records added in one transaction", ids.len()));
		lines.join("\n")
	});
	Ok(())
}

async fn doctor(ctx: &Ctx, cmd: &DoctorCmd) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let d = session.doctor();
	match cmd {
		DoctorCmd::Apply(args) => {
			let application = application(ctx, &session, args).await?;
			d.apply(&application).await?;
			ctx.done(
				&format!("applied as a doctor (credentials {}); a verifier must verify you", application.credentials),
				serde_json::json!({ "applied": session.account_id().to_string(), "credentials": application.credentials.to_string() }),
			);
		}
		DoctorCmd::Appointments => {
			let list = d.appointments().await?;
			emit(ctx.cli.json, &list, || rows(&list));
		}
		DoctorCmd::Accept { id } => {
			d.accept(*id).await?;
			ctx.done(&format!("appointment {id} accepted"), serde_json::json!({ "accepted": id }));
		}
		DoctorCmd::ReportSpam { id } => {
			d.report_spam(*id).await?;
			ctx.done(
				&format!("appointment {id} declined as spam; its deposit is yours"),
				serde_json::json!({ "reported_spam": id }),
			);
		}
		DoctorCmd::Decline { id, note } => {
			d.decline(*id, note.as_deref()).await?;
			ctx.done(&format!("appointment {id} declined"), serde_json::json!({ "declined": id }));
		}
		DoctorCmd::Complete { id } => {
			d.complete(*id).await?;
			ctx.done(
				&format!("appointment {id} completed"),
				serde_json::json!({ "completed": id }),
			);
		}
		DoctorCmd::UploadReport { patient, files, title, supersedes } => {
			if let ([file], [title]) = (files.as_slice(), title.as_slice()) {
				let (bar, progress) = bar(ctx.cli.json, "encrypt+add", Some(file_size(file)?));
				let patient = account_id(patient)?;
				upload(
					ctx,
					file,
					d.upload_report(&patient, file, title, *supersedes, progress),
					bar,
				)
				.await?;
			} else {
				upload_many(ctx, &d, patient, batch::uploads(files, title, None)?, *supersedes)
					.await?;
			}
		}
		DoctorCmd::UploadPrescription { patient, files, title, quantity, supersedes } => {
			if let ([file], [title], [quantity]) =
				(files.as_slice(), title.as_slice(), quantity.as_slice())
			{
				let (bar, progress) = bar(ctx.cli.json, "encrypt+add", Some(file_size(file)?));
				let patient = account_id(patient)?;
				upload(
					ctx,
					file,
					d.upload_prescription(&patient, file, title, *quantity, *supersedes, progress),
					bar,
				)
				.await?;
			} else {
				let uploads = batch::uploads(files, title, Some(quantity.as_slice()))?;
				upload_many(ctx, &d, patient, uploads, *supersedes).await?;
			}
		}
		DoctorCmd::RequestAccess { patient, scope: s, purpose, duration } => {
			let id = d
				.request_access(&account_id(patient)?, scope(*s), purpose, duration.blocks())
				.await?;
			ctx.done(
				&format!("request {id} sent; the patient decides"),
				serde_json::json!({ "request": id }),
			);
		}
		DoctorCmd::View { records, out } => view_records(ctx, &session, records, out).await?,
		DoctorCmd::Patients => {
			let patients = d.patients().await?;
			let list: Vec<String> = patients.iter().map(|a| a.to_string()).collect();
			// People read names where the patient's profile is sealed to this doctor.
			let mut lines = Vec::new();
			for who in &patients {
				lines.push(match session.patient_name(who).await {
					Some(name) => format!("{who}  {name}"),
					None => who.to_string(),
				});
			}
			emit(ctx.cli.json, &list, || {
				if lines.is_empty() {
					"(none)".into()
				} else {
					lines.join("\n")
				}
			});
		}
		DoctorCmd::Grants => {
			let list = session.held_grants().await?;
			emit(ctx.cli.json, &list, || rows(&list));
		}
		DoctorCmd::ClearRequest { request } => clear_request(ctx, &session, *request).await?,
		DoctorCmd::Renounce { grant } => renounce(ctx, &session, *grant).await?,
		DoctorCmd::CancelRequest { request } => {
			session.cancel_request(*request).await?;
			ctx.done(
				&format!("request {request} withdrawn"),
				serde_json::json!({ "cancelled": request }),
			);
		}
		DoctorCmd::Emergency { patient, justification } => {
			let grant = d.emergency_access(&account_id(patient)?, justification).await?;
			ctx.done(
				&format!("emergency grant {grant} opened (on the patient's audit trail)"),
				serde_json::json!({ "grant": grant }),
			);
		}
	}
	Ok(())
}

async fn verifier(ctx: &Ctx, cmd: &VerifierCmd) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let v = session.verifier();
	match cmd {
		VerifierCmd::Pending => {
			let list = v.pending().await?;
			emit(ctx.cli.json, &list, || rows(&list));
		}
		VerifierCmd::Verify { who, until } => {
			v.verify(&account_id(who)?, *until).await?;
			ctx.done(&format!("{who} verified"), serde_json::json!({ "verified": who }));
		}
		VerifierCmd::Reject { who, reason } => {
			v.reject(&account_id(who)?, reason).await?;
			ctx.done(&format!("{who} rejected"), serde_json::json!({ "rejected": who }));
		}
		VerifierCmd::Suspend { who, reason } => {
			v.suspend(&account_id(who)?, reason).await?;
			ctx.done(&format!("{who} suspended"), serde_json::json!({ "suspended": who }));
		}
		VerifierCmd::Revoke { who, reason } => {
			v.revoke(&account_id(who)?, reason).await?;
			ctx.done(&format!("{who} revoked"), serde_json::json!({ "revoked": who }));
		}
		VerifierCmd::Show { who } => {
			show_account(ctx.cli.json, &session.account(&account_id(who)?).await?)
		}
		VerifierCmd::Remove { who } => {
			v.remove_verifier(&account_id(who)?).await?;
			ctx.done(
				&format!("{who} is no longer a verifier"),
				serde_json::json!({ "removed": who }),
			);
		}
		VerifierCmd::Add { who } => {
			v.add_verifier(&account_id(who)?).await?;
			ctx.done(&format!("{who} is a verifier"), serde_json::json!({ "verifier": who }));
		}
		VerifierCmd::List => {
			let list: Vec<String> = v.verifiers().await?.iter().map(|a| a.to_string()).collect();
			emit(ctx.cli.json, &list, || list.join("\n"));
		}
	}
	Ok(())
}

async fn institution(
	ctx: &Ctx,
	session: &Session<Backend>,
	me: &Institution<'_, Backend>,
	cmd: &InstitutionCmd,
) -> Result<(), ClientError> {
	match cmd {
		InstitutionCmd::Apply(args) => {
			let application = application(ctx, session, args).await?;
			me.apply(&application).await?;
			ctx.done(
				&format!("applied as a {}; a verifier must verify you", me.role_name()),
				serde_json::json!({ "applied": session.account_id().to_string() }),
			);
		}
		InstitutionCmd::Request { patient, purpose, duration } => {
			let id =
				me.request_prescriptions(&account_id(patient)?, purpose, duration.blocks()).await?;
			ctx.done(
				&format!("request {id} sent; the patient decides"),
				serde_json::json!({ "request": id }),
			);
		}
		InstitutionCmd::View { records, out } => view_records(ctx, session, records, out).await?,
		InstitutionCmd::ClearRequest { request } => clear_request(ctx, session, *request).await?,
		InstitutionCmd::Renounce { grant } => renounce(ctx, session, *grant).await?,
	}
	Ok(())
}

async fn hospital(ctx: &Ctx, cmd: &InstitutionCmd) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	institution(ctx, &session, &session.hospital(), cmd).await
}

async fn pharmacy(ctx: &Ctx, cmd: &PharmacyCmd) -> Result<(), ClientError> {
	let session = ctx.session().await?;
	let ph = session.pharmacy();
	match cmd {
		PharmacyCmd::Common(cmd) => institution(ctx, &session, &ph, cmd).await?,
		PharmacyCmd::Dispense { record, quantity, out } => {
			let (bar, progress) = bar(ctx.cli.json, "download", None);
			let done = ph.dispense(*record, *quantity, out, progress).await;
			bar.finish_and_clear();
			let done = done?;
			emit(ctx.cli.json, &done, || {
				format!(
					"dispensed {} of prescription {record} ({} remaining); prescription in {}",
					done.quantity,
					done.remaining,
					out.display()
				)
			});
		}
	}
	Ok(())
}

fn parse_cid(text: &str) -> Result<cid::Cid, ClientError> {
	text.parse().map_err(|e| ClientError::Invalid(format!("{text:?} is not a CID: {e}")))
}

async fn blob(ctx: &Ctx, cmd: &BlobCmd) -> Result<(), ClientError> {
	let json = ctx.cli.json;
	match cmd {
		BlobCmd::Cid { file, cid_version: v } => {
			let input = std::fs::File::open(file).map_err(|e| {
				ClientError::Invalid(format!("cannot read {}: {e}", file.display()))
			})?;
			let cid = compute_cid(std::io::BufReader::new(input), cid_version(*v))?;
			emit(json, &serde_json::json!({ "cid": cid.to_string() }), || cid.to_string());
		}
		BlobCmd::Add { file } => {
			let store = ctx.store()?;
			let input = open_source(file)?;
			let (bar, progress) = bar(json, "add", Some(input.len()));
			let cid = store.add(Box::new(input), cid_version(ctx.cli.cid_version), progress).await;
			bar.finish_and_clear();
			let cid = cid?;
			emit(json, &serde_json::json!({ "cid": cid.to_string() }), || cid.to_string());
		}
		BlobCmd::Get { cid, out } => {
			let store = ctx.store()?;
			let cid = parse_cid(cid)?;
			let tmp = tempfile::NamedTempFile::new_in(
				out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")),
			)?;
			let (bar, progress) = bar(json, "get", None);
			let result = store.get(&cid, std::io::BufWriter::new(tmp), progress).await;
			bar.finish_and_clear();
			let (writer, size) = result?;
			let tmp = writer.into_inner().map_err(|e| e.into_error())?;
			tmp.persist(out).map_err(|e| ClientError::from(e.error))?;
			ctx.done(
				&format!("{cid}: {size} bytes verified, written to {}", out.display()),
				serde_json::json!({ "cid": cid.to_string(), "bytes": size }),
			);
		}
		BlobCmd::ExportCar { cids, out } => {
			let store = ctx.store()?;
			let roots = cids.iter().map(|c| parse_cid(c)).collect::<Result<Vec<_>, _>>()?;
			let blocks = store.export_car(roots, out.clone()).await?;
			ctx.done(
				&format!("{blocks} blocks of {} written to {}", cids.join(", "), out.display()),
				serde_json::json!({ "roots": cids, "blocks": blocks }),
			);
		}
		BlobCmd::ImportCar { file } => {
			if !file.is_file() {
				return Err(ClientError::Invalid(format!(
					"cannot read {}: not a file (give the path of a .car file)",
					file.display()
				)));
			}
			let store = ctx.store()?;
			let roots = store.import_car(file.clone()).await?;
			let roots: Vec<String> = roots.iter().map(|c| c.to_string()).collect();
			emit(json, &serde_json::json!({ "roots": roots }), || {
				format!("imported; roots: {}", roots.join(", "))
			});
		}
	}
	Ok(())
}

/// One line about a grant: its id, the keys it carries, and any record skipped.
fn granted_note(granted: &medchain_client::roles::patient::Granted) -> String {
	let mut note = format!("grant {} ({} record keys)", granted.grant, granted.keys);
	if !granted.unreadable.is_empty() {
		note.push_str(&format!(
			"; skipped records {:?}: their keys do not open with yours (ask their author to \
			 correct them)",
			granted.unreadable
		));
	}
	note
}

/// The walkthrough's own embedded store, beside its files.
fn walkthrough_store(
	dir: &Path,
) -> Result<medchain_client::storage::local::LocalStore, ClientError> {
	Ok(medchain_client::storage::local::LocalStore::open(&dir.join("ipfs"))?)
}
