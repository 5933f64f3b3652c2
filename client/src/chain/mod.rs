//! The connection to a MedChain node: submitting signed calls and reading state.
//!
//! Calls are built on the best block with the transaction pool's next nonce, so one account
//! can submit call after call without waiting for finality; their life counts from the last
//! finalized block, which every head the pool validates on knows; [`Wait`] says whether a call
//! returns once it is in a block or once that block is final. The legacy RPC backend is used
//! because subxt's chainHead backend was seen to stop following mid-transaction on this node.

use std::{collections::VecDeque, sync::Arc};

use subxt::{
	backend::LegacyBackend,
	config::{DefaultExtrinsicParamsBuilder, RpcConfigFor},
	error::{DispatchError, TransactionEventsError},
	extrinsics::ExtrinsicEvents,
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	transactions::{Payload, TransactionStatus},
	utils::{AccountId32, H256},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

use crate::error::ClientError;

/// For how many blocks a signed call stays valid, counted from its birth block.
const MORTALITY: u64 = 64;

/// How far behind the best block a call's birth block may lie (see `Chain::mortality_birth`):
/// a quarter of its life.
const FINALITY_LAG: u64 = MORTALITY / 4;

/// How long a call waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Wait {
	/// Until the call is in a block of the best chain (about one block time).
	#[default]
	InBlock,
	/// Until that block is finalized by GRANDPA (a few blocks more), after which it cannot be
	/// reverted.
	Finalized,
}

/// What a submitted call produced.
pub struct Included {
	pub block: H256,
	pub events: ExtrinsicEvents<PolkadotConfig>,
}

/// A connection to one node.
#[derive(Clone)]
pub struct Chain {
	url: String,
	api: OnlineClient<PolkadotConfig>,
	rpc: Arc<LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>>,
	/// Serialises submissions so nonces from this process never collide.
	submit_lock: Arc<tokio::sync::Mutex<()>>,
	/// The hashes of the last calls submitted through this connection and its clones.
	submitted: Arc<std::sync::Mutex<VecDeque<H256>>>,
}

/// How many submitted calls [`Chain::submitted_here`] remembers.
const REMEMBERED_SUBMISSIONS: usize = 1024;

impl Chain {
	/// Connects to the node at `url` (`ws://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Self, ClientError> {
		let unreachable = |e: &dyn std::fmt::Display| ClientError::Connection {
			url: url.into(),
			reason: e.to_string(),
		};
		let rpc = RpcClient::from_insecure_url(url).await.map_err(|e| unreachable(&e))?;
		let backend = LegacyBackend::<PolkadotConfig>::builder().build(rpc.clone());
		let api =
			OnlineClient::from_backend(Arc::new(backend)).await.map_err(|e| unreachable(&e))?;
		Ok(Chain {
			url: url.into(),
			api,
			rpc: Arc::new(LegacyRpcMethods::new(rpc)),
			submit_lock: Default::default(),
			submitted: Default::default(),
		})
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	pub fn api(&self) -> &OnlineClient<PolkadotConfig> {
		&self.api
	}

	/// The best block's hash.
	pub async fn best_hash(&self) -> Result<H256, ClientError> {
		self.rpc
			.chain_get_block_hash(None)
			.await
			.map_err(ClientError::chain)?
			.ok_or_else(|| ClientError::chain("the node has no best block"))
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<u32, ClientError> {
		self.block_number(self.best_hash().await?).await
	}

	/// The number of the last finalized block.
	pub async fn finalized_number(&self) -> Result<u32, ClientError> {
		self.finalized().await.map(|(number, _)| number)
	}

	/// The last finalized block's number and hash.
	async fn finalized(&self) -> Result<(u32, H256), ClientError> {
		let hash = self.rpc.chain_get_finalized_head().await.map_err(ClientError::chain)?;
		Ok((self.block_number(hash).await?, hash))
	}

	/// The number of block `hash`.
	pub async fn block_number(&self, hash: H256) -> Result<u32, ClientError> {
		let header = self
			.rpc
			.chain_get_header(Some(hash))
			.await
			.map_err(ClientError::chain)?
			.ok_or_else(|| ClientError::chain(format!("the node has no block {hash:?}")))?;
		Ok(header.number as u32)
	}

	/// The next nonce of `who`, counting its transactions waiting in the pool.
	pub async fn next_nonce(&self, who: &AccountId32) -> Result<u64, ClientError> {
		self.rpc.system_account_next_index(who).await.map_err(ClientError::chain)
	}

	/// The hash of the best chain's block `number`.
	async fn hash_of(&self, number: u64) -> Result<H256, ClientError> {
		self.rpc
			.chain_get_block_hash(Some(number.into()))
			.await
			.map_err(ClientError::chain)?
			.ok_or_else(|| ClientError::chain(format!("the node has no block {number}")))
	}

	/// Block `number`'s hash and its time (`Timestamp.set`, Unix milliseconds), read from the
	/// block body, which a pruned node keeps (its state it may not).
	pub async fn block_time(&self, number: u32) -> Result<(H256, u64), ClientError> {
		use subxt::ext::codec::{Compact, Decode};
		let hash = self.hash_of(number.into()).await?;
		let at = self.api.at_block(hash).await.map_err(ClientError::chain)?;
		let extrinsics = at.extrinsics().fetch().await.map_err(ClientError::chain)?;
		for ext in extrinsics.iter() {
			let ext = ext.map_err(ClientError::chain)?;
			if ext.pallet_name() == "Timestamp" && ext.call_name() == "set" {
				// `set(now: Compact<u64>)`.
				let now = Compact::<u64>::decode(&mut ext.call_data_field_bytes())
					.map_err(ClientError::chain)?;
				return Ok((hash, now.0));
			}
		}
		Err(ClientError::chain(format!("block {number} has no timestamp")))
	}

	/// A view of the chain at the best block, for reads that must see calls just included.
	pub async fn at_best(
		&self,
	) -> Result<
		subxt::client::ClientAtBlock<
			PolkadotConfig,
			subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>,
		>,
		ClientError,
	> {
		let hash = self.best_hash().await?;
		self.api.at_block(hash).await.map_err(ClientError::chain)
	}

	/// Calls a view function at the best block.
	///
	/// The runtime API is `execute_view_function(id: [u8; 32], input: Vec<u8>)`; subxt 0.50.3
	/// sends the input without the `Vec`'s length prefix and decodes the answer without its
	/// `Result<Vec<u8>, _>` wrapper, which this runtime rejects. So the call is framed here and
	/// subxt's own validation, encoding and decoding are used for the rest.
	pub async fn view<P: subxt::view_functions::Payload>(
		&self,
		payload: P,
	) -> Result<P::ReturnType, ClientError> {
		use subxt::ext::{
			codec::{Decode, Encode},
			scale_decode::IntoVisitor,
		};
		let at = self.at_best().await?;
		let functions = at.view_functions();
		functions.validate(&payload).map_err(ClientError::chain)?;
		let encoded = functions.encode_args(&payload).map_err(ClientError::chain)?;
		let (id, input) = encoded.split_at(32);
		let mut call = id.to_vec();
		input.to_vec().encode_to(&mut call);
		let raw = functions.call_raw(Some(&call)).await.map_err(ClientError::chain)?;
		let output = match raw.split_first() {
			Some((0, rest)) => Vec::<u8>::decode(&mut &rest[..]).map_err(ClientError::chain)?,
			_ => {
				return Err(ClientError::chain(format!(
					"view function {}::{} failed: 0x{}",
					payload.pallet_name(),
					payload.function_name(),
					hex::encode(&raw)
				)))
			}
		};
		let metadata = at.metadata_ref();
		subxt::ext::frame_decode::view_functions::decode_view_function_response(
			payload.pallet_name(),
			payload.function_name(),
			&mut &output[..],
			metadata,
			metadata.types(),
			P::ReturnType::into_visitor(),
		)
		.map_err(|e| ClientError::chain(format!("{e:?}")))
	}

	/// Whether the call with this extrinsic hash was submitted through this connection (or a
	/// clone of it), among its last 1 024: a live view reloads for the account's calls made
	/// elsewhere, and leaves its own to the answer that reported them.
	pub fn submitted_here(&self, extrinsic: H256) -> bool {
		self.submitted.lock().is_ok_and(|submitted| submitted.contains(&extrinsic))
	}

	fn remember(&self, extrinsic: H256) {
		if let Ok(mut submitted) = self.submitted.lock() {
			if submitted.len() == REMEMBERED_SUBMISSIONS {
				submitted.pop_front();
			}
			submitted.push_back(extrinsic);
		}
	}

	/// The block a call's mortality counts from: the last finalized block, or, while finality
	/// lags more than [`FINALITY_LAG`] blocks, the best chain's block that far back.
	///
	/// Not the best block: the transaction pool validates a call on each chain head it has
	/// caught up with, and a head it has not caught up with yet does not know the best
	/// block's hash, so a call born there would be refused as having "an ancient birth
	/// block" right after each import (polkadot.js anchors on the finalized block likewise).
	async fn mortality_birth(&self, best: u64) -> Result<(u64, H256), ClientError> {
		let (number, hash) = self.finalized().await?;
		if best.saturating_sub(number.into()) <= FINALITY_LAG {
			return Ok((number.into(), hash));
		}
		let number = best - FINALITY_LAG;
		Ok((number, self.hash_of(number).await?))
	}

	/// Signs `call` with `signer`, submits it and waits as asked. A pallet error becomes
	/// [`ClientError::Dispatch`] with the pallet's documentation of the error.
	pub async fn submit<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		wait: Wait,
	) -> Result<Included, ClientError> {
		let mut progress = {
			let _guard = self.submit_lock.lock().await;
			let nonce = self.next_nonce(&signer.public_key().to_account_id()).await?;
			let best = self.at_best().await?;
			let (birth, birth_hash) = self.mortality_birth(best.block_number()).await?;
			let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
				.nonce(nonce)
				.mortal_from_unchecked(MORTALITY, birth, birth_hash)
				.build();
			let transaction =
				best.transactions().create_signed(call, signer, params).await.map_err(rejected)?;
			// Remembered before the node has it, so that no block holding it is seen first.
			self.remember(transaction.hash());
			transaction.submit_and_watch().await.map_err(rejected)?
		};
		while let Some(status) = progress.next().await {
			match status.map_err(ClientError::chain)? {
				TransactionStatus::InBestBlock(block) if wait == Wait::InBlock => {
					let events = block.wait_for_success().await.map_err(dispatch_error)?;
					return Ok(Included { block: block.block_hash(), events });
				}
				TransactionStatus::InFinalizedBlock(block) => {
					let events = block.wait_for_success().await.map_err(dispatch_error)?;
					return Ok(Included { block: block.block_hash(), events });
				}
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => return Err(ClientError::Rejected(message)),
				_ => {}
			}
		}
		Err(ClientError::chain("the node stopped reporting on the transaction"))
	}
}

/// A transaction the node refused, with the node's reason.
///
/// subxt prints a JSON-RPC error as its message and code only ("Invalid Transaction (1010)"),
/// while the node says which check failed in the error's data ("Transaction is outdated",
/// "Inability to pay some fees ..."): that data is what tells the user what to do.
fn rejected(err: subxt::error::ExtrinsicError) -> ClientError {
	use subxt::error::{BackendError, ExtrinsicError, RpcError};
	if let ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(RpcError::ClientError(
		subxt::rpcs::Error::User(user),
	))) = &err
	{
		if let Some(data) = &user.data {
			let reason = serde_json::from_str::<String>(data.get())
				.unwrap_or_else(|_| data.get().to_string());
			return ClientError::Rejected(format!("{} ({}): {reason}", user.message, user.code));
		}
	}
	ClientError::Rejected(err.to_string())
}

/// Turns a failed dispatch into a typed error naming the pallet's error and its docs.
fn dispatch_error(err: TransactionEventsError) -> ClientError {
	match err {
		TransactionEventsError::ExtrinsicFailed(DispatchError::Module(module)) => {
			match module.details() {
				Ok(details) => ClientError::Dispatch {
					pallet: details.pallet.name().to_string(),
					error: details.variant.name.clone(),
					docs: details.variant.docs.join(" ").trim().to_string(),
				},
				Err(_) => ClientError::Dispatch {
					pallet: "?".into(),
					error: module.details_string(),
					docs: String::new(),
				},
			}
		}
		TransactionEventsError::ExtrinsicFailed(other) => ClientError::Dispatch {
			pallet: "System".into(),
			error: format!("{other:?}"),
			docs: other.to_string(),
		},
		other => ClientError::chain(other),
	}
}
