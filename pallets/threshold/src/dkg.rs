//! The validators' distributed key generation: FROST's Pedersen DKG with proofs of
//! possession (`frost-ristretto255`), whose output is a Shamir sharing of a committee secret
//! nobody ever holds whole.
//!
//! Member `i` (from 1) of `n`, with threshold `t`:
//! 1. [`round1`]: commits to a random polynomial of degree `t − 1` and proves it knows its
//!    constant term. The package goes on chain for everyone.
//! 2. [`round2`]: checks every other member's round-1 package and evaluates its polynomial at
//!    each of their indices. Each of those packages is sealed to its recipient before it goes
//!    on chain.
//! 3. [`finish`]: checks what it received against the senders' commitments and sums it into
//!    its key share. Every member derives the same committee key and verifying shares.
//!
//! A member's randomness comes from its keystore seed and the epoch, so a node that restarts
//! mid-protocol recomputes exactly what it already published. A committee of one (the dev
//! chain) has nothing to share: [`solo`] derives its key directly.

use std::collections::BTreeMap;

use curve25519_dalek::scalar::Scalar;
use frost_ristretto255::{
	keys::dkg::{self, round1, round2},
	Identifier,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use sha2::{Digest, Sha256, Sha512};

use crate::{group, KeyShare, Point};

/// What a member keeps between round 2 and the end: FROST's round-2 secret package.
pub use frost_ristretto255::keys::dkg::round2::SecretPackage as Round2Secret;

/// Why a step of the key generation failed.
#[derive(Debug)]
pub enum DkgError {
	/// FROST refused a step; `culprit` names the member whose package was wrong, if known.
	Frost { reason: String, culprit: Option<u16> },
	/// An index that is not a member's.
	BadIndex(u16),
}

impl std::fmt::Display for DkgError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			DkgError::Frost { reason, culprit: Some(c) } => write!(f, "{reason} (member {c})"),
			DkgError::Frost { reason, culprit: None } => f.write_str(reason),
			DkgError::BadIndex(i) => write!(f, "{i} is not a member index"),
		}
	}
}

impl std::error::Error for DkgError {}

/// The committee's public side: its key `H = x·G` and each member's verifying share.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommitteeKey {
	/// `H`, what records are locked to.
	pub public: Point,
	/// `x_i·G` for members 1..=n, in order.
	pub verifying: Vec<Point>,
}

fn identifier(index: u16) -> Result<Identifier, DkgError> {
	Identifier::try_from(index).map_err(|_| DkgError::BadIndex(index))
}

fn index_of(id: &Identifier, members: u16) -> Option<u16> {
	(1..=members).find(|i| Identifier::try_from(*i).ok().as_ref() == Some(id))
}

fn frost(members: u16) -> impl Fn(frost_ristretto255::Error) -> DkgError {
	move |e| DkgError::Frost {
		reason: e.to_string(),
		culprit: e.culprits().first().and_then(|c| index_of(c, members)),
	}
}

/// The deterministic randomness of member `seed` for `epoch`'s key generation.
fn rng(seed: &[u8; 32], epoch: u32) -> ChaCha20Rng {
	let digest: [u8; 32] = Sha256::new()
		.chain_update(b"MedChain committee lock v1|dkg")
		.chain_update(seed)
		.chain_update(epoch.to_le_bytes())
		.finalize()
		.into();
	ChaCha20Rng::from_seed(digest)
}

/// Round 1 for member `index` of `members` with threshold `threshold`: the secret to keep
/// (recomputable from `seed`) and the package to publish.
pub fn round1(
	index: u16,
	members: u16,
	threshold: u16,
	seed: &[u8; 32],
	epoch: u32,
) -> Result<(round1::SecretPackage, Vec<u8>), DkgError> {
	let (secret, package) = dkg::part1(identifier(index)?, members, threshold, rng(seed, epoch))
		.map_err(frost(members))?;
	Ok((secret, package.serialize().map_err(frost(members))?))
}

fn parse_round1(
	packages: &BTreeMap<u16, Vec<u8>>,
) -> Result<BTreeMap<Identifier, round1::Package>, DkgError> {
	packages
		.iter()
		.map(|(i, bytes)| {
			let package = round1::Package::deserialize(bytes)
				.map_err(|e| DkgError::Frost { reason: e.to_string(), culprit: Some(*i) })?;
			Ok((identifier(*i)?, package))
		})
		.collect()
}

/// Round 2: checks the other members' round-1 `packages` (keyed by index, without this
/// member's own) and returns the secret to keep and, per recipient index, the package to
/// seal to it.
pub fn round2(
	secret: round1::SecretPackage,
	packages: &BTreeMap<u16, Vec<u8>>,
	members: u16,
) -> Result<(round2::SecretPackage, BTreeMap<u16, Vec<u8>>), DkgError> {
	let parsed = parse_round1(packages)?;
	let (secret, out) = dkg::part2(secret, &parsed).map_err(frost(members))?;
	let mut sealed = BTreeMap::new();
	for (id, package) in out {
		let index = index_of(&id, members).ok_or(DkgError::BadIndex(0))?;
		sealed.insert(index, package.serialize().map_err(frost(members))?);
	}
	Ok((secret, sealed))
}

/// Round 3: from the other members' round-1 packages and the round-2 packages sent to this
/// member (both keyed by sender index), this member's key share and the committee key.
pub fn finish(
	index: u16,
	secret: &round2::SecretPackage,
	round1_packages: &BTreeMap<u16, Vec<u8>>,
	round2_packages: &BTreeMap<u16, Vec<u8>>,
	members: u16,
) -> Result<(KeyShare, CommitteeKey), DkgError> {
	let r1 = parse_round1(round1_packages)?;
	let mut r2 = BTreeMap::new();
	for (i, bytes) in round2_packages {
		let package = round2::Package::deserialize(bytes)
			.map_err(|e| DkgError::Frost { reason: e.to_string(), culprit: Some(*i) })?;
		r2.insert(identifier(*i)?, package);
	}
	let (key, public) = dkg::part3(secret, &r1, &r2).map_err(frost(members))?;
	let bytes: [u8; 32] = key
		.signing_share()
		.serialize()
		.try_into()
		.map_err(|_| DkgError::Frost { reason: "signing share length".into(), culprit: None })?;
	let secret = group::scalar(&bytes)
		.map_err(|e| DkgError::Frost { reason: e.to_string(), culprit: None })?;
	let point = |bytes: Result<Vec<u8>, frost_ristretto255::Error>| -> Result<Point, DkgError> {
		bytes
			.map_err(frost(members))?
			.try_into()
			.map_err(|_| DkgError::Frost { reason: "point length".into(), culprit: None })
	};
	let mut verifying = Vec::with_capacity(members as usize);
	for i in 1..=members {
		let share = public.verifying_shares().get(&identifier(i)?).ok_or(DkgError::BadIndex(i))?;
		verifying.push(point(share.serialize())?);
	}
	let committee = CommitteeKey { public: point(public.verifying_key().serialize())?, verifying };
	let share = KeyShare { index, secret, verifying: committee.verifying[index as usize - 1] };
	Ok((share, committee))
}

/// A committee of one: its secret comes straight from its seed.
pub fn solo(seed: &[u8; 32], epoch: u32) -> (KeyShare, CommitteeKey) {
	let secret = Scalar::from_hash(
		Sha512::new()
			.chain_update(b"MedChain committee lock v1|solo")
			.chain_update(seed)
			.chain_update(epoch.to_le_bytes()),
	);
	let share = KeyShare::from_secret(1, secret);
	let public = share.verifying;
	(share, CommitteeKey { public, verifying: vec![public] })
}
