//! TDH2 encryption of a 32-byte message to the committee key, and the ciphertext check.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use curve25519_dalek::{
	constants::RISTRETTO_BASEPOINT_POINT as G,
	ristretto::RistrettoPoint,
	scalar::Scalar,
	traits::{Identity, VartimeMultiscalarMul},
};
use rand_core::{CryptoRng, RngCore};
use scale_info::TypeInfo;

use crate::{
	group::{challenge, g_bar, mask, point, scalar},
	Error, Point,
};

/// A TDH2 ciphertext of a 32-byte message (160 bytes on chain).
///
/// `c` is the masked message, `u = r·G` and `ū = r·Ḡ` carry the randomness, and `(e, f)`
/// prove that `u` and `ū` share it, bound to the label.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Ciphertext {
	/// The message under the mask of `r·H`.
	pub c: [u8; 32],
	/// `r·G`.
	pub u: Point,
	/// `r·Ḡ`.
	pub u_bar: Point,
	/// The proof's challenge.
	pub e: [u8; 32],
	/// The proof's response.
	pub f: [u8; 32],
}

/// Encrypts `message` to the committee key `public`, bound to `label`.
pub fn encrypt<R: RngCore + CryptoRng>(
	public: &Point,
	label: &[u8; 32],
	message: &[u8; 32],
	rng: &mut R,
) -> Result<Ciphertext, Error> {
	let h = point(public)?;
	if h == RistrettoPoint::identity() {
		return Err(Error::BadPoint);
	}
	let r = Scalar::random(rng);
	let s = Scalar::random(rng);
	let g_bar = g_bar();
	let u = (r * G).compress().to_bytes();
	let u_bar = (r * g_bar).compress().to_bytes();
	let w = (s * G).compress().to_bytes();
	let w_bar = (s * g_bar).compress().to_bytes();
	let pad = mask(&(r * h));
	let mut c = *message;
	c.iter_mut().zip(pad).for_each(|(b, m)| *b ^= m);
	let e = ciphertext_challenge(&c, label, &u, &w, &u_bar, &w_bar);
	let f = s + r * e;
	Ok(Ciphertext { c, u, u_bar, e: e.to_bytes(), f: f.to_bytes() })
}

/// Checks a ciphertext's proof for `label`: it was made for this very label by someone who
/// knew its randomness. Returns `u`, which the validators' shares are computed from.
pub fn verify(ct: &Ciphertext, label: &[u8; 32]) -> Result<RistrettoPoint, Error> {
	let u = point(&ct.u)?;
	let u_bar = point(&ct.u_bar)?;
	let e = scalar(&ct.e)?;
	let f = scalar(&ct.f)?;
	// w = f·G − e·u and w̄ = f·Ḡ − e·ū are what the prover committed to.
	let w = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-e, &u, &f);
	let w_bar = RistrettoPoint::vartime_multiscalar_mul([f, -e], [g_bar(), u_bar]);
	let expected = ciphertext_challenge(
		&ct.c,
		label,
		&ct.u,
		&w.compress().to_bytes(),
		&ct.u_bar,
		&w_bar.compress().to_bytes(),
	);
	if expected == e {
		Ok(u)
	} else {
		Err(Error::InvalidCiphertext)
	}
}

fn ciphertext_challenge(
	c: &[u8; 32],
	label: &[u8; 32],
	u: &Point,
	w: &Point,
	u_bar: &Point,
	w_bar: &Point,
) -> Scalar {
	challenge(b"|ciphertext", &[c, label, u, w, u_bar, w_bar])
}

/// Removes the mask of `shared = r·H` from `c`.
pub(crate) fn unmask(ct: &Ciphertext, shared: &RistrettoPoint) -> [u8; 32] {
	let mut message = ct.c;
	message.iter_mut().zip(mask(shared)).for_each(|(b, m)| *b ^= m);
	message
}
