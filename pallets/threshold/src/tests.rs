//! The scheme's properties: any `t` shares recover the message and `t − 1` do not, forged
//! proofs and grafted ciphertexts are refused, and the key generation gives every member
//! the same committee key.

use std::collections::BTreeMap;

use curve25519_dalek::{constants::RISTRETTO_BASEPOINT_POINT as G, scalar::Scalar};
use proptest::prelude::*;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use crate::{dkg, seal, *};

/// A committee of `n` dealt by the DKG with threshold `t`: each member's key share and the
/// committee key every member derived.
fn committee(n: u16, t: u16, epoch: u32) -> (Vec<KeyShare>, dkg::CommitteeKey) {
	let seeds: Vec<[u8; 32]> = (1..=n).map(|i| [i as u8; 32]).collect();
	let mut secrets1 = BTreeMap::new();
	let mut packages1 = BTreeMap::new();
	for i in 1..=n {
		let (secret, package) = dkg::round1(i, n, t, &seeds[i as usize - 1], epoch).unwrap();
		secrets1.insert(i, secret);
		packages1.insert(i, package);
	}
	let others = |i: u16, all: &BTreeMap<u16, Vec<u8>>| {
		all.iter().filter(|(j, _)| **j != i).map(|(j, p)| (*j, p.clone())).collect()
	};
	let mut secrets2 = BTreeMap::new();
	let mut to: BTreeMap<u16, BTreeMap<u16, Vec<u8>>> = BTreeMap::new();
	for i in 1..=n {
		let (secret, out) =
			dkg::round2(secrets1.remove(&i).unwrap(), &others(i, &packages1), n).unwrap();
		secrets2.insert(i, secret);
		for (j, package) in out {
			to.entry(j).or_default().insert(i, package);
		}
	}
	let mut shares = Vec::new();
	let mut keys = Vec::new();
	for i in 1..=n {
		let (share, key) =
			dkg::finish(i, &secrets2[&i], &others(i, &packages1), &to[&i], n).unwrap();
		shares.push(share);
		keys.push(key);
	}
	assert!(keys.windows(2).all(|w| w[0] == w[1]), "members disagree on the committee key");
	(shares, keys.remove(0))
}

fn label_of(cid: &[u8]) -> [u8; 32] {
	label(Purpose::Record, 0, &record_digest(&[1; 32], &[2; 32], cid))
}

#[test]
fn dkg_of_four_with_threshold_three_locks_and_releases() {
	let (shares, key) = committee(4, 3, 7);
	let mut rng = ChaCha20Rng::seed_from_u64(1);
	let message = [42u8; 32];
	let label = label_of(b"cid");
	let ct = encrypt(&key.public, &label, &message, &mut rng).unwrap();
	let u = verify(&ct, &label).unwrap();
	let answers: Vec<_> = shares.iter().map(|k| decryption_share(k, &u, &mut rng)).collect();
	let verified: Vec<_> = answers
		.iter()
		.map(|a| (a.index, verify_share(&key.verifying[a.index as usize - 1], &ct, a).unwrap()))
		.collect();
	for skip in 0..4 {
		let three: Vec<_> =
			verified.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, s)| *s).collect();
		assert_eq!(combine(&ct, &three, 3, 4).unwrap(), message);
	}
	assert_eq!(combine(&ct, &verified[..2], 3, 4), Err(Error::NotEnoughShares));
	// The same share twice counts once.
	let twice = [verified[0], verified[0], verified[1]];
	assert_eq!(combine(&ct, &twice, 3, 4), Err(Error::NotEnoughShares));
}

#[test]
fn a_share_checked_against_another_validator_fails() {
	let (shares, key) = committee(3, 2, 0);
	let mut rng = ChaCha20Rng::seed_from_u64(2);
	let label = label_of(b"cid");
	let ct = encrypt(&key.public, &label, &[1; 32], &mut rng).unwrap();
	let u = verify(&ct, &label).unwrap();
	let answer = decryption_share(&shares[0], &u, &mut rng);
	assert_eq!(verify_share(&key.verifying[1], &ct, &answer), Err(Error::InvalidShare));
}

#[test]
fn solo_committee_releases_with_its_one_share() {
	let (share, key) = dkg::solo(&[9; 32], 0);
	let mut rng = ChaCha20Rng::seed_from_u64(3);
	let label = label_of(b"x");
	let ct = encrypt(&key.public, &label, &[5; 32], &mut rng).unwrap();
	let u = verify(&ct, &label).unwrap();
	let answer = decryption_share(&share, &u, &mut rng);
	let u_i = verify_share(&key.verifying[0], &ct, &answer).unwrap();
	assert_eq!(combine(&ct, &[(1, u_i)], 1, 1).unwrap(), [5; 32]);
}

#[test]
fn sealed_answers_open_only_for_their_key_and_context() {
	let mut rng = ChaCha20Rng::seed_from_u64(4);
	let secret = [7u8; 32];
	let other = [8u8; 32];
	let public = seal::public_key(&secret).unwrap();
	let info = seal::answer_info(1, b"reader", 2);
	let sealed = seal::seal(&public, &info, b"share", &mut rng).unwrap();
	assert_eq!(seal::open(&secret, &info, &sealed).unwrap(), b"share");
	assert_eq!(seal::open(&other, &info, &sealed), Err(seal::SealError::Mismatch));
	let elsewhere = seal::answer_info(2, b"reader", 2);
	assert_eq!(seal::open(&secret, &elsewhere, &sealed), Err(seal::SealError::Mismatch));
}

/// A dealer-made sharing of `secret` (the tests' stand-in for the DKG, which they exercise
/// above): `n` shares of a random polynomial of degree `t − 1`.
fn deal(secret: Scalar, n: u16, t: u16, rng: &mut ChaCha20Rng) -> (Vec<KeyShare>, Vec<Point>) {
	let coefficients: Vec<Scalar> =
		std::iter::once(secret).chain((1..t).map(|_| Scalar::random(rng))).collect();
	let shares: Vec<KeyShare> = (1..=n)
		.map(|i| {
			let x = Scalar::from(u64::from(i));
			let secret = coefficients.iter().rev().fold(Scalar::ZERO, |acc, c| acc * x + c);
			KeyShare::from_secret(i, secret)
		})
		.collect();
	let verifying = shares.iter().map(|s| s.verifying).collect();
	(shares, verifying)
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(24))]

	/// Any `t` of `n` shares recover the message; any `t − 1` of them, combined as if `t − 1`
	/// were the threshold, give something else.
	#[test]
	fn any_t_shares_recover_and_fewer_do_not(
		seed in any::<u64>(),
		n in 2u16..7,
		t_offset in 0u16..5,
		pick in proptest::collection::vec(any::<prop::sample::Index>(), 7),
		message in any::<[u8; 32]>(),
	) {
		let t = 2 + t_offset % (n - 1);
		let mut rng = ChaCha20Rng::seed_from_u64(seed);
		let secret = Scalar::random(&mut rng);
		let (keys, verifying) = deal(secret, n, t, &mut rng);
		let public = (secret * G).compress().to_bytes();
		let label = label_of(&seed.to_le_bytes());
		let ct = encrypt(&public, &label, &message, &mut rng).unwrap();
		let u = verify(&ct, &label).unwrap();
		// A random subset of t distinct members.
		let mut members: Vec<u16> = (1..=n).collect();
		for (i, index) in pick.iter().enumerate().take(n as usize) {
			members.swap(i, i + index.index(n as usize - i));
		}
		let chosen: Vec<_> = members[..t as usize]
			.iter()
			.map(|i| {
				let answer = decryption_share(&keys[*i as usize - 1], &u, &mut rng);
				(answer.index, verify_share(&verifying[*i as usize - 1], &ct, &answer).unwrap())
			})
			.collect();
		prop_assert_eq!(combine(&ct, &chosen, t, n).unwrap(), message);
		prop_assert_eq!(combine(&ct, &chosen[..t as usize - 1], t, n), Err(Error::NotEnoughShares));
		prop_assert_ne!(combine(&ct, &chosen[..t as usize - 1], t - 1, n).unwrap(), message);
	}

	/// Changing any byte of a ciphertext, or verifying it for another record's label, fails.
	#[test]
	fn altered_and_grafted_ciphertexts_are_refused(
		seed in any::<u64>(),
		field in 0usize..5,
		byte in 0usize..32,
		flip in 1u8..=255,
	) {
		let mut rng = ChaCha20Rng::seed_from_u64(seed);
		let public = (Scalar::random(&mut rng) * G).compress().to_bytes();
		let label = label_of(b"record A");
		let ct = encrypt(&public, &label, &[3; 32], &mut rng).unwrap();
		prop_assert!(verify(&ct, &label).is_ok());
		prop_assert_eq!(verify(&ct, &label_of(b"record B")), Err(Error::InvalidCiphertext));
		let emergency = crate::label(Purpose::Emergency, 0, &record_digest(&[1; 32], &[2; 32], b"record A"));
		prop_assert_eq!(verify(&ct, &emergency), Err(Error::InvalidCiphertext));
		let mut altered = ct;
		let target = match field {
			0 => &mut altered.c,
			1 => &mut altered.u,
			2 => &mut altered.u_bar,
			3 => &mut altered.e,
			_ => &mut altered.f,
		};
		target[byte] ^= flip;
		prop_assert!(verify(&altered, &label).is_err());
	}

	/// A share whose point or proof was changed is refused by its proof.
	#[test]
	fn forged_shares_are_refused(seed in any::<u64>(), field in 0usize..3, byte in 0usize..32, flip in 1u8..=255) {
		let mut rng = ChaCha20Rng::seed_from_u64(seed);
		let (keys, verifying) = deal(Scalar::random(&mut rng), 4, 3, &mut rng);
		let public = (Scalar::random(&mut rng) * G).compress().to_bytes();
		let label = label_of(b"r");
		let ct = encrypt(&public, &label, &[0; 32], &mut rng).unwrap();
		let u = verify(&ct, &label).unwrap();
		let mut answer = decryption_share(&keys[1], &u, &mut rng);
		prop_assert!(verify_share(&verifying[1], &ct, &answer).is_ok());
		let target = match field {
			0 => &mut answer.u_i,
			1 => &mut answer.e,
			_ => &mut answer.f,
		};
		target[byte] ^= flip;
		prop_assert!(verify_share(&verifying[1], &ct, &answer).is_err());
	}
}
