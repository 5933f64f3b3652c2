//! The IPFS backend against a real IPFS node (js-ipfs, which serves the Kubo RPC API) started
//! by the test: CIDs equal to the node's for both versions, reads verified, pins, typed errors
//! within bounded time for every failure, CAR files both ways, and the whole walkthrough with
//! every file on the node.

use std::{
	io::{Read, Write},
	net::TcpListener,
	time::{Duration, Instant},
};

use cid::Cid;
use medchain_client::{
	crypto::{stream, DataKey},
	storage::{
		compute_cid,
		kubo::{KuboStore, Timeouts},
		local::LocalStore,
		no_progress, CidVersion, ContentStore, StorageError,
	},
	walkthrough,
};
use medchain_node_harness::{ipfs::IpfsNode, wait_finalized, Node};

/// Short limits, so that the failures below are known within seconds.
fn quick() -> Timeouts {
	Timeouts {
		connect: Duration::from_secs(2),
		find: Duration::from_secs(2),
		idle: Duration::from_secs(3),
	}
}

fn data(len: usize, seed: u8) -> Vec<u8> {
	(0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed).collect()
}

async fn read_back(store: &impl ContentStore, cid: &Cid) -> Result<Vec<u8>, StorageError> {
	store.get(cid, Vec::new(), no_progress()).await.map(|(bytes, _)| bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_match_local_cids_read_back_verified_and_stay_pinned() {
	let dir = tempfile::tempdir().unwrap();
	let node = IpfsNode::start(&dir.path().join("repo"));
	let store = KuboStore::new(&node.url()).unwrap();
	assert!(!store.version().await.unwrap().is_empty());

	// One block, exactly one chunk, one chunk and a byte, several chunks (a dag-pb root).
	for (len, seed) in [(0, 0), (1, 1), (262_144, 2), (262_145, 3), (800_000, 4)] {
		let bytes = data(len, seed);
		for version in [CidVersion::V0, CidVersion::V1] {
			let expected = compute_cid(&bytes[..], version).unwrap();
			let cid = store
				.add(Box::new(std::io::Cursor::new(bytes.clone())), version, no_progress())
				.await
				.unwrap_or_else(|e| panic!("add {len} bytes {version:?}: {e}"));
			assert_eq!(cid, expected, "{len} bytes {version:?}: the node's CID is ours");
			assert_eq!(cid.to_string(), expected.to_string(), "printed in the same multibase");
			assert!(store.is_pinned(&cid).await.unwrap(), "{cid} is pinned");
			assert_eq!(read_back(&store, &cid).await.unwrap(), bytes, "{len} bytes {version:?}");
		}
	}
	let never_added = compute_cid(&b"never added"[..], CidVersion::V1).unwrap();
	assert!(!store.is_pinned(&never_added).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failure_is_a_typed_error_within_bounded_time_and_nothing_is_lost() {
	let dir = tempfile::tempdir().unwrap();
	let mut node = IpfsNode::start(&dir.path().join("repo"));
	let store = KuboStore::with_timeouts(&node.url(), quick()).unwrap();
	let bytes = data(300_000, 9);
	let kept = store
		.add(Box::new(std::io::Cursor::new(bytes.clone())), CidVersion::V1, no_progress())
		.await
		.unwrap();

	// Content the node does not have: js-ipfs would look for it forever.
	let missing = compute_cid(&b"nobody stored this"[..], CidVersion::V1).unwrap();
	let started = Instant::now();
	match read_back(&store, &missing).await {
		Err(StorageError::NotFound { cid, .. }) => assert_eq!(cid, missing),
		other => panic!("missing content: {other:?}"),
	}
	assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
	let car = dir.path().join("missing.car");
	assert!(matches!(
		store.export_car(vec![missing], car.clone()).await,
		Err(StorageError::NotFound { .. })
	));
	assert!(!car.exists(), "a failed export leaves no file behind");
	// One missing root among several fails the whole export the same way.
	assert!(matches!(
		store.export_car(vec![kept, missing], car.clone()).await,
		Err(StorageError::NotFound { .. })
	));
	assert!(!car.exists());

	// Malformed addresses are refused before anything is sent.
	for bad in ["ftp://127.0.0.1:5001", "http://", "127.0.0.1:5001", "http://h:1/?x=1"] {
		assert!(
			matches!(KuboStore::new(bad), Err(StorageError::BadUrl { .. })),
			"{bad} is not an API address"
		);
	}

	// A server that is not an IPFS API: the node's own server under another path, and
	// something that answers HTTP with other content.
	let wrong_path = KuboStore::with_timeouts(&format!("{}/wrong", node.url()), quick()).unwrap();
	assert!(matches!(wrong_path.version().await, Err(StorageError::NotIpfsApi { .. })));
	let web = serve_forever("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	let not_ipfs = KuboStore::with_timeouts(&format!("http://{web}"), quick()).unwrap();
	assert!(matches!(not_ipfs.version().await, Err(StorageError::NotIpfsApi { .. })));
	// A server that accepts and never answers.
	let silent = serve_forever("");
	let silent = KuboStore::with_timeouts(&format!("http://{silent}"), quick()).unwrap();
	let started = Instant::now();
	assert!(matches!(silent.version().await, Err(StorageError::TimedOut { .. })));
	assert!(matches!(read_back(&silent, &kept).await, Err(StorageError::NotFound { .. })));
	assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());

	// A stopped node: reads and writes fail as unreachable, and what it stored is still there
	// when it comes back.
	node.stop();
	assert!(matches!(read_back(&store, &kept).await, Err(StorageError::Unreachable { .. })));
	let add =
		store.add(Box::new(std::io::Cursor::new(data(10, 1))), CidVersion::V0, no_progress()).await;
	assert!(matches!(add, Err(StorageError::Unreachable { .. })), "{add:?}");
	node.restart();
	assert_eq!(read_back(&store, &kept).await.unwrap(), bytes);
	assert!(store.is_pinned(&kept).await.unwrap());
}

/// A loopback server that answers every connection with `reply` (nothing, for a silent one)
/// and then holds it open.
fn serve_forever(reply: &'static str) -> std::net::SocketAddr {
	let listener = TcpListener::bind("127.0.0.1:0").unwrap();
	let addr = listener.local_addr().unwrap();
	std::thread::spawn(move || {
		let mut open = Vec::new();
		for mut stream in listener.incoming().flatten() {
			let mut request = [0u8; 4096];
			let _ = stream.read(&mut request);
			let _ = stream.write_all(reply.as_bytes());
			open.push(stream);
		}
	});
	addr
}

#[tokio::test(flavor = "multi_thread")]
async fn car_files_move_both_ways_between_the_embedded_store_and_the_node() {
	let dir = tempfile::tempdir().unwrap();
	let node = IpfsNode::start(&dir.path().join("repo"));
	let remote = KuboStore::new(&node.url()).unwrap();
	let key = DataKey::generate();

	// Embedded store → CAR (`medchain blob export-car`) → the node's `dag import`.
	let local = LocalStore::open(&dir.path().join("local")).unwrap();
	let sealed = stream::encrypt_bytes(&data(700_000, 5), &key);
	let cid = local
		.add(Box::new(std::io::Cursor::new(sealed.clone())), CidVersion::V0, no_progress())
		.await
		.unwrap();
	let car = dir.path().join("out.car");
	assert_eq!(local.export_car(vec![cid], car.clone()).await.unwrap(), 4, "3 leaves and a root");
	assert_eq!(remote.import_car(car).await.unwrap(), vec![cid]);
	assert!(remote.is_pinned(&cid).await.unwrap(), "imported roots are pinned");
	assert_eq!(read_back(&remote, &cid).await.unwrap(), sealed, "the node serves the same bytes");

	// The node's `dag export` → the embedded store of another machine → decrypted.
	let plain = data(600_000, 6);
	let sealed = stream::encrypt_bytes(&plain, &key);
	let cid = remote
		.add(Box::new(std::io::Cursor::new(sealed)), CidVersion::V1, no_progress())
		.await
		.unwrap();
	let car = dir.path().join("in.car");
	assert_eq!(remote.export_car(vec![cid], car.clone()).await.unwrap(), 4);
	let other = LocalStore::open(&dir.path().join("other")).unwrap();
	assert_eq!(other.import_car(car).await.unwrap(), vec![cid]);
	let back = read_back(&other, &cid).await.unwrap();
	assert_eq!(stream::decrypt_bytes(&back, &key).unwrap(), plain);

	// Several files from the node in one CAR (a patient's whole history): every root listed.
	let note = stream::encrypt_bytes(b"a second, one-block record", &key);
	let second = remote
		.add(Box::new(std::io::Cursor::new(note.clone())), CidVersion::V0, no_progress())
		.await
		.unwrap();
	let car = dir.path().join("all.car");
	assert_eq!(remote.export_car(vec![cid, second], car.clone()).await.unwrap(), 5);
	let third = LocalStore::open(&dir.path().join("third")).unwrap();
	assert_eq!(third.import_car(car).await.unwrap(), vec![cid, second]);
	assert_eq!(
		stream::decrypt_bytes(&read_back(&third, &cid).await.unwrap(), &key).unwrap(),
		plain
	);
	assert_eq!(read_back(&third, &second).await.unwrap(), note);

	// A CAR with a bent block is refused before anything reaches the node.
	let car = dir.path().join("bent.car");
	local.export_car(vec![compute_cid(&[][..], CidVersion::V0).unwrap()], car.clone()).await.ok();
	let mut bytes = std::fs::read(dir.path().join("out.car")).unwrap();
	let at = bytes.len() - 10;
	bytes[at] ^= 0xff;
	std::fs::write(&car, bytes).unwrap();
	assert!(matches!(remote.import_car(car).await, Err(StorageError::Tampered { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_walkthrough_runs_on_the_ipfs_node() {
	let dir = tempfile::tempdir().unwrap();
	let ipfs = IpfsNode::start(&dir.path().join("repo"));
	// Six-second blocks, as `scripts/run.sh` runs the story: the suite's one end-to-end story
	// on real block times (the others use `Node::dev_fast`).
	let mut node = Node::start("ipfs-story", dir.path(), &["--dev", "--no-prometheus"]);
	let rpc = node.rpc().await;
	wait_finalized(&node, &rpc, 1, Duration::from_secs(60)).await;
	let store = KuboStore::new(&ipfs.url()).unwrap();

	let mut lines = Vec::new();
	let story =
		walkthrough::run_on(&node.rpc_url(), &dir.path().join("story"), store.clone(), &mut |l| {
			lines.push(l.to_string())
		})
		.await
		.unwrap_or_else(|e| panic!("walkthrough on IPFS failed: {e}\n{}", node.log_tail()));
	let printed = lines.join("\n");
	assert!(printed.contains(&format!("IPFS node (Kubo RPC API) at {}", ipfs.url())), "{printed}");
	assert!(printed.contains("identical: true"), "{printed}");
	assert!(!printed.contains("identical: false"), "{printed}");

	// The records live on the node, pinned, and nowhere in the walkthrough's directory.
	let patient = story.cast.patient.patient();
	for id in [story.report, story.prescription] {
		let record = story.cast.patient.record(id).await.unwrap();
		let cid: Cid = record.cid.parse().unwrap();
		assert!(store.is_pinned(&cid).await.unwrap(), "record {id} ({cid}) is pinned");
		assert_eq!(read_back(&store, &cid).await.unwrap().len() as u64, record.size);
	}
	assert!(!dir.path().join("story/ipfs").exists(), "nothing went to an embedded store");
	assert!(patient.records().await.unwrap().len() >= 2);
}
