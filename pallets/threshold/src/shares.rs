//! Decryption shares with their DLEQ proofs, and recovering the message from `t` of them.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use curve25519_dalek::{
	constants::RISTRETTO_BASEPOINT_POINT as G,
	ristretto::RistrettoPoint,
	scalar::Scalar,
	traits::{Identity, VartimeMultiscalarMul},
};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use crate::{
	group::{challenge, point, scalar},
	tdh2::unmask,
	Ciphertext, Error, Point,
};

/// One validator's share of the committee secret, as the key generation left it.
#[derive(Clone)]
pub struct KeyShare {
	/// The validator's index in the committee, from 1.
	pub index: u16,
	/// Its share `x_i` of the committee secret.
	pub secret: Scalar,
	/// `x_i·G`, which the committee publishes so readers can check the shares.
	pub verifying: Point,
}

impl KeyShare {
	/// Member `index`'s share `secret`, with the verifying share `secret·G` it answers to.
	pub fn from_secret(index: u16, secret: Scalar) -> Self {
		Self { index, secret, verifying: (secret * G).compress().to_bytes() }
	}
}

impl Drop for KeyShare {
	fn drop(&mut self) {
		self.secret.zeroize();
	}
}

impl core::fmt::Debug for KeyShare {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("KeyShare").field("index", &self.index).finish_non_exhaustive()
	}
}

/// Validator `index`'s share `u_i = x_i·u` of a ciphertext's decryption, with a proof that
/// `log_G(verifying share) = log_u(u_i)` (98 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, Debug)]
pub struct DecryptionShare {
	/// The validator's index in the committee, from 1.
	pub index: u16,
	/// `x_i·u`.
	pub u_i: Point,
	/// The proof's challenge.
	pub e: [u8; 32],
	/// The proof's response.
	pub f: [u8; 32],
}

/// Computes `key`'s share of the ciphertext whose `u` component is given (already verified:
/// the runtime checked the ciphertext when it was stored).
pub fn decryption_share<R: RngCore + CryptoRng>(
	key: &KeyShare,
	u: &RistrettoPoint,
	rng: &mut R,
) -> DecryptionShare {
	let u_i = (key.secret * u).compress().to_bytes();
	let mut s = Scalar::random(rng);
	let u_hat = (s * u).compress().to_bytes();
	let h_hat = (s * G).compress().to_bytes();
	let e =
		share_challenge(key.index, &u.compress().to_bytes(), &u_i, &key.verifying, &u_hat, &h_hat);
	let f = s + key.secret * e;
	s.zeroize();
	DecryptionShare { index: key.index, u_i, e: e.to_bytes(), f: f.to_bytes() }
}

/// Checks a share's proof against the validator's verifying share `verifying` and the
/// ciphertext. Returns `u_i`.
pub fn verify_share(
	verifying: &Point,
	ct: &Ciphertext,
	share: &DecryptionShare,
) -> Result<RistrettoPoint, Error> {
	let h_i = point(verifying)?;
	let u = point(&ct.u)?;
	let u_i = point(&share.u_i)?;
	let e = scalar(&share.e)?;
	let f = scalar(&share.f)?;
	let u_hat = RistrettoPoint::vartime_multiscalar_mul([f, -e], [u, u_i]);
	let h_hat = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-e, &h_i, &f);
	let expected = share_challenge(
		share.index,
		&ct.u,
		&share.u_i,
		verifying,
		&u_hat.compress().to_bytes(),
		&h_hat.compress().to_bytes(),
	);
	if expected == e {
		Ok(u_i)
	} else {
		Err(Error::InvalidShare)
	}
}

fn share_challenge(
	index: u16,
	u: &Point,
	u_i: &Point,
	h_i: &Point,
	u_hat: &Point,
	h_hat: &Point,
) -> Scalar {
	challenge(b"|share", &[&index.to_le_bytes(), u, u_i, h_i, u_hat, h_hat])
}

/// Recovers the message of `ct` from verified shares `(index, u_i)`: the first `threshold`
/// distinct indices are interpolated at 0. Indices must lie in `1..=members`.
pub fn combine(
	ct: &Ciphertext,
	shares: &[(u16, RistrettoPoint)],
	threshold: u16,
	members: u16,
) -> Result<[u8; 32], Error> {
	let mut chosen: Vec<(u16, RistrettoPoint)> = Vec::with_capacity(threshold as usize);
	for (index, u_i) in shares {
		if *index == 0 || *index > members {
			return Err(Error::UnknownIndex);
		}
		if chosen.len() < threshold as usize && !chosen.iter().any(|(i, _)| i == index) {
			chosen.push((*index, *u_i));
		}
	}
	if threshold == 0 || chosen.len() < threshold as usize {
		return Err(Error::NotEnoughShares);
	}
	let mut shared = RistrettoPoint::identity();
	for (i, u_i) in &chosen {
		shared += lagrange_at_zero(*i, chosen.iter().map(|(j, _)| *j)) * u_i;
	}
	Ok(unmask(ct, &shared))
}

/// `λ_i(0) = Π_{j ≠ i} j / (j − i)` over the chosen indices.
fn lagrange_at_zero(i: u16, indices: impl Iterator<Item = u16>) -> Scalar {
	let xi = Scalar::from(u64::from(i));
	let (mut num, mut den) = (Scalar::ONE, Scalar::ONE);
	for j in indices.filter(|j| *j != i) {
		let xj = Scalar::from(u64::from(j));
		num *= xj;
		den *= xj - xi;
	}
	num * den.invert()
}
