//! Drives this validator's part of the committee's key generation from the chain's state:
//! on every new best block it asks the runtime what the key generation looks like to this
//! member and sends the next message due, as an authorized general transaction (no account,
//! no fee) signed with its member key. Once the key is agreed it takes its share from the
//! keystore, or derives it once and keeps it there, and hands it to the RPC server.

use std::{collections::BTreeMap, sync::Arc};

use codec::Encode;
use futures::StreamExt;
use medchain_runtime::{opaque::Block, BlockNumber, Runtime, RuntimeCall};
use medchain_threshold::{
	dkg::{self, Round2Secret},
	seal, KeyShare,
};
use pallet_key_release::{
	crypto::{Public as MemberPublic, Signature as MemberSignature, KEY_TYPE},
	runtime_api::KeyReleaseApi,
	CommitteeKey, DkgMessage, DkgView, MemberIndex,
};
use sc_client_api::BlockchainEvents;
use sc_keystore::LocalKeystore;
use sc_transaction_pool_api::{TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::ed25519;
use sp_keystore::Keystore;
use sp_runtime::{generic::Era, BoundedVec};

use super::{HeldShare, Options, SharedState};
use crate::service::FullClient;

const LOG: &str = "key-release";

/// What this node's member key gives the key generation: its seed.
struct Member {
	seed: [u8; 32],
}

/// Runs until the node stops.
pub async fn run<P>(
	client: Arc<FullClient>,
	pool: Arc<P>,
	keystore: Arc<LocalKeystore>,
	state: SharedState,
	options: Options,
) where
	P: TransactionPool<Block = Block> + 'static,
{
	let mut blocks = client.import_notification_stream();
	// What was last sent, and at which block, so a message waiting in the pool is not sent
	// again on every block (it is re-sent if it has not landed after a while).
	let mut sent: Option<(Vec<u8>, BlockNumber)> = None;
	let mut announced: Option<(String, BlockNumber)> = None;
	loop {
		let best = client.info().best_hash;
		let number = client.info().best_number;
		if let Err(e) =
			step(&client, &*pool, &keystore, &state, &options, &mut sent, &mut announced, number)
				.await
		{
			log::warn!(target: LOG, "key generation step at #{number} ({best}): {e}");
		}
		if blocks.next().await.is_none() {
			return;
		}
	}
}

#[allow(clippy::too_many_arguments)]
async fn step<P>(
	client: &Arc<FullClient>,
	pool: &P,
	keystore: &Arc<LocalKeystore>,
	state: &SharedState,
	options: &Options,
	sent: &mut Option<(Vec<u8>, BlockNumber)>,
	announced: &mut Option<(String, BlockNumber)>,
	number: BlockNumber,
) -> Result<(), String>
where
	P: TransactionPool<Block = Block>,
{
	let best = client.info().best_hash;
	let api = client.runtime_api();
	let mut found = None;
	for public in keystore.ed25519_public_keys(KEY_TYPE) {
		let view = api.key_generation(best, public.0).map_err(|e| e.to_string())?;
		if let Some(view) = view {
			found = Some((public, view));
			break;
		}
	}
	let Some((public, (index, view))) = found else { return Ok(()) };
	let genesis = client.info().genesis_hash;
	let submit = Submitter { client, pool, keystore, public: public.0, genesis: genesis.as_ref() };

	if let Some(endpoint) = &options.endpoint {
		let current = view.endpoints.get(index as usize - 1).cloned().flatten();
		// Announced and not on chain yet: give it 20 blocks before sending it again.
		let pending =
			announced.as_ref().is_some_and(|(sent, at)| sent == endpoint && number < at + 20);
		if current.as_deref() != Some(endpoint.as_bytes()) && !pending {
			let endpoint_bytes = BoundedVec::truncate_from(endpoint.as_bytes().to_vec());
			let message = DkgMessage::<Runtime>::Endpoint {
				epoch: view.epoch,
				member: index,
				endpoint: endpoint_bytes.clone(),
			};
			let signature = submit.sign(&message)?;
			submit
				.send(pallet_key_release::Call::announce_endpoint {
					epoch: view.epoch,
					member: index,
					endpoint: endpoint_bytes,
					signature,
				})
				.await?;
			*announced = Some((endpoint.clone(), number));
		}
	}

	if let Some((public_key, verifying)) = &view.key {
		let held = state.held.read().map_err(|e| e.to_string())?.as_ref().map(|h| h.epoch);
		if held != Some(view.epoch) {
			let expected = verifying.get(index as usize - 1).ok_or("no verifying share")?;
			let share = match super::keystore::load(keystore, index, expected) {
				Some(share) => {
					log::info!(
						target: LOG,
						"member {index} loaded its share of committee key {} from the keystore",
						hex(public_key)
					);
					share
				}
				None => {
					let share = derive_share(&member(keystore, public)?, index, &view)?;
					if share.verifying != *expected {
						return Err(format!(
							"the share derived for member {index} does not match the \
							 committee's verifying share; this node cannot release (committee \
							 key {})",
							hex(public_key)
						));
					}
					super::keystore::keep(keystore, &share)?;
					log::info!(
						target: LOG,
						"member {index} derived its share of committee key {} and keeps it in \
						 the keystore",
						hex(public_key)
					);
					share
				}
			};
			*state.held.write().map_err(|e| e.to_string())? =
				Some(HeldShare { epoch: view.epoch, share });
		}
		return Ok(());
	}

	// One message at a time: wait for the last one to land (or 20 blocks) before the next.
	let Some(due) = next_message(&member(keystore, public)?, index, &view)? else {
		return Ok(());
	};
	let tag = due.tag().to_vec();
	if let Some((last, at)) = sent {
		if *last == tag && number < *at + 20 {
			return Ok(());
		}
	}
	log::info!(
		target: LOG,
		"member {index} sends {} for epoch {}",
		String::from_utf8_lossy(&tag),
		view.epoch
	);
	submit.send(submit.build(view.epoch, index, due)?).await?;
	*sent = Some((tag, number));
	Ok(())
}

/// This member's key pair, read from the keystore only when a message or a share needs its
/// seed: once the share is held, a block costs no keystore read.
fn member(keystore: &LocalKeystore, public: ed25519::Public) -> Result<Member, String> {
	let pair = keystore
		.key_pair::<pallet_key_release::crypto::Pair>(&MemberPublic::from(public))
		.map_err(|e| e.to_string())?
		.ok_or("the member key is not in the keystore")?;
	Ok(Member { seed: pair.into_inner().seed() })
}

/// A key-generation message this member owes.
enum Due {
	Round1 { package: Vec<u8>, sealing_key: [u8; 32] },
	Round2 { packages: Vec<(MemberIndex, Vec<u8>)> },
	Confirm(dkg::CommitteeKey),
}

impl Due {
	fn tag(&self) -> &'static [u8] {
		match self {
			Due::Round1 { .. } => b"round1",
			Due::Round2 { .. } => b"round2",
			Due::Confirm(_) => b"confirm",
		}
	}
}

/// The message this member owes next, if any.
fn next_message(
	member: &Member,
	index: MemberIndex,
	view: &DkgView,
) -> Result<Option<Due>, String> {
	let n = view.members.len() as u16;
	let me = index as usize - 1;
	let epoch = view.epoch;
	if n == 1 {
		if view.confirmed[0] {
			return Ok(None);
		}
		return Ok(Some(Due::Confirm(dkg::solo(&member.seed, epoch).1)));
	}
	if view.round1[me].is_none() {
		let (_, package) = dkg::round1(index, n, view.threshold, &member.seed, epoch)
			.map_err(|e| e.to_string())?;
		let sealing_key = seal::public_key(&seal::member_secret(&member.seed, epoch))
			.map_err(|e| e.to_string())?;
		return Ok(Some(Due::Round1 { package, sealing_key }));
	}
	if view.round1.iter().any(Option::is_none) {
		return Ok(None);
	}
	if !view.round2_done[me] {
		let (_, packages) = round2(member, index, view)?;
		let mut sealed = Vec::new();
		for (to, package) in packages {
			let (_, key) = view.round1[to as usize - 1].clone().ok_or("round 1 missing")?;
			let bytes = seal::seal(
				&key,
				&seal::package_info(epoch, index, to),
				&package,
				&mut rand_core::OsRng,
			)
			.map_err(|e| e.to_string())?;
			sealed.push((to, bytes));
		}
		return Ok(Some(Due::Round2 { packages: sealed }));
	}
	if view.round2_done.iter().all(|d| *d) && !view.confirmed[me] {
		return Ok(Some(Due::Confirm(finish(member, index, view)?.1)));
	}
	Ok(None)
}

/// The other members' round-1 packages.
fn others_round1(index: MemberIndex, view: &DkgView) -> Result<BTreeMap<u16, Vec<u8>>, String> {
	let mut out = BTreeMap::new();
	for (i, entry) in view.round1.iter().enumerate() {
		let i = i as u16 + 1;
		if i != index {
			out.insert(i, entry.clone().ok_or("round 1 missing")?.0);
		}
	}
	Ok(out)
}

fn round2(
	member: &Member,
	index: MemberIndex,
	view: &DkgView,
) -> Result<(Round2Secret, BTreeMap<u16, Vec<u8>>), String> {
	let n = view.members.len() as u16;
	let (secret, _) = dkg::round1(index, n, view.threshold, &member.seed, view.epoch)
		.map_err(|e| e.to_string())?;
	dkg::round2(secret, &others_round1(index, view)?, n).map_err(|e| e.to_string())
}

fn finish(
	member: &Member,
	index: MemberIndex,
	view: &DkgView,
) -> Result<(KeyShare, dkg::CommitteeKey), String> {
	let n = view.members.len() as u16;
	let (secret, _) = round2(member, index, view)?;
	let sealing = seal::member_secret(&member.seed, view.epoch);
	let mut received = BTreeMap::new();
	for (from, sealed) in &view.round2_to_me {
		let package = seal::open(&sealing, &seal::package_info(view.epoch, *from, index), sealed)
			.map_err(|e| format!("member {from}'s round-2 package: {e}"))?;
		received.insert(*from, package);
	}
	dkg::finish(index, &secret, &others_round1(index, view)?, &received, n)
		.map_err(|e| e.to_string())
}

/// This member's share of an agreed key, rebuilt from its seed and the chain.
fn derive_share(member: &Member, index: MemberIndex, view: &DkgView) -> Result<KeyShare, String> {
	if view.members.len() == 1 {
		return Ok(dkg::solo(&member.seed, view.epoch).0);
	}
	Ok(finish(member, index, view)?.0)
}

/// How far behind the best block a message's birth block may lie (see `Submitter::send`).
const FINALITY_LAG: BlockNumber = 16;

/// Signs and sends this member's messages.
pub struct Submitter<'a, P: ?Sized> {
	client: &'a Arc<FullClient>,
	pool: &'a P,
	keystore: &'a Arc<LocalKeystore>,
	/// The member key that signs.
	public: [u8; 32],
	genesis: &'a [u8],
}

impl<P: ?Sized> Submitter<'_, P> {
	/// The signed call carrying `due`.
	fn build(
		&self,
		epoch: u32,
		member: MemberIndex,
		due: Due,
	) -> Result<pallet_key_release::Call<Runtime>, String> {
		Ok(match due {
			Due::Round1 { package, sealing_key } => {
				let package =
					BoundedVec::try_from(package).map_err(|_| "round-1 package too long")?;
				let signature = self.sign(&DkgMessage::Round1 {
					epoch,
					member,
					package: package.clone(),
					sealing_key,
				})?;
				pallet_key_release::Call::submit_round1 {
					epoch,
					member,
					package,
					sealing_key,
					signature,
				}
			}
			Due::Round2 { packages } => {
				let mut bounded = Vec::new();
				for (to, sealed) in packages {
					bounded.push((
						to,
						BoundedVec::try_from(sealed).map_err(|_| "sealed package too long")?,
					));
				}
				let packages = BoundedVec::try_from(bounded).map_err(|_| "too many packages")?;
				let signature =
					self.sign(&DkgMessage::Round2 { epoch, member, packages: packages.clone() })?;
				pallet_key_release::Call::submit_round2 { epoch, member, packages, signature }
			}
			Due::Confirm(key) => {
				let key = CommitteeKey {
					public: key.public,
					verifying: BoundedVec::try_from(key.verifying)
						.map_err(|_| "too many members")?,
				};
				let signature =
					self.sign(&DkgMessage::Confirm { epoch, member, key: key.clone() })?;
				pallet_key_release::Call::confirm_key { epoch, member, key, signature }
			}
		})
	}

	fn sign(&self, message: &DkgMessage<Runtime>) -> Result<MemberSignature, String> {
		let payload = message.signing_payload(self.genesis);
		let signature = self
			.keystore
			.ed25519_sign(KEY_TYPE, &ed25519::Public::from_raw(self.public), &payload)
			.map_err(|e| e.to_string())?
			.ok_or("the member key is not in the keystore")?;
		Ok(MemberSignature::from(signature))
	}
}

impl<P: TransactionPool<Block = Block> + ?Sized> Submitter<'_, P> {
	/// Sends `call` as an authorized general transaction: the pallet's `authorize` checks the
	/// member's signature, so it needs no account and pays no fee.
	///
	/// It is mortal from the last finalized block, or from [`FINALITY_LAG`] blocks behind the
	/// best one while finality lags further. Not from the best block: this runs as each block
	/// is imported, and the pool, until it has caught up with that block, validates on heads
	/// that do not know its hash and would refuse the message as having "an ancient birth
	/// block".
	///
	/// A message is sent again when it has not landed after 20 blocks; by then its birth
	/// block has moved, which makes that copy's bytes, and so its hash, new. The pool bans the
	/// hash of a transaction it saw included, and after a fork that ban can keep an identical
	/// copy out of every view for half an hour (polkadot-sdk issue 11034).
	async fn send(&self, call: pallet_key_release::Call<Runtime>) -> Result<(), String> {
		let info = self.client.info();
		let birth = info.finalized_number.max(info.best_number.saturating_sub(FINALITY_LAG));
		let era = Era::mortal(pallet_key_release::MESSAGE_LONGEVITY, birth.into());
		let xt = medchain_runtime::UncheckedExtrinsic::new_transaction(
			RuntimeCall::KeyRelease(call),
			medchain_runtime::authorized::authorized_extension(era),
		);
		let opaque = sp_runtime::OpaqueExtrinsic::try_from_encoded_extrinsic(&xt.encode())
			.map_err(|e| e.to_string())?;
		self.pool
			.submit_one(info.best_hash, TransactionSource::Local, opaque)
			.await
			.map(|_| ())
			.map_err(|e| e.to_string())
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
