//! SMART Health Links end to end, against a real dev node and a real `share-host` on loopback,
//! received by code MedChain did not write: npm `kill-the-clipboard` and `jose` under
//! `node --test` (testing/shl-receiver, pinned by its package-lock).

mod common;

use std::{path::Path, process::Command};

use common::*;
use medchain_client::{
	crypto::keys::Identity,
	roles::{links::ShareRequest, patient::GrantTerms, profile::Profile},
	runtime::medchain::runtime_types::medchain_primitives::Scope,
	share::{host::HostClient, link::link_id, receive, ShLink},
	storage::{local::LocalStore, no_progress},
	ClientError,
};
use medchain_dashboard::share_host::ShareHost;
use sha2::{Digest, Sha256};

/// A patient with one report written by a verified doctor, and a running share host.
struct World {
	_dir: tempfile::TempDir,
	_node: medchain_node_harness::Node,
	patient: medchain_client::roles::Session<LocalStore>,
	report: u64,
	original: Vec<u8>,
	host: ShareHost,
	host_dir: std::path::PathBuf,
}

async fn world() -> World {
	let dir = tempfile::tempdir().unwrap();
	let node = dev_node(dir.path()).await;
	let url = node.rpc_url();
	let home = dir.path().join("home");
	let doctor_address = practitioner(&url, &home, "ada", "doctor", "Dr. Ada").await;
	let me = Identity::generate();
	fund(&url, &home, &me.account_id().to_string()).await;
	let patient = session(&url, &home, me).await;
	patient.patient().register().await.unwrap();
	let tomorrow =
		std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
			as u64 + 86_400_000;
	let appointment = patient
		.patient()
		.book(&doctor_address.parse().unwrap(), tomorrow, "check-up")
		.await
		.unwrap();
	let ada = medchain_client::crypto::keystore::KeystoreFile::load(&home.join("keys/ada.json"))
		.unwrap()
		.open(PASSWORD, "ada")
		.unwrap();
	let doctor = session(&url, &home, ada).await;
	doctor.doctor().accept(appointment).await.unwrap();
	let original = b"%PDF-1.4\nDischarge summary: blood pressure 120/80.\n".repeat(40);
	let file = dir.path().join("summary.pdf");
	std::fs::write(&file, &original).unwrap();
	let report = doctor
		.doctor()
		.upload_report(&patient.account_id(), &file, "Discharge summary", None, no_progress())
		.await
		.unwrap();

	let host = share_host(&url, &home).await;
	let host_dir = home.join("share-host");
	World { _dir: dir, _node: node, patient, report, original, host, host_dir }
}

impl World {
	async fn share(&self, uses: u32, passcode: Option<&str>, label: &str) -> (ShLink, String) {
		let shared = self
			.patient
			.patient()
			.share_link(&ShareRequest {
				records: vec![self.report],
				hours: 1,
				blocks: None,
				uses,
				passcode: passcode.map(Into::into),
				label: Some(label.into()),
				host: self.host.url().into(),
				direct: false,
			})
			.await
			.unwrap();
		(shared.link, shared.id)
	}
}

/// Runs one of testing/shl-receiver's `node --test` files with `env`; returns its output.
fn receiver(test: &str, env: &[(&str, &str)]) -> (bool, String) {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/shl-receiver.sh");
	let output = Command::new(script).arg(test).envs(env.iter().copied()).output().unwrap();
	let text = format!(
		"{}\n{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	(output.status.success(), text)
}

/// Runs both FHIR R4 validators (testing/fhir-validator) on `file`.
fn validator(file: &Path) -> (bool, String) {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fhir-validator.sh");
	let output = Command::new(script).arg("validate").arg(file).output().unwrap();
	let text = format!(
		"{}\n{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	(output.status.success(), text)
}

/// The manifest request's status and body, sent by hand.
async fn manifest(link: &ShLink, passcode: Option<&str>) -> (u16, serde_json::Value) {
	let mut body = serde_json::json!({ "recipient": "Dr. Who" });
	if let Some(passcode) = passcode {
		body["passcode"] = passcode.into();
	}
	let response = reqwest::Client::new().post(&link.url).json(&body).send().await.unwrap();
	let status = response.status().as_u16();
	(status, response.json().await.unwrap_or_default())
}

fn sha256_hex(bytes: &[u8]) -> String {
	hex::encode(Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_viewer_opens_a_one_use_link_once_and_the_patient_sees_who() {
	let w = world().await;
	let (link, id) = w.share(1, None, "For the walk-in clinic").await;
	let uri = link.with_viewer("https://viewer.example.org/#");

	let out = w.host_dir.join("../received.json");
	let (ok, text) = receiver(
		"receive",
		&[
			("SHLINK", &uri),
			("RECIPIENT", "Dr. Who, walk-in clinic"),
			("EXPECT_SHA256", &sha256_hex(&w.original)),
			("OUT", out.to_str().unwrap()),
		],
	);
	assert!(ok, "kill-the-clipboard could not open the link:\n{text}");
	let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
	assert_eq!(bundle["type"], "collection");
	let (ok, report) = validator(&out);
	assert!(ok, "the shared bundle is not valid FHIR R4:\n{report}");

	// One use: the second request finds nothing, and the link is gone from the chain.
	assert_eq!(manifest(&link, None).await.0, 404);
	assert!(matches!(receive::open(&link, "again", None).await, Err(ClientError::LinkClosed)));
	assert!(w.patient.patient().links().await.unwrap().is_empty());

	// Exactly one opening on the audit trail, naming the recipient as they gave it.
	let trail = w.patient.patient().audit().await.unwrap();
	let served: Vec<_> =
		trail.iter().filter(|e| e.action.starts_with("served share link")).collect();
	assert_eq!(served.len(), 1, "{trail:?}");
	assert!(served[0].action.contains("\"Dr. Who, walk-in clinic\""), "{trail:?}");
	assert!(trail.iter().any(|e| e.action.starts_with("created share link")));
	assert!(trail.iter().any(|e| e.action.ends_with("was used up")));

	// A direct (U) link: the viewer fetches the one file without a manifest request.
	let direct = w
		.patient
		.patient()
		.share_link(&ShareRequest {
			records: vec![w.report],
			hours: 1,
			blocks: None,
			uses: 2,
			passcode: None,
			label: Some("Direct".into()),
			host: w.host.url().into(),
			direct: true,
		})
		.await
		.unwrap();
	assert!(direct.link.to_uri().len() > 8 && direct.link.flags.direct);
	let (ok, text) = receiver(
		"receive",
		&[
			("SHLINK", &direct.link.to_uri()),
			("RECIPIENT", "Dr. Direct"),
			("EXPECT_SHA256", &sha256_hex(&w.original)),
		],
	);
	assert!(ok, "kill-the-clipboard could not open the direct link:\n{text}");
	let files = receive::open(&direct.link, "Dr. Direct", None).await.unwrap();
	assert_eq!(files.len(), 1);
	assert!(matches!(
		receive::open(&direct.link, "again", None).await,
		Err(ClientError::LinkClosed)
	));

	// Nothing the host stores contains the key, in any encoding.
	let key_b64 = ShLink::parse(&uri).unwrap().to_uri();
	let key_hex = hex::encode(link.key);
	for entry in std::fs::read_dir(&w.host_dir).unwrap() {
		let stored = std::fs::read_to_string(entry.unwrap().path()).unwrap();
		assert!(!stored.contains(&key_hex));
		assert!(!stored.contains(key_b64.trim_start_matches("shlink:/")));
	}
	let _ = id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passcodes_count_down_then_lock_the_link_for_good() {
	let w = world().await;
	let (link, id) = w.share(5, Some("4711"), "Allergy list").await;
	let uri = link.to_uri();

	let (ok, text) = receiver(
		"passcode",
		&[("SHLINK", &uri), ("RECIPIENT", "mallory"), ("WRONG_PASSCODE", "0000")],
	);
	assert!(ok, "{text}");
	assert!(text.contains("\"remainingAttempts\":9"), "{text}");

	// Parallel wrong guesses are decided one at a time: each sees its own count.
	let guesses = (0..3).map(|_| manifest(&link, Some("1234")));
	let mut left: Vec<u64> = futures::future::join_all(guesses)
		.await
		.into_iter()
		.map(|(status, body)| {
			assert_eq!(status, 401);
			body["remainingAttempts"].as_u64().unwrap()
		})
		.collect();
	left.sort();
	assert_eq!(left, vec![6, 7, 8]);

	// The right passcode opens it, with jose as the receiver this time.
	let (ok, text) = receiver(
		"receive",
		&[
			("SHLINK", &uri),
			("RECIPIENT", "Dr. Who"),
			("PASSCODE", "4711"),
			("MODE", "jose"),
			("EMBEDDED_LENGTH_MAX", "0"),
			("EXPECT_SHA256", &sha256_hex(&w.original)),
		],
	);
	assert!(ok, "jose could not open the link:\n{text}");

	for expected in (0..6).rev() {
		let (status, body) = manifest(&link, Some("nope")).await;
		assert_eq!(status, 401);
		assert_eq!(body["remainingAttempts"], expected);
	}
	// Locked: even the right passcode gets 404, and the chain has ended the link.
	assert_eq!(manifest(&link, Some("4711")).await.0, 404);
	assert!(w.patient.patient().links().await.unwrap().iter().all(|l| l.id != id));
	let trail = w.patient.patient().audit().await.unwrap();
	assert_eq!(
		trail.iter().filter(|e| e.action.starts_with("refused a wrong passcode")).count(),
		10
	);
	assert!(trail.iter().any(|e| e.action.contains("after too many wrong passcodes")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revocation_closes_a_link_and_bad_input_is_refused() {
	let w = world().await;
	let (link, id) = w.share(3, None, "Second opinion").await;
	let listed = w.patient.patient().links().await.unwrap();
	assert_eq!(listed.len(), 1);
	assert_eq!(listed[0].records, vec![w.report]);
	assert_eq!(listed[0].label.as_deref(), Some("Second opinion"));

	w.patient.patient().revoke_link(&id).await.unwrap();
	assert_eq!(manifest(&link, None).await.0, 404);

	// An upload for a live link, signed by someone else, or not JSON, is refused.
	let (other, other_id) = w.share(1, None, "Other").await;
	let raw = link_id(other.url.rsplit('/').next().unwrap());
	assert_eq!(hex::encode(raw), other_id);
	let http = reqwest::Client::new();
	let put = |body: &'static str, signature: &str, kind: &'static str| {
		http.put(format!("{}/api/links/{other_id}", w.host.url()))
			.header("content-type", kind)
			.header("x-medchain-signature", signature.to_string())
			.body(body)
			.send()
	};
	let stranger = Identity::generate();
	let forged = hex::encode(
		stranger.signer().sign(&medchain_client::share::host::upload_message(&raw, b"{}")).0,
	);
	assert_eq!(put("{}", &forged, "application/json").await.unwrap().status(), 403);
	assert_eq!(put("{}", &forged, "text/plain").await.unwrap().status(), 415);
	// The patient's real files were not replaced: the link still opens.
	assert_eq!(manifest(&other, None).await.0, 200);

	// An upload larger than a host takes is refused before it is read.
	let huge = vec![b' '; medchain_client::share::host::MAX_UPLOAD + 1];
	let response = http
		.put(format!("{}/api/links/{other_id}", w.host.url()))
		.header("content-type", "application/json")
		.header("x-medchain-signature", forged.clone())
		.body(huge)
		.send()
		.await
		.unwrap();
	assert_eq!(response.status(), 413);

	// A link that reaches its expiry block answers 404 from then on.
	let short = w
		.patient
		.patient()
		.share_link(&ShareRequest {
			records: vec![w.report],
			hours: 1,
			blocks: Some(3),
			uses: 5,
			passcode: None,
			label: None,
			host: w.host.url().into(),
			direct: false,
		})
		.await
		.unwrap();
	let deadline = short.expires_at;
	while w.patient.chain.best_number().await.unwrap() + 1 < deadline {
		tokio::time::sleep(std::time::Duration::from_millis(200)).await;
	}
	assert_eq!(manifest(&short.link, None).await.0, 404);

	// A malformed link, and a host that is down, get clear errors.
	assert!(ShLink::parse("shlink:/not-base64!").is_err());
	let down = HostClient::new("http://127.0.0.1:9").unwrap();
	assert!(matches!(down.info().await, Err(ClientError::Host { .. })));
	// Every answer is open to any origin and never cached.
	let response =
		http.post(&link.url).json(&serde_json::json!({"recipient": "x"})).send().await.unwrap();
	assert_eq!(response.headers()["access-control-allow-origin"], "*");
	assert_eq!(response.headers()["cache-control"], "no-store");
}

#[test]
fn the_specifications_example_file_decrypts() {
	let (ok, text) = receiver("spec-example", &[]);
	assert!(ok, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_profile_names_the_patient_to_their_doctor_and_the_export_is_valid_fhir() {
	let w = world().await;
	let url = w._node.rpc_url();
	let home = w.host_dir.parent().unwrap().to_path_buf();
	let profile = Profile {
		name: "Alice Example".into(),
		birth_date: "1980-04-23".into(),
		sex: Some("female".into()),
		phone: Some("+44 20 7946 0958".into()),
	};
	let bad = Profile { birth_date: "23/04/1980".into(), ..profile.clone() };
	assert!(matches!(w.patient.patient().set_profile(&bad).await, Err(ClientError::Invalid(_))));
	w.patient.patient().set_profile(&profile).await.unwrap();
	assert_eq!(w.patient.patient().profile().await.unwrap(), Some(profile.clone()));

	// The treating doctor reads the name; a doctor with no appointment or grant does not.
	let ada = medchain_client::crypto::keystore::KeystoreFile::load(&home.join("keys/ada.json"))
		.unwrap()
		.open(PASSWORD, "ada")
		.unwrap();
	let doctor = session(&url, &home, ada).await;
	let listed = doctor.doctor().appointments().await.unwrap();
	assert_eq!(listed[0].patient_name.as_deref(), Some("Alice Example"));
	let ben = practitioner(&url, &home, "ben", "doctor", "Dr. Ben").await;
	let ben_id = medchain_client::crypto::keystore::KeystoreFile::load(&home.join("keys/ben.json"))
		.unwrap()
		.open(PASSWORD, "ben")
		.unwrap();
	let ben_session = session(&url, &home, ben_id).await;
	assert_eq!(ben_session.patient_name(&w.patient.account_id()).await, None);

	// A grant to the second doctor seals the profile to them too.
	let terms = GrantTerms { blocks: 600, max_uses: None };
	w.patient.patient().grant_access(&ben.parse().unwrap(), Scope::Reports, terms).await.unwrap();
	assert_eq!(
		ben_session.patient_name(&w.patient.account_id()).await.as_deref(),
		Some("Alice Example")
	);

	// The export: every resource, then both independent validators with zero issues.
	let (bundle, summary) = w.patient.patient().export_fhir(false).await.unwrap();
	assert_eq!(summary.documents, 1);
	assert_eq!(summary.practitioners, 2);
	assert_eq!(summary.consents, 1);
	assert_eq!(
		summary.audit_events, 3,
		"appointment accepted, record created, access granted: {summary:?}"
	);
	let file = home.join("history.fhir.json");
	std::fs::write(&file, serde_json::to_vec_pretty(&bundle).unwrap()).unwrap();
	let (ok, report) = validator(&file);
	assert!(ok, "the export is not valid FHIR R4:\n{report}");
	let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
	let entries = json["entry"].as_array().unwrap();
	let patient = entries.iter().find(|e| e["resource"]["resourceType"] == "Patient").unwrap();
	assert_eq!(patient["resource"]["name"][0]["text"], "Alice Example");
	assert_eq!(patient["resource"]["birthDate"], "1980-04-23");
	let document =
		entries.iter().find(|e| e["resource"]["resourceType"] == "DocumentReference").unwrap();
	let data = document["resource"]["content"][0]["attachment"]["data"].as_str().unwrap();
	use base64::Engine;
	assert_eq!(base64::engine::general_purpose::STANDARD.decode(data).unwrap(), w.original);
	// Every audit event names a block whose hash the chain confirms.
	let event = entries.iter().find(|e| e["resource"]["resourceType"] == "AuditEvent").unwrap();
	let hash = event["resource"]["entity"][0]["what"]["identifier"]["value"].as_str().unwrap();
	let block: u32 = event["resource"]["entity"][0]["description"]
		.as_str()
		.unwrap()
		.trim_start_matches("block ")
		.parse()
		.unwrap();
	let (on_chain, _) = w.patient.chain.block_time(block).await.unwrap();
	assert_eq!(format!("{on_chain:?}"), hash);

	// By reference: the encrypted file's CID instead of the content, still valid.
	let (bundle, _) = w.patient.patient().export_fhir(true).await.unwrap();
	std::fs::write(&file, serde_json::to_vec_pretty(&bundle).unwrap()).unwrap();
	let (ok, report) = validator(&file);
	assert!(ok, "the export by reference is not valid FHIR R4:\n{report}");
	let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
	let document = json["entry"]
		.as_array()
		.unwrap()
		.iter()
		.find(|e| e["resource"]["resourceType"] == "DocumentReference")
		.unwrap();
	let attachment = &document["resource"]["content"][0]["attachment"];
	assert!(attachment["url"].as_str().unwrap().starts_with("ipfs://"), "{attachment}");
	assert!(attachment.get("data").is_none(), "{attachment}");
	assert_eq!(attachment["size"], w.original.len());
}

#[test]
fn the_fhir_validators_catch_what_is_wrong() {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fhir-validator.sh");
	let output = Command::new(script).arg("test").output().unwrap();
	assert!(
		output.status.success(),
		"{}\n{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
}
