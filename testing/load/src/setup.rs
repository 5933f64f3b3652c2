//! One run: the setup steps and the measured workloads, in the order their state needs.
//!
//! Accounts are paired by index: patient `i` books doctors `i..i+k`, doctor `i` writes patient
//! `i`'s records (one at a time, and in batches), doctor `i+1` reads them under a grant,
//! pharmacy `i` dispenses patient `i`'s prescription, and doctors ask other patients for
//! access, which those patients grant.

use std::time::Instant;

use anyhow::Context;
use futures::{stream, StreamExt, TryStreamExt};
use medchain_client::{
	chain::Chain,
	crypto::keys::Identity,
	roles::{MAX_READ_BATCH, MAX_WRITE_BATCH, RECORD_DEPOSIT},
	runtime::medchain::{
		self as api,
		runtime_types::medchain_primitives::{Role, Scope},
	},
	ClientError,
};
use subxt::{transactions::Payload, utils::AccountId32};

use crate::{
	accounts::Accounts,
	follow::Follower,
	presign::{Presigner, Signed},
	submit::Submitter,
	wave::{self, WaveResult},
	workloads::{self as w, UNIT},
};

/// Calls each sender makes in one workload, at most: the chain's per-account limits
/// (16 open appointments per patient, 32 pending requests per patient) bound it.
pub const MAX_PER_SENDER: usize = 16;

/// The most envelopes one grant carries (the runtime's `MaxEnvelopes`).
pub const LARGEST_GRANT: usize = 64;

/// The most records one doctor writes in a run: its `Records.add_record` calls, its batches,
/// the reports for the largest grants and its share of the mix.
pub fn records_per_doctor(per_sender: usize) -> usize {
	let (single, batched) = (per_sender.max(2), per_sender * MAX_WRITE_BATCH as usize);
	single + batched + (LARGEST_GRANT + 1) + per_sender.div_ceil(2)
}

/// One step of a run.
pub struct Phase {
	/// The call measured (`Pallet.call`, or `mix`), or the setup step's name.
	pub name: String,
	pub measured: bool,
	pub txs: Vec<Signed>,
	pub result: WaveResult,
	/// Seconds spent signing, before the window.
	pub signing_s: f64,
	/// Reads in each `Records.record_reads` batch of this step.
	pub read_batch: usize,
	/// Records in each `Records.add_records` batch of this step.
	pub write_batch: usize,
}

/// A run against one chain.
pub struct Run {
	pub follower: Follower,
	pub submitter: Submitter,
	pub accounts: Accounts,
	/// Calls per sender in each workload.
	pub per_sender: usize,
	/// Extrinsics in flight at once.
	pub window: usize,
	pub phases: Vec<Phase>,
	/// The dev chain's endowed accounts, which fund the run; `//Alice` is also its verifier.
	dev: Vec<Identity>,
	/// Patient `i`'s record ids: a prescription, then reports.
	records: Vec<Vec<u64>>,
	/// Reads in each batch of the `Records.record_reads` workload: all of a patient's reports.
	read_batch: usize,
	/// Records in each batch of the `Records.add_records` workload.
	write_batch: usize,
	/// How many patients give the largest grants (each needs that many reports first).
	pub largest_grant_patients: usize,
}

impl Run {
	pub async fn new(
		urls: &[String],
		connections: usize,
		accounts: usize,
		per_sender: usize,
		window: usize,
	) -> anyhow::Result<Self> {
		let follower = Follower::connect(&urls[0]).await?;
		let submitter = Submitter::connect(urls, connections).await?;
		let accounts = Accounts::generate(accounts).await?;
		let dev = ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"]
			.iter()
			.map(|uri| Identity::from_secret(uri))
			.collect::<Result<_, _>>()?;
		Ok(Run {
			follower,
			submitter,
			accounts,
			per_sender: per_sender.clamp(1, MAX_PER_SENDER),
			window,
			phases: Vec::new(),
			dev,
			records: Vec::new(),
			read_batch: 0,
			write_batch: 0,
			largest_grant_patients: LARGEST_GRANT,
		})
	}

	fn chain(&self) -> &Chain {
		self.follower.chain()
	}

	/// Signs what `calls` yields, each `(call, signer)`, against the finalized block.
	async fn sign<C: Payload>(
		&self,
		calls: impl IntoIterator<Item = (C, &Identity)>,
	) -> anyhow::Result<(Vec<Signed>, f64)> {
		let started = Instant::now();
		let mut signer = Presigner::new(self.chain()).await?;
		let mut txs = Vec::new();
		for (call, who) in calls {
			txs.push(signer.sign(&call, who.signer()).await?);
		}
		Ok((txs, started.elapsed().as_secs_f64()))
	}

	/// One view per account of `list`, eight in flight, in the order of `list`.
	async fn per_account<T, Fut>(
		&self,
		list: &[Identity],
		what: &str,
		read: impl Fn(Chain, AccountId32) -> Fut,
	) -> anyhow::Result<Vec<T>>
	where
		Fut: std::future::Future<Output = Result<T, ClientError>>,
	{
		stream::iter(list)
			.map(|who| read(self.chain().clone(), who.account_id()))
			.buffered(8)
			.try_collect()
			.await
			.with_context(|| format!("reading {what}"))
	}

	/// Each patient's record ids, oldest first.
	async fn patient_records(&self, patients: &[Identity]) -> anyhow::Result<Vec<Vec<u64>>> {
		self.per_account(patients, "the patients' records", |c, p| async move {
			c.view(api::view_functions().records().patient_records(p)).await
		})
		.await
	}

	/// The ids of each patient's requests waiting for an answer.
	async fn pending_requests(&self, patients: &[Identity]) -> anyhow::Result<Vec<Vec<u64>>> {
		self.per_account(patients, "the patients' pending requests", |c, p| async move {
			let list = c.view(api::view_functions().consent().pending_requests(p)).await?;
			Ok(list.into_iter().map(|(id, _)| id).collect())
		})
		.await
	}

	/// Submits and follows one step. Setup steps must succeed in full; a measured step's
	/// shortfalls are reported instead.
	async fn step(
		&mut self,
		name: &str,
		measured: bool,
		(txs, signing_s): (Vec<Signed>, f64),
	) -> anyhow::Result<()> {
		let result = wave::run(&self.follower, &self.submitter, &txs, self.window).await?;
		if !measured {
			result.ensure_all_succeeded(&txs, name)?;
		}
		let ok = result.succeeded();
		eprintln!(
			"{:>9} {name}: {ok}/{} succeeded in {:.1} s ({} blocks)",
			if measured { "measured" } else { "setup" },
			txs.len(),
			result.elapsed.as_secs_f64(),
			result.busy_blocks().len()
		);
		let (read_batch, write_batch) = (self.read_batch, self.write_batch);
		self.phases.push(Phase {
			name: name.into(),
			measured,
			txs,
			result,
			signing_s,
			read_batch,
			write_batch,
		});
		Ok(())
	}

	/// Every step, in order.
	pub async fn all(&mut self) -> anyhow::Result<()> {
		self.fund().await?;
		self.register().await?;
		self.transfers().await?;
		self.appointments().await?;
		self.add_records().await?;
		self.write_batches().await?;
		self.reads_and_dispenses().await?;
		self.requests_and_grants().await?;
		self.largest_grants().await?;
		self.worst_cases().await?;
		self.mix().await
	}

	/// Funds every account from the dev accounts, round robin. A doctor's 30 MED pay its
	/// practitioner deposit (10), its requests (0.11 each) and its fees with room to spare; on
	/// top, it gets the deposit of every record it writes (`RECORD_DEPOSIT`, held for good).
	pub async fn fund(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let doctor = 30 * UNIT + records_per_doctor(self.per_sender) as u128 * RECORD_DEPOSIT;
		let targets = a
			.patients
			.iter()
			.map(|p| (p, 20 * UNIT))
			.chain(a.doctors.iter().map(|d| (d, doctor)))
			.chain(a.pharmacies.iter().map(|p| (p, 30 * UNIT)))
			.chain(std::iter::once((&a.sink, UNIT)));
		let calls: Vec<_> = targets
			.enumerate()
			.map(|(i, (to, amount))| {
				(w::fund(&to.account_id(), amount), &self.dev[i % self.dev.len()])
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("fund", false, signed).await
	}

	/// Patients register; doctors and pharmacies apply and are verified.
	pub async fn register(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let mut signer = Presigner::new(self.chain()).await?;
		let started = Instant::now();
		let mut txs = Vec::new();
		for p in &a.patients {
			txs.push(signer.sign(&w::register_patient(p.encryption_public()), p.signer()).await?);
		}
		for (role, list) in [(Role::Doctor, &a.doctors), (Role::Pharmacy, &a.pharmacies)] {
			for (i, who) in list.iter().enumerate() {
				let call = w::apply(role, who.encryption_public(), i as u64);
				txs.push(signer.sign(&call, who.signer()).await?);
			}
		}
		self.step("register and apply", false, (txs, started.elapsed().as_secs_f64())).await?;
		let a = &self.accounts;
		let alice = &self.dev[0];
		let calls: Vec<_> = a
			.doctors
			.iter()
			.chain(&a.pharmacies)
			.map(|p| (w::verify(&p.account_id()), alice))
			.collect();
		let signed = self.sign(calls).await?;
		self.step("verify", false, signed).await
	}

	/// The baseline: each patient sends `per_sender` transfers.
	pub async fn transfers(&mut self) -> anyhow::Result<()> {
		let sink = self.accounts.sink.account_id();
		let calls: Vec<_> = (0..self.per_sender)
			.flat_map(|_| self.accounts.patients.iter().map(|p| (w::transfer(&sink), p)))
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Balances.transfer_keep_alive", true, signed).await
	}

	/// Patient `i` books doctors `i..i+k`; each doctor accepts every request.
	pub async fn appointments(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let n = a.n();
		let k = self.per_sender.min(n);
		let calls: Vec<_> = (0..k)
			.flat_map(|j| {
				a.patients.iter().enumerate().map(move |(i, p)| {
					let doctor = a.doctors[(i + j) % n].account_id();
					(w::book(&doctor, (i * k + j) as u64), p)
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Appointments.request", true, signed).await?;

		let pending: Vec<Vec<u64>> = self
			.per_account(
				&self.accounts.doctors,
				"the doctors' pending appointments",
				|c, d| async move {
					let list =
						c.view(api::view_functions().appointments().pending_requests(d)).await?;
					Ok(list.into_iter().map(|(id, _)| id).collect())
				},
			)
			.await?;
		let calls: Vec<_> = self
			.accounts
			.doctors
			.iter()
			.zip(&pending)
			.flat_map(|(d, ids)| ids.iter().map(move |id| (w::accept(*id), d)))
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Appointments.accept", true, signed).await
	}

	/// Doctor `i` writes `k` records for patient `i`: a prescription, then reports.
	pub async fn add_records(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let k = self.per_sender.max(2);
		let base = u64::from(std::process::id()) << 32;
		let calls: Vec<_> = (0..k)
			.flat_map(|j| {
				a.doctors.iter().zip(&a.patients).enumerate().map(move |(i, (d, p))| {
					let rx = (j == 0).then_some(1_000_000);
					(w::add_record(&p.account_id(), base + (i * k + j) as u64 * 2, rx), d)
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Records.add_record", true, signed).await?;
		self.records = self.patient_records(&self.accounts.patients).await?;
		Ok(())
	}

	/// Doctor `i` writes `k` batches of [`MAX_WRITE_BATCH`] reports for patient `i`, one
	/// extrinsic each. Taken after the patients' records are listed: the workloads that read
	/// records keep to those written one at a time.
	pub async fn write_batches(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let (k, size) = (self.per_sender, MAX_WRITE_BATCH as usize);
		let base = (u64::from(std::process::id()) << 32) + (1 << 30);
		let calls: Vec<_> = (0..k)
			.flat_map(|j| {
				a.doctors.iter().zip(&a.patients).enumerate().map(move |(i, (d, p))| {
					let seed = base + ((i * k + j) * size) as u64 * 2;
					(w::add_records(&p.account_id(), seed, size), d)
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.write_batch = size;
		self.step("Records.add_records", true, signed).await
	}

	/// Patient `i` lets pharmacy `i` dispense and doctor `i+1` read its reports; then both
	/// use their grants.
	pub async fn reads_and_dispenses(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let n = a.n();
		let expires = self.chain().best_number().await? + 30 * 14_400;
		let mut calls = Vec::new();
		for (i, p) in a.patients.iter().enumerate() {
			let reports = &self.records[i][1..];
			let pharmacy = a.pharmacies[i].account_id();
			calls.push((w::grant_access(&pharmacy, Scope::Prescriptions, expires, &[]), p));
			let reader = a.doctors[(i + 1) % n].account_id();
			calls.push((w::grant_access(&reader, Scope::Reports, expires, reports), p));
		}
		let signed = self.sign(calls).await?;
		self.step("grants for reading and dispensing", false, signed).await?;

		let k = self.per_sender;
		let (a, records) = (&self.accounts, &self.records);
		let reads: Vec<_> = (0..k)
			.flat_map(|j| {
				(0..n).map(move |i| {
					let reports = &records[i][1..];
					(w::record_read(reports[j % reports.len()]), &a.doctors[(i + 1) % n])
				})
			})
			.collect();
		let signed = self.sign(reads).await?;
		self.step("Records.record_read", true, signed).await?;

		// The same readers open all of the patient's reports at once, `k` times.
		let (a, records) = (&self.accounts, &self.records);
		self.read_batch = records.iter().map(|r| r.len() - 1).min().unwrap_or(0);
		let batches: Vec<_> = (0..k)
			.flat_map(|_| {
				(0..n).map(move |i| (w::record_reads(&records[i][1..]), &a.doctors[(i + 1) % n]))
			})
			.collect();
		let signed = self.sign(batches).await?;
		self.step("Records.record_reads", true, signed).await?;

		let (a, records) = (&self.accounts, &self.records);
		let dispenses: Vec<_> = (0..k)
			.flat_map(|_| (0..n).map(|i| (w::dispense(records[i][0]), &a.pharmacies[i])))
			.collect();
		let signed = self.sign(dispenses).await?;
		self.step("Records.dispense", true, signed).await
	}

	/// Doctor `j` asks patients `j+2..j+2+k` for their reports; each patient grants every
	/// request with one record key.
	pub async fn requests_and_grants(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let n = a.n();
		let k = self.per_sender.min(n.saturating_sub(2)).max(1);
		let calls: Vec<_> = (0..k)
			.flat_map(|m| {
				a.doctors.iter().enumerate().map(move |(j, d)| {
					let patient = a.patients[(j + 2 + m) % n].account_id();
					(w::request_access(&patient, (j * k + m) as u64), d)
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Consent.request_access", true, signed).await?;

		let pending = self.pending_requests(&self.accounts.patients).await?;
		let expires = self.chain().best_number().await? + 14_400;
		let records = &self.records;
		let calls: Vec<_> = self
			.accounts
			.patients
			.iter()
			.zip(&pending)
			.enumerate()
			.flat_map(|(i, (p, ids))| {
				let record = records[i][1];
				ids.iter().map(move |id| (w::grant(*id, expires, &[record]), p))
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("Consent.grant (1 envelope)", true, signed).await
	}

	/// The largest grants: the first [`largest_grant_patients`](Self::largest_grant_patients)
	/// patients get [`LARGEST_GRANT`] reports, are asked again by the doctors who asked
	/// before, and answer each request with a key for every report.
	pub async fn largest_grants(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let (n, m) = (a.n(), a.n().min(self.largest_grant_patients));
		let base = (u64::from(std::process::id()) << 32) + (3 << 30);
		let calls: Vec<_> = (0..m)
			.flat_map(|i| {
				let missing = (LARGEST_GRANT + 1).saturating_sub(self.records[i].len());
				(0..missing).map(move |j| {
					let seed = base + (i * LARGEST_GRANT + j) as u64 * 2;
					(w::add_record(&a.patients[i].account_id(), seed, None), &a.doctors[i])
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("reports for the largest grants", false, signed).await?;
		let mut records = self.patient_records(&self.accounts.patients[..m]).await?;
		for (i, list) in records.iter_mut().enumerate() {
			// The prescription first, then the most reports a grant carries.
			list.truncate(LARGEST_GRANT + 1);
			self.records[i] = list.clone();
		}

		let r = self.per_sender.min(n.saturating_sub(2)).max(1);
		let a = &self.accounts;
		let calls: Vec<_> = (0..r)
			.flat_map(|q| {
				(0..m).map(move |i| {
					let doctor = &a.doctors[(i + 2 * n - 2 - q) % n];
					(w::request_access(&a.patients[i].account_id(), (i * r + q) as u64), doctor)
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("requests for the largest grants", false, signed).await?;

		let patients = &self.accounts.patients[..m];
		let pending = self.pending_requests(patients).await?;
		let expires = self.chain().best_number().await? + 14_400;
		let records = &self.records;
		let calls: Vec<_> = patients
			.iter()
			.zip(&pending)
			.enumerate()
			.flat_map(|(i, (p, ids))| {
				ids.iter().map(move |id| (w::grant(*id, expires, &records[i][1..]), p))
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step(&format!("Consent.grant ({LARGEST_GRANT} envelopes)"), true, signed).await
	}

	/// Blocks built from worst cases, for `benchmark block` to check that they execute within
	/// their weight (docs/performance.md): the longest batch of reads, each holder of a largest
	/// grant opening `MAX_READ_BATCH` reports at once, `per_sender` times; then reads that each end a one-time
	/// grant carrying [`LARGEST_GRANT`] keys.
	pub async fn worst_cases(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let (n, m) = (a.n(), a.n().min(self.largest_grant_patients));
		let r = self.per_sender.min(n.saturating_sub(2)).max(1);
		let batch = (MAX_READ_BATCH as usize).min(LARGEST_GRANT);
		let (k, records) = (self.per_sender, &self.records);
		// The same holders as in `largest_grants`, each opening them `k` times: enough blocks
		// for a sustained rate of the longest batches too.
		let calls: Vec<_> = (0..k)
			.flat_map(|_| {
				(0..r).flat_map(move |q| {
					(0..m).map(move |i| {
						let doctor = &a.doctors[(i + 2 * n - 2 - q) % n];
						(w::record_reads(&records[i][1..=batch]), doctor)
					})
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		let kept = std::mem::replace(&mut self.read_batch, batch);
		self.step(&format!("Records.record_reads ({batch}, largest grants)"), true, signed).await?;
		self.read_batch = kept;

		// Patient `i` gives doctors `i+1..=i+r` one use each of all its reports until tomorrow.
		// Doctor `i+1` reads under a 30-day grant already; the one-time grant expires first,
		// so the read uses and ends it, as it does for the others.
		let a = &self.accounts;
		let expires = self.chain().best_number().await? + 14_400;
		let records = &self.records;
		let calls: Vec<_> = (1..=r)
			.flat_map(|j| {
				(0..m).map(move |i| {
					let reader = a.doctors[(i + j) % n].account_id();
					let keys = &records[i][1..=LARGEST_GRANT];
					(w::grant_access_once(&reader, Scope::Reports, expires, keys), &a.patients[i])
				})
			})
			.collect();
		let signed = self.sign(calls).await?;
		self.step("one-time grants of the largest size", false, signed).await?;
		let (a, records) = (&self.accounts, &self.records);
		let reads: Vec<_> = (1..=r)
			.flat_map(|j| {
				(0..m).map(move |i| (w::record_read(records[i][1]), &a.doctors[(i + j) % n]))
			})
			.collect();
		let signed = self.sign(reads).await?;
		self.step(
			&format!("Records.record_read (ending a {LARGEST_GRANT}-key grant)"),
			true,
			signed,
		)
		.await
	}

	/// A day at a clinic, in one window: doctors write and read records, pharmacies dispense,
	/// patients pay, in equal shares.
	pub async fn mix(&mut self) -> anyhow::Result<()> {
		let a = &self.accounts;
		let n = a.n();
		let k = self.per_sender.div_ceil(2);
		let base = (u64::from(std::process::id()) << 32) + (1 << 31);
		let mut signer = Presigner::new(self.chain()).await?;
		let started = Instant::now();
		let mut txs = Vec::new();
		for j in 0..k {
			for i in 0..n {
				let patient = a.patients[i].account_id();
				let seed = base + (i * k + j) as u64 * 2;
				txs.push(
					signer
						.sign(&w::add_record(&patient, seed, None), a.doctors[i].signer())
						.await?,
				);
				let reports = &self.records[i][1..];
				let read = w::record_read(reports[j % reports.len()]);
				txs.push(signer.sign(&read, a.doctors[(i + 1) % n].signer()).await?);
				let dispense = w::dispense(self.records[i][0]);
				txs.push(signer.sign(&dispense, a.pharmacies[i].signer()).await?);
				let pay = w::transfer(&a.sink.account_id());
				txs.push(signer.sign(&pay, a.patients[i].signer()).await?);
			}
		}
		self.step("mix", true, (txs, started.elapsed().as_secs_f64())).await
	}

	/// The account ids of one role (for reports and tests).
	pub fn ids(list: &[Identity]) -> Vec<AccountId32> {
		list.iter().map(|i| i.account_id()).collect()
	}
}
