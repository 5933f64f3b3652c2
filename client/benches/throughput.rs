//! Throughput of what an upload does on the client: encrypt (XChaCha20-Poly1305 STREAM) and
//! import as UnixFS (chunk, SHA-256, dag-pb), next to the raw AEAD and SHA-256 speeds on the
//! same machine. `cargo bench -p medchain-client --bench throughput`.

use std::io::Read;

use chacha20poly1305::{
	aead::{AeadInPlace, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medchain_client::{
	crypto::{stream::EncryptingReader, DataKey},
	storage::{
		blockstore::{Discard, FsBlockStore},
		unixfs, CidVersion,
	},
	walkthrough::sample_report,
};
use sha2::{Digest, Sha256};

const SIZE: usize = 32 << 20;

fn throughput(c: &mut Criterion) {
	let data = sample_report(SIZE);
	let key = DataKey::generate();
	let mut group = c.benchmark_group("upload");
	group.throughput(Throughput::Bytes(SIZE as u64)).sample_size(10);

	group.bench_function("encrypt+import (CIDs only)", |b| {
		b.iter(|| {
			unixfs::import(
				EncryptingReader::new(&data[..], &key),
				CidVersion::V0,
				&Discard,
				&|_| {},
			)
			.unwrap()
		})
	});
	let dir = tempfile::tempdir().unwrap();
	let store = FsBlockStore::open(dir.path()).unwrap();
	group.bench_function("encrypt+import (to the blockstore)", |b| {
		// A fresh key each time, so every run writes new blocks.
		b.iter(|| {
			let key = DataKey::generate();
			unixfs::import(EncryptingReader::new(&data[..], &key), CidVersion::V0, &store, &|_| {})
				.unwrap()
		})
	});
	group.bench_function("encrypt only", |b| {
		b.iter(|| {
			let mut sink = Vec::with_capacity(SIZE + SIZE / 1000);
			EncryptingReader::new(&data[..], &key).read_to_end(&mut sink).unwrap();
			sink.len()
		})
	});
	group.bench_function("raw XChaCha20-Poly1305 (64 KiB chunks)", |b| {
		let cipher = XChaCha20Poly1305::new((&[7u8; 32]).into());
		let mut buf = vec![0u8; 64 * 1024];
		b.iter(|| {
			for _ in 0..SIZE / buf.len() {
				cipher
					.encrypt_in_place_detached(XNonce::from_slice(&[1u8; 24]), b"", &mut buf)
					.unwrap();
			}
		})
	});
	group.bench_function("raw SHA-256", |b| b.iter(|| Sha256::digest(&data)));
	group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
