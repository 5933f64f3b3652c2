//! Signing before the window: nonces are counted here, not asked of the node per call, and
//! every extrinsic is mortal from one recent finalized block.

use std::collections::HashMap;

use anyhow::Context;
use medchain_client::chain::Chain;
use subxt::{
	client::{ClientAtBlock, OnlineClientAtBlockImpl},
	config::DefaultExtrinsicParamsBuilder,
	transactions::Payload,
	utils::{AccountId32, H256},
	PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// Blocks an extrinsic stays valid for (25 minutes of 6 s blocks): longer than any window.
pub const ERA_PERIOD: u64 = 256;

/// One extrinsic, signed and encoded, with the call it makes (`Pallet.call`).
#[derive(Clone, Debug)]
pub struct Signed {
	pub hash: H256,
	pub bytes: Vec<u8>,
	pub call: String,
	/// The signer's account: its extrinsics all go to one node (see `submit`).
	pub sender: [u8; 32],
}

/// Signs calls against the finalized block at its creation, with locally kept nonces.
pub struct Presigner {
	chain: Chain,
	at: ClientAtBlock<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>,
	number: u64,
	hash: H256,
	nonces: HashMap<[u8; 32], u64>,
}

impl Presigner {
	pub async fn new(chain: &Chain) -> anyhow::Result<Self> {
		// The era starts at a finalized block: on a network a best block can still be replaced,
		// and an era born on a lost fork makes every signature invalid on the canonical chain.
		let at = chain.api().at_current_block().await?;
		Ok(Presigner {
			chain: chain.clone(),
			number: at.block_number(),
			hash: at.block_hash(),
			at,
			nonces: HashMap::new(),
		})
	}

	/// Signs `call` by `signer` with its next nonce (asked of the node once per account).
	pub async fn sign<C: Payload>(&mut self, call: &C, signer: &Keypair) -> anyhow::Result<Signed> {
		let who: AccountId32 = signer.public_key().to_account_id();
		let nonce = match self.nonces.get(&who.0) {
			Some(nonce) => *nonce,
			None => self.chain.next_nonce(&who).await?,
		};
		self.nonces.insert(who.0, nonce + 1);
		let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
			.nonce(nonce)
			.mortal_from_unchecked(ERA_PERIOD, self.number, self.hash)
			.build();
		let label = format!("{}.{}", call.pallet_name(), call.call_name());
		let tx = self
			.at
			.transactions()
			.create_signable_offline(call, params)
			.and_then(|mut signable| signable.sign(signer))
			.with_context(|| format!("signing {label}"))?;
		Ok(Signed { hash: tx.hash(), bytes: tx.into_encoded(), call: label, sender: who.0 })
	}
}
