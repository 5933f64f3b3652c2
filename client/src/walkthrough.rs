//! The whole MedChain story against a running node, step by step, on any storage (the
//! embedded store, or an IPFS node through its Kubo RPC API): what `medchain walkthrough`
//! (README command 1) shows and what the integration tests check.

use std::path::{Path, PathBuf};

use subxt::utils::AccountId32;

use crate::{
	chain::{Chain, Wait},
	crypto::keys::Identity,
	error::ClientError,
	roles::{patient::GrantTerms, views::AuditInfo, Application, Session},
	runtime::medchain::runtime_types::medchain_primitives::Scope,
	storage::{compute_cid, local::LocalStore, no_progress, CidVersion, ContentStore},
};

/// 1 MED in plancks.
pub const MED: u128 = 1_000_000_000_000;

/// Everyone in the story, connected and registered, for callers (tests) to continue with.
pub struct Cast<S = LocalStore> {
	pub verifier: Session<S>,
	pub patient: Session<S>,
	pub doctor: Session<S>,
	pub second_doctor: Session<S>,
	pub hospital: Session<S>,
	pub pharmacy: Session<S>,
	pub store: S,
	pub dir: PathBuf,
}

/// What happened, for callers to check.
pub struct Story<S = LocalStore> {
	pub cast: Cast<S>,
	pub report: u64,
	pub prescription: u64,
	pub report_bytes: Vec<u8>,
	pub prescription_bytes: Vec<u8>,
	pub second_doctor_grant: u64,
	pub pharmacy_grant: u64,
	pub hospital_request: u64,
	pub audit: Vec<AuditInfo>,
}

/// Prints steps; `say` gets each line.
struct Narrator<'a> {
	say: &'a mut dyn FnMut(&str),
	step: usize,
}

impl Narrator<'_> {
	fn step(&mut self, text: &str) {
		self.step += 1;
		(self.say)(&format!("\n[{:>2}] {text}", self.step));
	}

	fn note(&mut self, text: &str) {
		(self.say)(&format!("     {text}"));
	}
}

fn short(who: &AccountId32) -> String {
	let s = who.to_string();
	format!("{}…{}", &s[..6], &s[s.len() - 4..])
}

/// A new user with a fresh phrase, funded by the verifier (the dev chain's Alice).
async fn newcomer<S: ContentStore + Clone>(
	chain: &Chain,
	store: &S,
	funder: &Session<S>,
) -> Result<Session<S>, ClientError> {
	let session = Session::new(
		chain.clone(),
		Identity::generate(),
		store.clone(),
		Wait::InBlock,
		CidVersion::V0,
	);
	funder.transfer(&session.account_id(), 1_000 * MED).await?;
	Ok(session)
}

/// A practitioner's application, with the credentials document they hand the verifier (the
/// licence and `document`, stored and named by CID).
async fn application<S: ContentStore>(
	store: &S,
	name: &str,
	specialization: &str,
	licence: &str,
	document: &str,
) -> Result<Application, ClientError> {
	let text = format!("{licence} {document}").trim_end().to_string();
	let credentials = store
		.add(Box::new(std::io::Cursor::new(text.into_bytes())), CidVersion::V0, no_progress())
		.await?;
	Ok(Application {
		name: name.into(),
		specialization: specialization.into(),
		licence: licence.into(),
		credentials,
	})
}

/// A report of `len` bytes that looks like a scan: deterministic, not compressible.
pub fn sample_report(len: usize) -> Vec<u8> {
	let mut x = 0x4d45_4443u32;
	(0..len)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			x as u8
		})
		.collect()
}

/// Sets up the cast: five newcomers funded by `//Alice` (the dev chain's sudo and first
/// verifier), registered, and the four practitioners verified.
pub async fn cast(url: &str, dir: &Path, say: &mut dyn FnMut(&str)) -> Result<Cast, ClientError> {
	let mut n = Narrator { say, step: 0 };
	let store = LocalStore::open(&dir.join("ipfs"))?;
	cast_with(url, dir, store, &mut n).await
}

async fn cast_with<S: ContentStore + Clone>(
	url: &str,
	dir: &Path,
	store: S,
	n: &mut Narrator<'_>,
) -> Result<Cast<S>, ClientError> {
	let chain = Chain::connect(url).await?;
	let verifier = Session::new(
		chain.clone(),
		Identity::from_secret("//Alice")?,
		store.clone(),
		Wait::InBlock,
		CidVersion::V0,
	);

	n.step("A patient, two doctors, a hospital and a pharmacy create keys (one phrase each) and get funds from Alice");
	// Each step submits its calls together: `Chain` hands them to the pool one after the
	// other, so Alice's transfers and verifications get consecutive nonces, and a step takes
	// one block instead of one per call.
	let (patient, doctor, second_doctor, hospital, pharmacy) = futures::try_join!(
		newcomer(&chain, &store, &verifier),
		newcomer(&chain, &store, &verifier),
		newcomer(&chain, &store, &verifier),
		newcomer(&chain, &store, &verifier),
		newcomer(&chain, &store, &verifier),
	)?;
	for (who, s) in [
		("patient", &patient),
		("Dr. Ada (GP)", &doctor),
		("Dr. Ben (cardiology)", &second_doctor),
		("St. Mary's hospital", &hospital),
		("Corner pharmacy", &pharmacy),
	] {
		n.note(&format!("{who:<22} {}", s.account_id()));
	}

	n.step("They register: the patient directly, the practitioners apply with their credentials");
	let ada = application(&store, "Dr. Ada", "general practice", "GMC-1001", "diploma").await?;
	let ben = application(&store, "Dr. Ben", "cardiology", "GMC-2002", "diploma").await?;
	let mary = application(&store, "St. Mary's", "hospital", "CQC-3003", "registration").await?;
	let corner = application(&store, "Corner pharmacy", "pharmacy", "GPhC-4004", "").await?;
	let roles = (
		patient.patient(),
		doctor.doctor(),
		second_doctor.doctor(),
		hospital.hospital(),
		pharmacy.pharmacy(),
	);
	futures::try_join!(
		roles.0.register(),
		roles.1.apply(&ada),
		roles.2.apply(&ben),
		roles.3.apply(&mary),
		roles.4.apply(&corner),
	)?;
	let pending = verifier.verifier().pending().await?;
	n.note(&format!("{} applications wait for a verifier", pending.len()));

	n.step("The verifier (Alice) checks the credentials and verifies all four");
	let practitioners = [&doctor, &second_doctor, &hospital, &pharmacy];
	let ids: Vec<AccountId32> = practitioners.iter().map(|s| s.account_id()).collect();
	let verifier_role = verifier.verifier();
	futures::future::try_join_all(ids.iter().map(|id| verifier_role.verify(id, None))).await?;
	for id in &ids {
		let view = verifier.account(id).await?;
		n.note(&format!(
			"{:<16} {} is {}",
			view.name.unwrap_or_default(),
			short(id),
			view.status.unwrap_or_default()
		));
	}
	Ok(Cast {
		verifier,
		patient,
		doctor,
		second_doctor,
		hospital,
		pharmacy,
		store,
		dir: dir.to_path_buf(),
	})
}

/// Runs the whole story on the embedded store in `dir`; `say` gets every line to print.
pub async fn run(url: &str, dir: &Path, say: &mut dyn FnMut(&str)) -> Result<Story, ClientError> {
	run_on(url, dir, LocalStore::open(&dir.join("ipfs"))?, say).await
}

/// Runs the whole story with every file stored in `store` (an IPFS node, say).
pub async fn run_on<S: ContentStore + Clone>(
	url: &str,
	dir: &Path,
	store: S,
	say: &mut dyn FnMut(&str),
) -> Result<Story<S>, ClientError> {
	let mut n = Narrator { say, step: 0 };
	(n.say)(&format!("Files are stored in {}", store.describe()));
	let cast = cast_with(url, dir, store, &mut n).await?;
	let Cast { patient, doctor, second_doctor, hospital, pharmacy, .. } = &cast;
	let me = patient.account_id();

	n.step("The patient books an appointment with Dr. Ada; she accepts");
	let at = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64 + 86_400_000)
		.unwrap_or_default();
	let appointment = patient.patient().book(&doctor.account_id(), at, "persistent cough").await?;
	doctor.doctor().accept(appointment).await?;
	let booked = doctor.doctor().appointments().await?;
	let reason =
		booked.iter().find(|a| a.id == appointment).map(|a| a.reason.clone()).unwrap_or_default();
	n.note(&format!("appointment {appointment}: accepted; the reason is sealed on chain, Dr. Ada reads \"{reason}\""));

	n.step("Dr. Ada uploads a report (1 MiB scan) and a prescription, encrypted on her machine");
	let files = dir.join("files");
	std::fs::create_dir_all(&files)?;
	let report_bytes = sample_report(1 << 20);
	let prescription_bytes = b"Amoxicillin 500 mg, 3x daily for 7 days. Qty: 21".to_vec();
	std::fs::write(files.join("report.bin"), &report_bytes)?;
	std::fs::write(files.join("prescription.txt"), &prescription_bytes)?;
	let report = doctor
		.doctor()
		.upload_report(&me, &files.join("report.bin"), "Chest X-ray", None, no_progress())
		.await?;
	let prescription = doctor
		.doctor()
		.upload_prescription(
			&me,
			&files.join("prescription.txt"),
			"Amoxicillin",
			21,
			None,
			no_progress(),
		)
		.await?;
	for id in [report, prescription] {
		let info = patient.record(id).await?;
		n.note(&format!("record {id}: {} {} ({} encrypted bytes)", info.kind, info.cid, info.size));
	}
	let plain_cid = compute_cid(&report_bytes[..], CidVersion::V0)?;
	n.note(&format!("the plaintext scan would be {plain_cid}: that CID appears nowhere"));

	n.step(
		"The patient views both records: decrypted bytes are identical to what the doctor wrote",
	);
	for (id, original, name) in [
		(report, &report_bytes, "report.bin"),
		(prescription, &prescription_bytes, "prescription.txt"),
	] {
		let out = files.join(format!("patient-{name}"));
		let read = patient.patient_view(id, &out).await?;
		let same = std::fs::read(&out)? == *original;
		n.note(&format!(
			"record {id} \"{}\": {} bytes, identical: {same}",
			read.record.title.unwrap_or_default(),
			read.bytes
		));
		if !same {
			return Err(ClientError::chain(format!("record {id} did not round-trip")));
		}
	}

	n.step("Dr. Ben asks for the patient's reports; the patient grants them for one hour");
	let request = second_doctor
		.doctor()
		.request_access(&me, Scope::Reports, "cardiology referral", 600)
		.await?;
	let requests = patient.patient().requests().await?;
	n.note(&format!("pending for the patient: {}", requests.len()));
	let second_doctor_grant =
		patient.patient().grant(request, GrantTerms { blocks: 600, max_uses: None }).await?.grant;
	let out = files.join("ben-report.bin");
	let read = second_doctor.doctor().view(report, &out, no_progress()).await?;
	n.note(&format!(
		"grant {second_doctor_grant}: Dr. Ben read record {report} ({} bytes, identical: {})",
		read.bytes,
		std::fs::read(&out)? == report_bytes
	));

	n.step("St. Mary's asks for the patient's prescriptions; the patient denies");
	let hospital_request =
		hospital.hospital().request_prescriptions(&me, "admission check", 600).await?;
	patient.patient().deny(hospital_request, "not needed").await?;
	let refused = hospital.hospital().view(prescription, &files.join("h.txt"), no_progress()).await;
	n.note(&format!(
		"St. Mary's tries to read anyway: {}",
		refused.err().map(|e| e.to_string()).unwrap_or_default()
	));

	n.step("The pharmacy asks for prescriptions; the patient grants once; the pharmacy dispenses");
	let request = pharmacy.pharmacy().request_prescriptions(&me, "dispense", 600).await?;
	let pharmacy_grant = patient
		.patient()
		.grant(request, GrantTerms { blocks: 600, max_uses: Some(1) })
		.await?
		.grant;
	let dispensed = pharmacy
		.pharmacy()
		.dispense(prescription, 21, &files.join("pharmacy-prescription.txt"), no_progress())
		.await?;
	n.note(&format!(
		"dispensed {} of prescription {prescription}, {} remaining; the one-time grant {pharmacy_grant} is used up",
		dispensed.quantity, dispensed.remaining
	));

	n.step("The patient revokes Dr. Ben's grant and reads the audit trail");
	patient.patient().revoke(second_doctor_grant).await?;
	let after =
		second_doctor.doctor().view(report, &files.join("ben-again.bin"), no_progress()).await;
	n.note(&format!(
		"Dr. Ben after revocation: {}",
		after.err().map(|e| e.to_string()).unwrap_or_default()
	));
	let audit = patient.patient().audit().await?;
	for entry in &audit {
		n.note(&format!(
			"#{:<5} {} {}",
			entry.block,
			short(&entry.actor.parse().unwrap_or(me)),
			entry.action
		));
	}
	n.step("Done: every access above was decided by the patient and is on the audit trail");

	Ok(Story {
		cast,
		report,
		prescription,
		report_bytes,
		prescription_bytes,
		second_doctor_grant,
		pharmacy_grant,
		hospital_request,
		audit,
	})
}
