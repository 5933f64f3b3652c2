//! The client against a real `medchain-node --dev` started by the test: the committed
//! metadata is the runtime's, the whole walkthrough runs, and every failure a user can hit is
//! a clear, typed error.

use std::{process::Command, time::Duration};

use medchain_client::{
	crypto::{keys::Identity, keystore::KeystoreFile, CryptoError},
	roles::{patient::GrantTerms, Application},
	runtime::medchain::runtime_types::{
		bounded_collections::bounded_vec::BoundedVec, medchain_primitives::Scope,
	},
	storage::{no_progress, StorageError},
	walkthrough, ClientError,
};
use medchain_node_harness::{wait_finalized, Node};
use subxt::{
	ext::codec::{Decode, Encode},
	rpcs::rpc_params,
};

const MEDCHAIN: &str = env!("CARGO_BIN_EXE_medchain");

/// `node`, once its first block is finalized.
async fn ready(mut node: Node) -> Node {
	let rpc = node.rpc().await;
	wait_finalized(&node, &rpc, 1, Duration::from_secs(60)).await;
	node
}

/// Read access failed the way a user without access sees it.
fn denied(result: Result<impl std::fmt::Debug, ClientError>, what: &str) {
	match result {
		Err(ClientError::NoEnvelope { .. }) => {}
		Err(ClientError::Dispatch { ref error, .. }) if error == "NoAccess" => {}
		other => panic!("{what}: expected no access, got {other:?}"),
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn committed_metadata_is_the_runtimes() {
	let dir = tempfile::tempdir().unwrap();
	// A six-second chain: the timestamp pallet's minimum period is in the metadata, and a
	// faster dev chain's is shorter.
	let mut node = ready(Node::start("metadata", dir.path(), &["--dev", "--no-prometheus"])).await;
	let rpc = node.rpc().await;
	let hex: String = rpc
		.request(
			"state_call",
			rpc_params![
				"Metadata_metadata_at_version",
				format!("0x{}", hex::encode(16u32.encode()))
			],
		)
		.await
		.unwrap();
	let raw = hex::decode(hex.trim_start_matches("0x")).unwrap();
	let live =
		Option::<Vec<u8>>::decode(&mut &raw[..]).unwrap().expect("the runtime serves metadata V16");
	let committed =
		std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../metadata/medchain.scale")).unwrap();
	assert!(
		live == committed,
		"client/metadata/medchain.scale is stale: regenerate it with scripts/update-metadata.sh"
	);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_story_and_every_failure() {
	let dir = tempfile::tempdir().unwrap();
	let node = ready(Node::dev_fast("story", dir.path(), &["--no-prometheus"])).await;
	let url = node.rpc_url();

	let mut lines = Vec::new();
	let story =
		walkthrough::run(&url, &dir.path().join("story"), &mut |l| lines.push(l.to_string()))
			.await
			.unwrap_or_else(|e| panic!("walkthrough failed: {e}\n{}", node.log_tail()));
	let printed = lines.join("\n");
	println!("{printed}");
	assert!(printed.contains("identical: true"), "{printed}");
	assert!(!printed.contains("identical: false"), "{printed}");
	let cast = &story.cast;
	let actions: Vec<&str> = story.audit.iter().map(|e| e.action.as_str()).collect();
	for expected in [
		"created record",
		"requested access",
		"granted access",
		"denied access",
		"dispensed 21 of prescription",
		"revoked access",
	] {
		assert!(
			actions.iter().any(|a| a.contains(expected)),
			"audit lacks {expected:?}: {actions:#?}"
		);
	}
	assert!(actions.iter().any(|a| a.starts_with(&format!("read record {}", story.report))));

	// Reading without a grant: St. Mary's was denied.
	denied(
		cast.hospital
			.hospital()
			.view(story.prescription, &dir.path().join("x"), no_progress())
			.await,
		"hospital after a denial",
	);
	// After revocation: Dr. Ben's grant was revoked at the end of the story.
	denied(
		cast.second_doctor.doctor().view(story.report, &dir.path().join("x"), no_progress()).await,
		"after revoke",
	);
	// Dispensing twice: the pharmacy's one-time grant is used up.
	let again = cast
		.pharmacy
		.pharmacy()
		.dispense(story.prescription, 1, &dir.path().join("p"), no_progress())
		.await;
	denied(again, "second dispense");

	// A one-time grant used twice.
	let patient = cast.patient.patient();
	let once = patient
		.grant_access(
			&cast.second_doctor.account_id(),
			Scope::Reports,
			GrantTerms { blocks: 100, max_uses: Some(1) },
		)
		.await
		.unwrap()
		.grant;
	let first = cast
		.second_doctor
		.doctor()
		.view(story.report, &dir.path().join("once"), no_progress())
		.await;
	assert_eq!(
		first.unwrap().bytes,
		story.report_bytes.len() as u64,
		"the one use works (grant {once})"
	);
	denied(
		cast.second_doctor
			.doctor()
			.view(story.report, &dir.path().join("twice"), no_progress())
			.await,
		"second use",
	);

	// A batch of reads: one transaction records both reads under a two-use grant, which
	// they use up.
	let both = vec![story.report, story.prescription];
	patient
		.grant_access(
			&cast.second_doctor.account_id(),
			Scope::Records(BoundedVec(both.clone())),
			GrantTerms { blocks: 100, max_uses: Some(2) },
		)
		.await
		.unwrap();
	let batch = dir.path().join("batch");
	let doctor = cast.second_doctor.doctor();
	let read = doctor.view_records(&both, &batch, no_progress()).await.unwrap();
	assert_eq!(read.iter().map(|r| r.record.id).collect::<Vec<_>>(), both);
	let report = std::fs::read(batch.join(format!("record-{}", story.report))).unwrap();
	assert!(report == story.report_bytes, "the batch read decrypts the report");
	denied(doctor.view_records(&both, &batch, no_progress()).await, "a used-up batch grant");
	for ids in [vec![], vec![story.report; 33]] {
		match doctor.view_records(&ids, &batch, no_progress()).await {
			Err(ClientError::Invalid(message)) => assert!(message.contains("32"), "{message}"),
			other => panic!("a batch of {} reads: {other:?}", ids.len()),
		}
	}

	// After expiry: a grant of ten blocks (long enough to be listed once it is final), read
	// after it ran out.
	let short = patient
		.grant_access(
			&cast.second_doctor.account_id(),
			Scope::Reports,
			GrantTerms { blocks: 10, max_uses: None },
		)
		.await
		.unwrap()
		.grant;
	let expires =
		patient.grants().await.unwrap().into_iter().find(|g| g.id == short).unwrap().expires_at;
	while cast.patient.chain.best_number().await.unwrap() <= expires + 1 {
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	denied(
		cast.second_doctor
			.doctor()
			.view(story.report, &dir.path().join("late"), no_progress())
			.await,
		"after expiry",
	);

	// Free text between users is sealed on chain (finding 9): the patient's client opens the
	// purpose, the chain holds only ciphertext.
	let purpose = "suspected arrhythmia, cardiology referral";
	let request = cast
		.second_doctor
		.doctor()
		.request_access(&cast.patient.account_id(), Scope::Reports, purpose, 10)
		.await
		.unwrap();
	assert_eq!(cast.patient.patient().request(request).await.unwrap().purpose, purpose);
	let raw = cast
		.patient
		.chain
		.view(medchain_client::runtime::medchain::view_functions().consent().request(request))
		.await
		.unwrap()
		.unwrap();
	let stored = raw.purpose.0;
	assert!(!stored.windows(10).any(|w| purpose.as_bytes().windows(10).any(|p| p == w)));
	cast.patient.patient().deny(request, "not for this condition").await.unwrap();
	cast.second_doctor.clear_request(request).await.unwrap();

	// An unverified doctor uploads.
	let stranger = medchain_client::roles::Session::new(
		cast.patient.chain.clone(),
		Identity::generate(),
		cast.store.clone(),
		medchain_client::chain::Wait::InBlock,
		medchain_client::storage::CidVersion::V0,
	);
	cast.verifier.transfer(&stranger.account_id(), 100 * walkthrough::MED).await.unwrap();
	stranger
		.doctor()
		.apply(&Application {
			name: "Dr. Nobody".into(),
			specialization: "none".into(),
			licence: "X".into(),
			credentials: "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH".parse().unwrap(),
		})
		.await
		.unwrap();
	let file = dir.path().join("story/files/report.bin");
	let err = stranger
		.doctor()
		.upload_report(&cast.patient.account_id(), &file, "fake", None, no_progress())
		.await
		.unwrap_err();
	assert!(matches!(err, ClientError::NotVerified { .. }), "{err:?}");
	assert!(err.to_string().ends_with("is not verified (status: Pending)"), "{err}");
	assert_eq!(err.exit_code(), 3);

	// A tampered blob: one flipped byte in the stored report fails the read, and nothing is
	// written where the plaintext would go.
	let cid: cid::Cid = cast.patient.record(story.report).await.unwrap().cid.parse().unwrap();
	let block = cast.store.blocks().path_of(&cid);
	let original = std::fs::read(&block).unwrap();
	let mut bent = original.clone();
	bent[original.len() / 2] ^= 1;
	std::fs::write(&block, &bent).unwrap();
	let out = dir.path().join("tampered.bin");
	let err = cast.patient.patient_view(story.report, &out).await.unwrap_err();
	assert!(matches!(err, ClientError::Storage(StorageError::Tampered { .. })), "{err:?}");
	assert_eq!(err.exit_code(), 4);
	assert!(!out.exists());
	std::fs::write(&block, &original).unwrap();
	cast.patient.patient_view(story.report, &out).await.unwrap();
	assert!(std::fs::read(&out).unwrap() == story.report_bytes);

	// A wrong password.
	let keystore = KeystoreFile::seal(&Identity::generate(), "right").unwrap();
	let err: ClientError = keystore.open("wrong", "test").unwrap_err().into();
	assert!(matches!(err, ClientError::Crypto(CryptoError::WrongPassword { .. })));
	assert_eq!(err.exit_code(), 4);

	// The CLI over the same node: keys, registration, JSON output and exit codes.
	let home = dir.path().join("cli-home");
	let cli_at = |node: &str, args: &[&str], password: &str| {
		let out = Command::new(MEDCHAIN)
			.args(["--node", node, "--home"])
			.arg(&home)
			.args(args)
			.env("MEDCHAIN_PASSWORD", password)
			.output()
			.unwrap();
		(
			out.status.code(),
			String::from_utf8_lossy(&out.stdout).into_owned(),
			String::from_utf8_lossy(&out.stderr).into_owned(),
		)
	};
	let cli = |args: &[&str], password: &str| cli_at(&url, args, password);
	let (code, stdout, stderr) = cli(&["--json", "account", "create", "--name", "carol"], "pw");
	assert_eq!(code, Some(0), "{stderr}");
	let created: serde_json::Value = serde_json::from_str(&stdout).unwrap();
	let carol: subxt::utils::AccountId32 = created["account"].as_str().unwrap().parse().unwrap();
	let phrase = created["phrase"].as_str().unwrap();
	assert_eq!(
		Identity::from_phrase(phrase).unwrap().account_id(),
		carol,
		"one phrase restores the account"
	);
	cast.verifier.transfer(&carol, 100 * walkthrough::MED).await.unwrap();
	let (code, _, stderr) = cli(&["-a", "carol", "patient", "register"], "pw");
	assert_eq!(code, Some(0), "{stderr}");
	let (code, stdout, stderr) = cli(&["-a", "carol", "--json", "account", "show"], "pw");
	assert_eq!(code, Some(0), "{stderr}");
	assert!(stdout.contains("\"role\": \"patient\""), "{stdout}");
	let (code, _, stderr) = cli(&["-a", "carol", "patient", "records"], "wrong");
	assert_eq!(code, Some(4), "{stderr}");
	assert!(stderr.contains("wrong password"), "{stderr}");
	let report = dir.path().join("story/files/report.bin");
	let report = report.to_str().unwrap();
	let (code, _, stderr) = cli(
		&["-a", "carol", "doctor", "upload-report", &carol.to_string(), report, "--title", "t"],
		"pw",
	);
	assert_eq!(code, Some(2), "a patient is not a doctor: {stderr}");
	// Several files go in one transaction; too many, or titles that do not pair with them,
	// are refused before anything is stored or signed.
	let carol_address = carol.to_string();
	let mut too_many = vec!["-a", "carol", "doctor", "upload-report", carol_address.as_str()];
	too_many.extend([report; 17]);
	too_many.extend(["--title", "t"]);
	let (code, _, stderr) = cli(too_many.as_slice(), "pw");
	assert_eq!(code, Some(2), "{stderr}");
	assert!(stderr.contains("17 files are too many for one transaction"), "{stderr}");
	assert!(stderr.contains("hint: split the files into batches of at most 16"), "{stderr}");
	let mut unpaired = vec!["-a", "carol", "doctor", "upload-report", carol_address.as_str()];
	unpaired.extend([report, report, "--title", "a", "--title", "b", "--title", "c"]);
	let (code, _, stderr) = cli(unpaired.as_slice(), "pw");
	assert_eq!(code, Some(2), "{stderr}");
	assert!(stderr.contains("one --title per file (3 given for 2 files)"), "{stderr}");
	let (code, stdout, _) = cli(&["blob", "cid", report], "");
	assert_eq!((code, stdout.trim()), (Some(0), "QmTsGMg5AFJJLFmBF7L6CFbu4DaeS2dTFchjcD9ppUrT9h"));
	let (code, _, stderr) =
		cli_at("ws://127.0.0.1:1", &["-a", "carol", "patient", "records"], "pw");
	assert_eq!(code, Some(5), "{stderr}");
}
