//! The key generation's messages: who may send which, and what each changes.

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	pallet_prelude::{InvalidTransaction, TransactionValidityWithRefund, ValidTransaction, Weight},
	traits::Get,
	BoundedVec, CloneNoBound, DebugNoBound,
};
use sp_application_crypto::RuntimeAppPublic;
use sp_runtime::traits::{Hash, Zero};

use crate::{pallet::*, CommitteeKey, MemberIndex, Round1Entry, Round1Package};

/// How many blocks a key-generation message stays valid for in the pool. Members' nodes make
/// their messages mortal for as long, so a copy sent again has new bytes.
pub const MESSAGE_LONGEVITY: u64 = 64;

/// A member's key-generation message, as it signs it.
#[derive(Encode, CloneNoBound, DebugNoBound)]
pub enum DkgMessage<T: Config> {
	/// Round 1: its package and sealing key.
	Round1 { epoch: u32, member: MemberIndex, package: Round1Package<T>, sealing_key: [u8; 32] },
	/// Round 2: a sealed package per other member.
	Round2 { epoch: u32, member: MemberIndex, packages: crate::SealedPackages<T> },
	/// The committee key it derived.
	Confirm { epoch: u32, member: MemberIndex, key: CommitteeKey<T::MaxMembers> },
	/// Where it serves shares.
	Endpoint { epoch: u32, member: MemberIndex, endpoint: BoundedVec<u8, T::MaxEndpointLen> },
}

impl<T: Config> DkgMessage<T> {
	fn epoch_and_member(&self) -> (u32, MemberIndex) {
		match self {
			Self::Round1 { epoch, member, .. }
			| Self::Round2 { epoch, member, .. }
			| Self::Confirm { epoch, member, .. }
			| Self::Endpoint { epoch, member, .. } => (*epoch, *member),
		}
	}

	/// What the member signs: a domain, the chain's genesis hash (no replay on another
	/// chain) and the message.
	pub fn signing_payload(&self, genesis: &[u8]) -> Vec<u8> {
		(b"MedChain key generation v1", genesis, self).encode()
	}

	/// The pool tag: one message of each kind per member and epoch (an endpoint once per
	/// URL).
	pub(crate) fn tag(&self) -> Vec<u8> {
		let (epoch, member) = self.epoch_and_member();
		let kind: &[u8] = match self {
			Self::Round1 { .. } => b"round1",
			Self::Round2 { .. } => b"round2",
			Self::Confirm { .. } => b"confirm",
			Self::Endpoint { endpoint, .. } => endpoint.as_slice(),
		};
		(epoch, member, kind).encode()
	}
}

/// The hash members confirm: of the key they derived.
pub(crate) fn key_hash<T: Config>(key: &CommitteeKey<T::MaxMembers>) -> [u8; 32] {
	sp_runtime::traits::BlakeTwo256::hash(&key.encode()).0
}

impl<T: Config> Pallet<T> {
	/// Authorizes a member's key-generation message as a general transaction: the pool, and
	/// then the block, take it only with its member's signature and while it would still
	/// apply, once per member and round. Members' nodes send these with no account and no fee.
	/// The calls check the message again when they dispatch, so that each keeps its rules
	/// whole; that costs one more signature check for a handful of messages per epoch.
	pub(crate) fn authorize_dkg(
		message: DkgMessage<T>,
		signature: &MemberSignature,
	) -> TransactionValidityWithRefund {
		Self::check_dkg(&message, signature).map_err(|_| InvalidTransaction::BadProof)?;
		let validity = ValidTransaction::with_tag_prefix("MedChainKeyRelease")
			.priority(T::MessagePriority::get())
			.and_provides(message.tag())
			.longevity(MESSAGE_LONGEVITY)
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Whether `message`, signed with `signature`, is one the chain accepts now.
	pub(crate) fn check_dkg(
		message: &DkgMessage<T>,
		signature: &MemberSignature,
	) -> DispatchResult {
		let committee = CurrentCommittee::<T>::get().ok_or(Error::<T>::NoCommittee)?;
		let (epoch, member) = message.epoch_and_member();
		ensure!(epoch == committee.epoch, Error::<T>::WrongEpoch);
		let key = committee.member(member).ok_or(Error::<T>::UnknownMember)?;
		let genesis = frame_system::Pallet::<T>::block_hash(
			frame_system::pallet_prelude::BlockNumberFor::<T>::zero(),
		);
		ensure!(
			key.verify(&message.signing_payload(genesis.as_ref()), signature),
			Error::<T>::BadSignature
		);
		let n = committee.size();
		match message {
			DkgMessage::Endpoint { .. } => return Ok(()),
			_ if committee.key.is_some() => return Err(Error::<T>::AlreadyKeyed.into()),
			DkgMessage::Round1 { .. } => {
				ensure!(n > 1, Error::<T>::SoloCommittee);
				ensure!(!Round1::<T>::contains_key(member), Error::<T>::AlreadySubmitted);
			}
			DkgMessage::Round2 { packages, .. } => {
				ensure!(n > 1, Error::<T>::SoloCommittee);
				ensure!(
					Round2::<T>::iter_prefix(member).next().is_none(),
					Error::<T>::AlreadySubmitted
				);
				ensure!(
					Round1::<T>::iter_keys().count() == n as usize,
					Error::<T>::RoundIncomplete
				);
				let mut to: Vec<MemberIndex> = packages.iter().map(|(to, _)| *to).collect();
				to.sort_unstable();
				let others: Vec<MemberIndex> = (1..=n).filter(|i| *i != member).collect();
				ensure!(to == others, Error::<T>::WrongRecipients);
			}
			DkgMessage::Confirm { key, .. } => {
				ensure!(!Confirmations::<T>::contains_key(member), Error::<T>::AlreadySubmitted);
				if n > 1 {
					let sent = Round2::<T>::iter_keys().count();
					ensure!(
						sent == usize::from(n) * usize::from(n - 1),
						Error::<T>::RoundIncomplete
					);
				}
				ensure!(
					key.verifying.len() == n as usize
						&& medchain_threshold::is_point(&key.public)
						&& key.verifying.iter().all(medchain_threshold::is_point),
					Error::<T>::MalformedKey
				);
			}
		}
		Ok(())
	}

	/// Applies a checked message.
	pub(crate) fn apply_dkg(message: DkgMessage<T>) -> DispatchResult {
		match message {
			DkgMessage::Round1 { epoch, member, package, sealing_key } => {
				Round1::<T>::insert(member, Round1Entry { package, sealing_key });
				Self::deposit_event(Event::Round1Submitted { epoch, member });
			}
			DkgMessage::Round2 { epoch, member, packages } => {
				for (to, package) in packages {
					Round2::<T>::insert(member, to, package);
				}
				Self::deposit_event(Event::Round2Submitted { epoch, member });
			}
			DkgMessage::Confirm { epoch, member, key } => {
				let hash = key_hash::<T>(&key);
				Confirmations::<T>::insert(member, hash);
				Self::deposit_event(Event::KeyConfirmed { epoch, member });
				let mut committee = CurrentCommittee::<T>::get().ok_or(Error::<T>::NoCommittee)?;
				let agreed = Confirmations::<T>::iter_values().filter(|h| *h == hash).count();
				if agreed == committee.size() as usize {
					let public = key.public;
					committee.key = Some(key);
					CurrentCommittee::<T>::put(committee);
					Self::deposit_event(Event::CommitteeReady { epoch, public });
				}
			}
			DkgMessage::Endpoint { member, endpoint, .. } => {
				Endpoints::<T>::insert(member, endpoint);
				Self::deposit_event(Event::EndpointAnnounced { member });
			}
		}
		Ok(())
	}

	/// The key generation as the member with key `member` sees it, with its index.
	pub fn key_generation(member: [u8; 32]) -> Option<(MemberIndex, crate::DkgView)> {
		let public =
			crate::crypto::Public::from(sp_application_crypto::ed25519::Public::from_raw(member));
		let index = CurrentCommittee::<T>::get()?.index_of(&public)?;
		Self::dkg_view(index).map(|view| (index, view))
	}

	/// The key generation as member `member` sees it.
	pub fn dkg_view(member: MemberIndex) -> Option<crate::DkgView> {
		let committee = CurrentCommittee::<T>::get()?;
		let n = committee.size();
		Some(crate::DkgView {
			epoch: committee.epoch,
			threshold: committee.threshold,
			members: committee.members.iter().map(|m| m.to_raw_vec_32()).collect(),
			round1: (1..=n)
				.map(|i| Round1::<T>::get(i).map(|e| (e.package.into_inner(), e.sealing_key)))
				.collect(),
			round2_done: (1..=n).map(|i| Round2::<T>::iter_prefix(i).next().is_some()).collect(),
			round2_to_me: (1..=n)
				.filter_map(|from| Round2::<T>::get(from, member).map(|p| (from, p.into_inner())))
				.collect(),
			confirmed: (1..=n).map(Confirmations::<T>::contains_key).collect(),
			key: committee.key.map(|k| (k.public, k.verifying.into_inner())),
			endpoints: (1..=n).map(|i| Endpoints::<T>::get(i).map(|e| e.into_inner())).collect(),
		})
	}
}

/// The raw 32 bytes of a member key.
trait Raw32 {
	fn to_raw_vec_32(&self) -> [u8; 32];
}

impl Raw32 for crate::crypto::Public {
	fn to_raw_vec_32(&self) -> [u8; 32] {
		let mut out = [0u8; 32];
		out.copy_from_slice(self.as_ref());
		out
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = crate::crypto::Public;
}
