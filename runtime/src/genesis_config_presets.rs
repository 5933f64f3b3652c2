//! Genesis presets: `development` (Alice validates alone) and `local_testnet`
//! (Alice, Bob, Charlie and Dave validate). Both fund the well-known dev accounts and make Alice
//! the sudo key, which is the dev chain's administrator (it manages MedChain's verifiers).

use crate::{
	AccountId, BalancesConfig, KeyReleaseConfig, RegistryConfig, RuntimeGenesisConfig, SudoConfig,
	UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_key_release::crypto::Public as KeyReleaseId;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What each endowed dev account starts with: plenty for deposits and fees.
const ENDOWMENT: u128 = 1_000_000 * UNIT;

/// A genesis with the given validators, endowed accounts and sudo key.
fn medchain_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId, KeyReleaseId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		// The administrator is also the first verifier, so a fresh chain can verify
		// practitioners without a governance step.
		registry: RegistryConfig { verifiers: vec![root.clone()] },
		// Every validator is a member of the key-release committee; `t` of them release a
		// record's committee part.
		key_release: KeyReleaseConfig {
			members: initial_authorities.iter().map(|x| x.2.clone()).collect::<Vec<_>>(),
			// More than two thirds, as GRANDPA needs: release is available exactly while
			// finality is (1 of 1, 3 of 4).
			threshold: pallet_key_release::migrations::v1::threshold_for(initial_authorities.len()),
		},
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The session keys of a dev validator: Aura signs with sr25519, GRANDPA votes with ed25519,
/// and its key-release committee key is ed25519 from the same dev seed.
fn authority_keys(
	aura: Sr25519Keyring,
	grandpa: Ed25519Keyring,
) -> (AuraId, GrandpaId, KeyReleaseId) {
	(aura.public().into(), grandpa.public().into(), grandpa.public().into())
}

/// Every well-known dev account, endowed in both presets.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// `development`: Alice validates alone.
pub fn development_config_genesis() -> Value {
	medchain_genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate; GRANDPA tolerates one of them down.
pub fn local_config_genesis() -> Value {
	medchain_genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority_keys(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON of the named preset, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::genesis_builder_helper::build_state;

	/// Builds the named preset's genesis storage (the preset merged over the default config,
	/// as the node's chain-spec builder does) and runs `check` in it.
	fn with_preset(id: &str, check: impl FnOnce()) {
		let patch: Value =
			serde_json::from_slice(&get_preset(&PresetId::from(id)).expect("preset exists"))
				.expect("preset is JSON");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		merge(&mut config, patch);
		sp_io::TestExternalities::default().execute_with(|| {
			build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
				.expect("preset builds");
			check();
		});
	}

	/// JSON merge patch (RFC 7386) without deletions: presets only set fields.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			}
			(base, patch) => *base = patch,
		}
	}

	#[test]
	fn presets_are_listed_and_unknown_ones_are_not() {
		assert_eq!(preset_names().len(), 2);
		assert!(get_preset(&PresetId::from("no-such-preset")).is_none());
	}

	#[test]
	fn development_preset_builds_with_one_validator() {
		with_preset(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
			assert_eq!(pallet_aura::Authorities::<crate::Runtime>::get().len(), 1);
			assert_eq!(crate::Grandpa::grandpa_authorities().len(), 1);
			let alice = Sr25519Keyring::Alice.to_account_id();
			assert_eq!(pallet_sudo::Key::<crate::Runtime>::get(), Some(alice.clone()));
			assert_eq!(crate::Balances::free_balance(&alice), ENDOWMENT);
		});
	}

	#[test]
	fn local_testnet_preset_builds_with_four_validators() {
		with_preset(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
			assert_eq!(pallet_aura::Authorities::<crate::Runtime>::get().len(), 4);
			assert_eq!(crate::Grandpa::grandpa_authorities().len(), 4);
			let dave = Sr25519Keyring::Dave.to_account_id();
			assert_eq!(crate::Balances::free_balance(&dave), ENDOWMENT);
		});
	}
}
