//! The validator's key share, kept in the node's keystore under a key type of its own
//! (`mksh`), beside the member key (`mkrl`) it was generated with.
//!
//! The keystore holds secrets as key pairs, so the share's 32 canonical scalar bytes are kept
//! as the seed of an ed25519 pair, filed under that pair's public key. Loading checks the
//! seed against the committee's published verifying share, so a stale or foreign entry is
//! never used.

use medchain_threshold::{KeyShare, Point, Scalar};
use pallet_key_release::crypto::{share as app, SHARE_KEY_TYPE};
use sc_keystore::LocalKeystore;
use sp_core::{ed25519, Pair as _};
use sp_keystore::Keystore;

/// The share of member `index` whose verifying share is `expected`, if the keystore has it.
pub fn load(keystore: &LocalKeystore, index: u16, expected: &Point) -> Option<KeyShare> {
	keystore.ed25519_public_keys(SHARE_KEY_TYPE).into_iter().find_map(|public| {
		let pair = keystore.key_pair::<app::Pair>(&app::Public::from(public)).ok()??;
		let seed = pair.into_inner().seed();
		let secret = Option::<Scalar>::from(Scalar::from_canonical_bytes(seed))?;
		let share = KeyShare::from_secret(index, secret);
		(share.verifying == *expected).then_some(share)
	})
}

/// Keeps `share` in the keystore (a keystore on disk; an in-memory one keeps nothing, and the
/// node derives the share again on its next start).
pub fn keep(keystore: &LocalKeystore, share: &KeyShare) -> Result<(), String> {
	let seed = share.secret.to_bytes();
	let public = ed25519::Pair::from_seed(&seed).public();
	let suri = format!("0x{}", hex::encode(seed));
	keystore
		.insert(SHARE_KEY_TYPE, &suri, public.as_ref())
		.map_err(|()| format!("the keystore refused the key share of member {}", share.index))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn share(index: u16, n: u64) -> KeyShare {
		KeyShare::from_secret(index, Scalar::from(n))
	}

	#[test]
	fn a_kept_share_loads_back_only_for_its_verifying_share() {
		let dir = tempfile::tempdir().unwrap();
		let keystore = LocalKeystore::open(dir.path(), None).unwrap();
		let mine = share(2, 7);
		assert!(load(&keystore, 2, &mine.verifying).is_none());
		keep(&keystore, &mine).unwrap();
		keep(&keystore, &share(2, 8)).unwrap();
		let loaded = load(&keystore, 2, &mine.verifying).expect("the kept share");
		assert_eq!(
			(loaded.index, loaded.secret, loaded.verifying),
			(2, mine.secret, mine.verifying)
		);
		// Another member's verifying share finds nothing.
		assert!(load(&keystore, 2, &share(2, 9).verifying).is_none());
		// It survives the node: a keystore opened again on the same directory has it.
		drop(keystore);
		let reopened = LocalKeystore::open(dir.path(), None).unwrap();
		assert!(load(&reopened, 2, &mine.verifying).is_some());
	}
}
