//! Keys released by the validators, against real node processes. The same rules are checked on
//! a dev node (a committee of one) and on the 4-validator `local` network on loopback
//! (threshold 3), which also shows what the threshold guarantees when validators fail, crash
//! or lie. Both run with one-second blocks: they test the rules and the committee, not
//! six-second consensus (the fault tests keep that).

use std::time::{Duration, Instant};

use medchain_client::{
	chain::Wait,
	crypto::{envelope, stream, two_lock, DataKey},
	roles::{patient::GrantTerms, release::one_time_key, Session},
	runtime::medchain::{self as api, runtime_types::medchain_primitives::Scope},
	storage::{no_progress, ContentStore},
	walkthrough, ClientError,
};
use medchain_node_harness::{local_network_fast, Node};
use medchain_threshold::{seal, DecryptionShare, Purpose};
use subxt::{
	rpcs::{rpc_params, RpcClient},
	utils::AccountId32,
};

/// What a validator answered: its share sealed to the read's key, or an error code.
#[derive(serde::Deserialize, Debug)]
struct Answer {
	index: u16,
	sealed: String,
}

/// Asks the validator at `url` for its share of `record` for `reader`'s read at `at`.
async fn ask(url: &str, record: u64, reader: &AccountId32, at: u32) -> Result<Answer, i32> {
	let rpc = RpcClient::from_insecure_url(url).await.expect("validator RPC");
	match rpc
		.request::<Answer>("keyRelease_share", rpc_params![record, reader.to_string(), at])
		.await
	{
		Ok(answer) => Ok(answer),
		Err(subxt::rpcs::Error::User(e)) => Err(e.code),
		Err(e) => panic!("keyRelease_share failed outright: {e}"),
	}
}

/// Waits until the chain's committee has its key; returns how long the key generation took.
/// If it never comes, the failure shows what each member's node did about it.
async fn committee_ready<S: ContentStore>(
	session: &Session<S>,
	members: &[&Node],
	limit: Duration,
) -> Duration {
	let started = Instant::now();
	loop {
		let committee =
			session.chain.view(api::view_functions().key_release().committee()).await.unwrap();
		if committee.as_ref().is_some_and(|c| c.key.is_some()) {
			return started.elapsed();
		}
		if started.elapsed() >= limit {
			let logs: Vec<String> = members.iter().map(|node| key_generation_log(node)).collect();
			panic!(
				"no committee key after {limit:?}; committee: {committee:?}\n{}",
				logs.join("\n")
			);
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// A node's key-generation lines (what it sent, what failed), the last 30, and its last lines.
fn key_generation_log(node: &Node) -> String {
	let log = node.log();
	let steps: Vec<&str> = log.lines().filter(|line| line.contains("key-release")).collect();
	format!(
		"--- {}: key generation ---\n{}\n--- {}: last lines ---\n{}",
		node.name,
		steps[steps.len().saturating_sub(30)..].join("\n"),
		node.name,
		node.log_tail()
	)
}

/// Records `reader`'s read of `record` with a fresh one-time key, waiting only for a block
/// (not finality); returns the key and the block.
async fn read_in_block<S: ContentStore>(
	reader: &Session<S>,
	record: u64,
) -> (x25519_dalek::StaticSecret, u32) {
	let (secret, public) = one_time_key();
	let call = api::tx().records().record_read(record, Some(public));
	let included = reader.chain.submit(&call, reader.me.signer(), Wait::InBlock).await.unwrap();
	(secret, reader.chain.block_number(included.block).await.unwrap())
}

/// Opens a validator's sealed answer with `secret`, for `record` read by `reader`.
fn open_answer(
	answer: &Answer,
	secret: &[u8; 32],
	record: u64,
	reader: &AccountId32,
) -> Result<Vec<(Purpose, DecryptionShare)>, seal::SealError> {
	use codec::Decode;
	let sealed = hex::decode(answer.sealed.trim_start_matches("0x")).unwrap();
	let plain =
		seal::open(secret, &seal::answer_info(record, reader.as_ref(), answer.index), &sealed)?;
	Ok(Vec::decode(&mut &plain[..]).expect("a SCALE list of shares"))
}

/// Whether `key` decrypts the encrypted file `cid` in `store`.
async fn decrypts<S: ContentStore>(store: &S, cid: &cid::Cid, key: &DataKey) -> bool {
	use std::io::Write;
	let (ciphertext, _) = store.get(cid, Vec::new(), no_progress()).await.expect("the file");
	let mut writer = stream::DecryptingWriter::new(Vec::new(), key);
	writer.write_all(&ciphertext).is_ok() && writer.finish().is_ok()
}

/// The envelope part this grantee holds for `record`, as a client that kept it would.
async fn kept_envelope_part<S: ContentStore>(
	grantee: &Session<S>,
	record: u64,
	cid: &cid::Cid,
) -> DataKey {
	let sealed = grantee
		.chain
		.view(api::view_functions().records().envelope(record, grantee.account_id()))
		.await
		.unwrap()
		.expect("the grantee holds an envelope");
	envelope::open(grantee.me.encryption_secret(), &sealed, cid).unwrap()
}

/// The cast's doctor treats the patient (an accepted appointment) and uploads `n` reports of
/// different sizes; returns their ids and the plaintext files.
async fn treated_with_reports<S: ContentStore + Clone>(
	cast: &walkthrough::Cast<S>,
	dir: &std::path::Path,
	n: usize,
) -> (Vec<u64>, Vec<std::path::PathBuf>) {
	let patient = cast.patient.account_id();
	let at = 4_102_444_800_000;
	let booked = cast.patient.patient().book(&cast.doctor.account_id(), at, "check-up").await;
	cast.doctor.doctor().accept(booked.unwrap()).await.unwrap();
	let mut ids = Vec::new();
	let mut files = Vec::new();
	for i in 0..n {
		let file = dir.join(format!("report-{i}.bin"));
		std::fs::write(&file, walkthrough::sample_report(20_000 + i * 1_001)).unwrap();
		let id = cast
			.doctor
			.doctor()
			.upload_report(&patient, &file, &format!("report {i}"), None, no_progress())
			.await
			.unwrap();
		ids.push(id);
		files.push(file);
	}
	(ids, files)
}

/// Median and worst of `ms`, for the docs.
fn summary(ms: &mut [u64]) -> String {
	ms.sort_unstable();
	format!("median {} ms, worst {} ms over {} reads", ms[ms.len() / 2], ms[ms.len() - 1], ms.len())
}

/// [`ask`], asked again while the validator answers "not final" (4001): validators finalize
/// a moment apart, and the reader's node may be ahead of the one asked.
async fn ask_final(url: &str, record: u64, reader: &AccountId32, at: u32) -> Result<Answer, i32> {
	let deadline = Instant::now() + Duration::from_secs(60);
	loop {
		match ask(url, record, reader, at).await {
			Err(4001) if Instant::now() < deadline => {
				tokio::time::sleep(Duration::from_millis(300)).await
			}
			answer => return answer,
		}
	}
}

/// What every validator at `urls` answers for `record` read by `reader` at `at`, once the
/// block is final there: 0 for a share, else the error code.
async fn ask_all(urls: &[String], record: u64, reader: &AccountId32, at: u32) -> Vec<i32> {
	let mut out = Vec::new();
	for url in urls {
		out.push(ask_final(url, record, reader, at).await.map(|_| 0).unwrap_or_else(|code| code));
	}
	out
}

/// Waits until `block` is final on `session`'s node.
async fn wait_final<S: ContentStore>(session: &Session<S>, block: u32) -> bool {
	for _ in 0..120 {
		if session.chain.finalized_number().await.unwrap() >= block {
			return true;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	false
}

/// The patient grants the hospital its reports (30 reads, long enough for the whole test);
/// returns the grant's id.
async fn grant_reports<S: ContentStore>(cast: &walkthrough::Cast<S>) -> u64 {
	let terms = GrantTerms { blocks: 10_000, max_uses: Some(30) };
	let hospital = cast.hospital.account_id();
	let granted = cast.patient.patient().grant_access(&hospital, Scope::Reports, terms).await;
	granted.unwrap().grant
}

/// The committee under test: its validators' URLs and its size.
struct Committee {
	urls: Vec<String>,
	members: u16,
	threshold: u16,
}

/// A read entry checked again at the end, once it is older than the release window.
struct OldRead {
	record: u64,
	reader: AccountId32,
	block: u32,
}

/// The rules of release, the same for every committee. Of the patient's three reports, `a` is
/// read under a grant, `b` read by a client that asks the validators itself, and `c` never
/// read by the grantee: it goes into the emergency summary. Returns the emergency read, which
/// stays permitted, for [`expires`] at the end.
async fn rules_hold<S: ContentStore + Clone>(
	cast: &walkthrough::Cast<S>,
	committee: &Committee,
	tmp: &std::path::Path,
	ids: &[u64],
	files: &[std::path::PathBuf],
) -> OldRead {
	let urls = &committee.urls;
	let patient = cast.patient.account_id();
	let (a, b, c) = (ids[0], ids[1], ids[2]);

	// An unconscious patient's emergency summary opens for a doctor under emergency access,
	// and nothing else of that patient does.
	cast.patient.patient().add_to_summary(c).await.unwrap();
	let er = &cast.second_doctor;
	er.doctor().emergency_access(&patient, "unconscious in the ER").await.unwrap();
	let out = tmp.join("emergency");
	let read = er.read_record(c, &out, no_progress()).await.unwrap();
	let emergency = read.release.expect("released by the validators");
	assert!(emergency.released_by >= committee.threshold, "{emergency}");
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[2]).unwrap());
	for other in [a, b] {
		let refused = er.read_record(other, &tmp.join("nothing"), no_progress()).await;
		assert!(matches!(refused, Err(ClientError::NoEnvelope { .. })), "{refused:?}");
	}
	let old = OldRead { record: c, reader: er.account_id(), block: emergency.read_block };

	// A granted read: recorded, final, released by the threshold, byte-identical.
	let hospital = &cast.hospital;
	let grant = grant_reports(cast).await;
	let out = tmp.join("granted");
	let read = hospital.read_record(a, &out, no_progress()).await.unwrap();
	let report = read.release.expect("a grantee's read goes through the validators");
	assert_eq!((report.members, report.threshold), (committee.members, committee.threshold));
	assert!(report.released_by >= committee.threshold, "{report}");
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[0]).unwrap());
	println!("{report}");

	// That release corresponds to exactly one audit entry: the read, in that very block.
	let trail = cast.patient.patient().audit().await.unwrap();
	let reads: Vec<_> = trail
		.iter()
		.filter(|e| {
			e.actor == hospital.account_id().to_string() && e.action.starts_with("read record")
		})
		.collect();
	assert_eq!(reads.len(), 1, "{reads:?}");
	assert_eq!(reads[0].block, report.read_block);
	assert_eq!(reads[0].action, format!("read record {a} (grant {grant})"));

	// Entries that do not exist get nothing from any validator: an unknown record, another
	// block, another reader, a record the grantee never read.
	let me = hospital.account_id();
	let each = |code: i32| vec![code; urls.len()];
	assert_eq!(ask_all(urls, 9_999, &me, report.read_block).await, each(4005));
	assert_eq!(ask_all(urls, a, &me, report.read_block - 1).await, each(4002));
	let stranger = cast.pharmacy.account_id();
	assert_eq!(ask_all(urls, a, &stranger, report.read_block).await, each(4002));
	assert_eq!(ask_all(urls, c, &me, report.read_block).await, each(4002));

	// A share sealed to the hospital's one-time key opens for it and for no other key.
	let (secret, block) = read_in_block(hospital, b).await;
	assert!(wait_final(hospital, block).await);
	for url in urls {
		let answer =
			ask_final(url, b, &me, block).await.expect("a final, permitted read is answered");
		assert!(open_answer(&answer, &secret.to_bytes(), b, &me).is_ok());
		let (other, _) = one_time_key();
		assert!(open_answer(&answer, &other.to_bytes(), b, &me).is_err());
		assert!(open_answer(&answer, &secret.to_bytes(), a, &me).is_err());
	}

	// Revocation revokes: the hospital kept its envelope part of record C (never read), and
	// the read entry of B. After the patient revokes, the chain refuses its read, the
	// validators refuse the old entry, and the part it kept opens nothing.
	let cid_c: cid::Cid = cast.patient.record(c).await.unwrap().cid.parse().unwrap();
	let kept = kept_envelope_part(hospital, c, &cid_c).await;
	cast.patient.patient().revoke(grant).await.unwrap();
	// C is in the emergency summary, so the honest client tries the emergency path, which the
	// chain refuses: the hospital has no emergency access.
	let refused = hospital.read_record(c, &tmp.join("revoked"), no_progress()).await;
	assert!(
		matches!(&refused, Err(ClientError::Dispatch { error, .. }) if error == "NoAccess"),
		"{refused:?}"
	);
	// A dishonest client that records the read anyway is refused by the chain.
	let (_, public) = one_time_key();
	let call = api::tx().records().record_read(c, Some(public));
	let refused = hospital.chain.submit(&call, hospital.me.signer(), Wait::InBlock).await.err();
	assert!(
		matches!(&refused, Some(ClientError::Dispatch { error, .. }) if error == "NoAccess"),
		"{refused:?}"
	);
	// The validators judge at their finalized block: wait until the revocation is final.
	let revoked_by = hospital.chain.best_number().await.unwrap();
	assert!(wait_final(hospital, revoked_by).await);
	assert_eq!(ask_all(urls, b, &me, block).await, each(4004));
	assert!(!decrypts(&hospital.store, &cid_c, &kept).await, "K_p alone opened the file");
	let kept = two_lock::Part::from_bytes(*kept.as_bytes());
	let guessed = two_lock::file_key(&kept, &two_lock::Part::from_bytes([0; 32]));
	assert!(!decrypts(&hospital.store, &cid_c, &guessed).await);

	// The emergency read is still answered (its access lives an hour).
	assert_eq!(ask_all(urls, old.record, &old.reader, old.block).await, each(0));
	old
}

/// Once `old` is older than the release window (100 blocks), no validator answers it.
async fn expires<S: ContentStore>(session: &Session<S>, urls: &[String], old: &OldRead) {
	let window = 100;
	while session.chain.finalized_number().await.unwrap() <= old.block + window + 1 {
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	for code in ask_all(urls, old.record, &old.reader, old.block).await {
		assert!(code == 4003 || code == 4002, "{code}");
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_open_only_when_the_chain_permits_them_and_every_release_is_audited() {
	let tmp = tempfile::tempdir().unwrap();
	let mut node = Node::dev_fast("dev", tmp.path(), &[]);
	node.rpc().await;
	let url = node.rpc_url();
	let cast = walkthrough::cast(&url, &tmp.path().join("story"), &mut |_| {}).await.unwrap();
	let took = committee_ready(&cast.patient, &[&node], Duration::from_secs(60)).await;
	println!("dev committee keyed after {took:?}");

	// Three reports, each with two locks: the chain keeps each one's committee part.
	let (ids, files) = treated_with_reports(&cast, tmp.path(), 3).await;
	for id in &ids {
		let lock = cast.patient.chain.view(api::view_functions().key_release().lock(*id)).await;
		assert!(lock.unwrap().is_some(), "record {id} has no committee part");
	}

	// The patient opens their own record directly: no validator is asked.
	let out = tmp.path().join("own");
	let read = cast.patient.patient_view(ids[0], &out).await.unwrap();
	assert!(read.release.is_none());
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[0]).unwrap());

	let committee = Committee { urls: vec![url], members: 1, threshold: 1 };
	let old = rules_hold(&cast, &committee, tmp.path(), &ids, &files).await;

	// The time from finality to the key, over ten reads under a new grant.
	let hospital = &cast.hospital;
	grant_reports(&cast).await;
	let out = tmp.path().join("latency");
	let mut took = Vec::new();
	for _ in 0..10 {
		let read = hospital.read_record(ids[0], &out, no_progress()).await.unwrap();
		took.push(read.release.unwrap().after_final_ms);
	}
	println!("dev chain, key after finality: {}", summary(&mut took));

	expires(&cast.patient, &committee.urls, &old).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_of_four_validators_release_and_a_liar_or_two_losses_do_not_open_anything() {
	let tmp = tempfile::tempdir().unwrap();
	let mut nodes = local_network_fast(tmp.path()).await;
	for node in nodes.iter_mut() {
		node.rpc().await;
	}
	let url = nodes[0].rpc_url();
	let cast = walkthrough::cast(&url, &tmp.path().join("story"), &mut |_| {}).await.unwrap();
	let members: Vec<&Node> = nodes.iter().collect();
	let took = committee_ready(&cast.patient, &members, Duration::from_secs(300)).await;
	println!("4-validator committee keyed after {took:?} (from the cast's end)");
	let (ids, files) = treated_with_reports(&cast, tmp.path(), 4).await;

	// Every rule holds with a committee of four and threshold three, at every validator.
	let urls: Vec<String> = nodes.iter().map(Node::rpc_url).collect();
	let committee = Committee { urls: urls.clone(), members: 4, threshold: 3 };
	let old = rules_hold(&cast, &committee, tmp.path(), &ids[..3], &files[..3]).await;

	// What the threshold guarantees, under a new grant (the rules revoked the first).
	let hospital = &cast.hospital;
	grant_reports(&cast).await;
	let me = hospital.account_id();

	// Before finality a validator answers "not final"; once final, the read succeeds.
	let (_, block) = read_in_block(hospital, ids[0]).await;
	let early = ask(&url, ids[0], &me, block).await;
	assert_eq!(early.err(), Some(4001), "asked at once, the read cannot be final yet");
	let started = Instant::now();
	let out = tmp.path().join("granted-again");
	let read = hospital.read_record(ids[0], &out, no_progress()).await.unwrap();
	let report = read.release.unwrap();
	assert!(report.released_by >= 3 && report.members == 4 && report.threshold == 3, "{report}");
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[0]).unwrap());
	println!("all up: {report} ({:?} from submitting the read)", started.elapsed());
	let mut took = vec![report.after_final_ms];
	for _ in 0..4 {
		let read = hospital.read_record(ids[0], &out, no_progress()).await.unwrap();
		took.push(read.release.unwrap().after_final_ms);
	}
	println!("4 validators, key after finality: {}", summary(&mut took));

	// Dave SIGKILLed: the other three still release.
	nodes[3].kill();
	let out = tmp.path().join("one-down");
	let read = hospital.read_record(ids[1], &out, no_progress()).await.unwrap();
	assert_eq!(read.release.as_ref().unwrap().released_by, 3);
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[1]).unwrap());

	// Dave back, lying: its shares fail their proofs, and the read succeeds from the others.
	nodes[3].restart_with(&["--faulty-shares"]);
	nodes[3].rpc().await;
	let dave = nodes[3].rpc_url();
	let out = tmp.path().join("liar");
	let deadline = Instant::now() + Duration::from_secs(120);
	let report = loop {
		let read = hospital.read_record(ids[2], &out, no_progress()).await.unwrap();
		let report = read.release.unwrap();
		// Dave may still be catching up; the read is repeated until it answers.
		if report.faulty == vec![4] || Instant::now() > deadline {
			break report;
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	};
	assert_eq!(report.faulty, vec![4], "{report}");
	assert_eq!(report.released_by, 3);
	assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&files[2]).unwrap());
	println!("liar caught: {report} (dave at {dave})");
	// Dave's share came back from his keystore, not from running the key generation again.
	let log = nodes[3].log();
	assert!(log.contains("derived its share of committee key"), "dave's first run kept none");
	assert!(log.contains("loaded its share of committee key"), "dave's restart loaded none");

	// The emergency read from the start has outlived the release window: no validator, the
	// liar included, answers it any more.
	expires(&cast.patient, &urls, &old).await;

	// Two validators lost: GRANDPA cannot finalize, so no read becomes final and nothing is
	// released.
	nodes[2].kill();
	nodes[3].kill();
	let (_, block) = read_in_block(hospital, ids[3]).await;
	tokio::time::sleep(Duration::from_secs(10)).await;
	for node in &nodes[..2] {
		assert_eq!(ask(&node.rpc_url(), ids[3], &me, block).await.err(), Some(4001));
	}
}
