//! What one release costs a validator, per record part: checking the stored ciphertext,
//! computing its decryption share with the DLEQ proof, and sealing the answer to the reader's
//! one-time key (all that `keyRelease_share` computes). Also what the reader spends per share
//! (checking the proof) and to combine three. `cargo bench -p medchain-threshold`; the
//! figures are in docs/performance.md.

use codec::Encode;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medchain_threshold::{
	combine, decryption_share, dkg, encrypt, label, record_digest, seal, verify, verify_share,
	Purpose,
};
use rand_core::OsRng;

fn release(c: &mut Criterion) {
	let (share, key) = dkg::solo(&[1; 32], 0);
	let digest = record_digest(&[1; 32], &[2; 32], b"bafy...");
	let label = label(Purpose::Record, 0, &digest);
	let ct = encrypt(&key.public, &label, &[7; 32], &mut OsRng).unwrap();
	let reader_secret = [9u8; 32];
	let reader = seal::public_key(&reader_secret).unwrap();

	let mut group = c.benchmark_group("validator");
	group.throughput(Throughput::Elements(1));
	group.bench_function("one share: check, share with proof, seal", |b| {
		b.iter(|| {
			let u = verify(&ct, &label).unwrap();
			let answer = decryption_share(&share, &u, &mut OsRng);
			let info = seal::answer_info(1, &[3; 32], 1);
			seal::seal(&reader, &info, &vec![(Purpose::Record, answer)].encode(), &mut OsRng)
				.unwrap()
		})
	});
	group.finish();

	let mut group = c.benchmark_group("reader");
	let u = verify(&ct, &label).unwrap();
	let answer = decryption_share(&share, &u, &mut OsRng);
	group.bench_function("check one share's proof", |b| {
		b.iter(|| verify_share(&key.verifying[0], &ct, &answer).unwrap())
	});
	let point = verify_share(&key.verifying[0], &ct, &answer).unwrap();
	// Three shares of a 3-of-4 committee cost the same to combine as these.
	let three = [(1u16, point), (2, point), (3, point)];
	group.bench_function("combine three shares", |b| b.iter(|| combine(&ct, &three, 3, 4)));
	group.finish();
}

criterion_group!(benches, release);
criterion_main!(benches);
