//! # The committee lock
//!
//! A two-lock record's file key needs two parts: `K_p`, which travels in the readers' key
//! envelopes, and `K_c`, which only a threshold of the validators (the *committee*) can
//! release. This crate is the cryptography of `K_c`:
//!
//! - [`encrypt`]: threshold ElGamal with chosen-ciphertext security, TDH2 of Shoup and
//!   Gennaro (EUROCRYPT '98), on Ristretto255. A ciphertext carries a proof that its author
//!   knows its randomness, bound to a [`label`] naming the record, so [`verify`] rejects a
//!   ciphertext grafted from another record: the runtime checks it when the record is added.
//! - [`DecryptionShare`]: one validator's share of a ciphertext's decryption, with a
//!   Chaum–Pedersen (DLEQ) proof that it used its key share; [`verify_share`] lets a reader
//!   skip a faulty validator.
//! - [`combine`]: any `t` valid shares give the message back (Lagrange interpolation at 0).
//! - With `std`: [`dkg`], the validators' distributed key generation (FROST's Pedersen DKG,
//!   from `frost-ristretto255`), and [`seal`], HPKE sealing of a share to the reader's
//!   one-time X25519 key.
//!
//! Nothing here decides *when* a share may be released: that rule lives in the runtime.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod group;
mod shares;
mod tdh2;

#[cfg(feature = "std")]
pub mod dkg;
#[cfg(feature = "std")]
pub mod seal;

pub use curve25519_dalek::{ristretto::RistrettoPoint, scalar::Scalar};
pub use group::{is_point, label, record_digest, Purpose};
pub use shares::{combine, decryption_share, verify_share, DecryptionShare, KeyShare};
pub use tdh2::{encrypt, verify, Ciphertext};

/// A compressed Ristretto255 point: a public key, a verifying share, a ciphertext component.
pub type Point = [u8; 32];

/// Why a ciphertext, a share or a set of shares was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
	/// Bytes that are not a valid Ristretto255 point.
	BadPoint,
	/// Bytes that are not a canonical scalar.
	BadScalar,
	/// The ciphertext's proof fails for this label: forged, altered or grafted.
	InvalidCiphertext,
	/// A decryption share whose proof fails against its validator's verifying share.
	InvalidShare,
	/// Fewer distinct valid shares than the threshold.
	NotEnoughShares,
	/// A share index outside the committee.
	UnknownIndex,
}

impl core::fmt::Display for Error {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Error::BadPoint => "not a Ristretto255 point",
			Error::BadScalar => "not a canonical scalar",
			Error::InvalidCiphertext => "the committee ciphertext's proof fails for this record",
			Error::InvalidShare => "a decryption share's proof fails",
			Error::NotEnoughShares => "fewer valid decryption shares than the threshold",
			Error::UnknownIndex => "a share index outside the committee",
		})
	}
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(test)]
mod tests;
