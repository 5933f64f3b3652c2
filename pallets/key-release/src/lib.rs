//! # Key release pallet
//!
//! A two-lock record's file key is made of two parts. `K_p` travels in the readers' key
//! envelopes (records pallet); `K_c` is encrypted to the validators' *committee key* and
//! released only by `t` of the `n` validators, each for a read the chain recorded and still
//! permits. So a grantee who skips recording a read opens nothing, and a revoked grantee
//! cannot open a record they never read, even with the envelope they kept.
//!
//! ## The committee
//! The committee key is made by a distributed key generation (FROST's Pedersen DKG) whose
//! messages are the members' own transactions, each signed by the member's `mkrl` key from its
//! node's keystore. They are authorized general transactions (`#[pallet::authorize]`, through
//! `frame_system::AuthorizeCall`): no account and no fee, and the pool and the block take one
//! only with its member's signature and while it would still apply:
//! 1. [`Pallet::submit_round1`]: commitments and a proof of possession, with the X25519 key
//!    the member's round-2 packages are sealed to.
//! 2. [`Pallet::submit_round2`]: one package per other member, sealed to its recipient.
//! 3. [`Pallet::confirm_key`]: the committee key and verifying shares the member derived.
//!    When every member confirmed the same, the key is the committee's.
//!
//! No party ever holds the committee secret: each member holds one share. A committee of one
//! (the dev chain) confirms its key directly. Every member announces where it serves shares
//! with [`Pallet::announce_endpoint`]. The [`Config::AdminOrigin`] may restart a key
//! generation that stalled, under a new epoch, before any key exists; refreshing the key
//! when the validator set changes is future work (see `docs/key-release.md`), so each record
//! names the epoch it was locked to.
//!
//! ## Records and reads
//! - `add_record` (records pallet) checks through [`CommitteeLocks::lock`] that the record's
//!   committee ciphertext was made for *this* record (its patient, author and CID, bound
//!   into the ciphertext's proof) under the current key, and keeps it in [`Locks`].
//! - A grantee's recorded read of a locked record leaves a [`ReadEntry`] in [`Reads`] with the
//!   reader's one-time X25519 key, for [`Config::ReleaseWindow`] blocks.
//! - A validator node asks [`Pallet::release`] (through the runtime API) at its *finalized*
//!   block whether it may answer: the entry exists, is recent, and the read is still
//!   permitted (its grant is live, or ended by that very read). It then computes its share
//!   from the ciphertext in state, never from the request.
//!
//! ## Emergency summary
//! A patient may put records in an emergency summary with [`Pallet::add_to_summary`],
//! sealing `K_p` to the committee too (bound to the record, with a deposit). A doctor under
//! emergency access then reads those records, and only those, with no patient online: the
//! validators release both parts. `t` colluding validators could read these records.
//!
//! ## Invariants (checked by `try_state`)
//! - The committee has `1 ≤ t ≤ n` members and, once keyed, one verifying share each; no
//!   round entry names a member outside it.
//! - Every lock is of an epoch up to the current one; every read entry is of a locked record
//!   and within the window from the sweep's cursor on.
//! - Each patient's summary count is the number of their summary records, at most
//!   `MaxSummary`, and the balance held for them is the sum of those deposits.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use committee::{DkgMessage, MESSAGE_LONGEVITY};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod committee;
mod invariants;
pub mod migrations;
#[cfg(test)]
mod mock;
mod release;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

/// The key every committee member keeps in its node's keystore (key type `mkrl`): it signs
/// the member's key-generation messages, and its seed derives the member's DKG randomness.
pub mod crypto {
	use sp_application_crypto::{app_crypto, ed25519, KeyTypeId};
	/// The keystore key type of committee members.
	pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"mkrl");
	app_crypto!(ed25519, KEY_TYPE);

	/// The keystore key type under which a member's node keeps its share of the committee
	/// key (never on chain).
	pub const SHARE_KEY_TYPE: KeyTypeId = KeyTypeId(*b"mksh");

	/// The keystore's typed view of a kept share: the share's scalar is filed as the seed of
	/// an ed25519 pair, the keystore's form for secrets.
	pub mod share {
		use sp_application_crypto::{app_crypto, ed25519};
		app_crypto!(ed25519, super::SHARE_KEY_TYPE);
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{self, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{
		AuditAction, AuditLog, CommitteeCiphertext, CommitteeLocks, RecordId, RecordIndex, Role,
		RoleRegistry,
	};
	use medchain_threshold::Point;

	/// Version 1: the first.
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	/// A committee member's signature on its key-generation message.
	pub type MemberSignature = crypto::Signature;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Roles of accounts: only patients keep an emergency summary.
		type Registry: RoleRegistry<Self::AccountId>;
		/// Whether the grant a read was made under is still live.
		type Access: medchain_primitives::AccessControl<Self::AccountId>;
		/// The records whose committee parts this pallet keeps.
		type Records: RecordIndex<Self::AccountId>;
		/// Where summary changes are logged for the patient.
		type Audit: AuditLog<Self::AccountId>;
		/// The currency summary deposits are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who may restart a stalled key generation.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Held from the patient for each record of their emergency summary.
		#[pallet::constant]
		type SummaryDeposit: Get<BalanceOf<Self>>;
		/// The most records a patient's emergency summary may hold.
		#[pallet::constant]
		type MaxSummary: Get<u32>;
		/// The most committee members.
		#[pallet::constant]
		type MaxMembers: Get<u32>;
		/// The longest round-1 package, in bytes.
		#[pallet::constant]
		type MaxPackageLen: Get<u32>;
		/// The longest sealed round-2 package, in bytes.
		#[pallet::constant]
		type MaxSealedPackageLen: Get<u32>;
		/// The longest release endpoint URL, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// How many blocks after a read the validators still answer it.
		#[pallet::constant]
		type ReleaseWindow: Get<BlockNumberFor<Self>>;
		/// The pool priority of the members' key-generation messages.
		#[pallet::constant]
		type MessagePriority: Get<TransactionPriority>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A record's `K_p` sealed to the committee for the emergency summary.
		#[codec(index = 0)]
		EmergencySummary,
	}

	/// The committee of the current epoch.
	#[pallet::storage]
	pub type CurrentCommittee<T: Config> = StorageValue<_, Committee<T::MaxMembers>>;

	/// The current epoch's round-1 messages, by member index.
	#[pallet::storage]
	pub type Round1<T: Config> = StorageMap<_, Twox64Concat, MemberIndex, Round1Entry<T>>;

	/// The current epoch's round-2 packages, by sender and recipient, each sealed to its
	/// recipient. Kept after the key is agreed: a member's node rebuilds its share from them.
	#[pallet::storage]
	pub type Round2<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		MemberIndex,
		Twox64Concat,
		MemberIndex,
		BoundedVec<u8, T::MaxSealedPackageLen>,
	>;

	/// The hash of the committee key each member derived, by member index.
	#[pallet::storage]
	pub type Confirmations<T: Config> = StorageMap<_, Twox64Concat, MemberIndex, [u8; 32]>;

	/// Where each member serves its shares (a WebSocket or HTTP JSON-RPC URL).
	#[pallet::storage]
	pub type Endpoints<T: Config> =
		StorageMap<_, Twox64Concat, MemberIndex, BoundedVec<u8, T::MaxEndpointLen>>;

	/// The committee part of every two-lock record.
	#[pallet::storage]
	pub type Locks<T: Config> = StorageMap<_, Twox64Concat, RecordId, Lock<T>>;

	/// How many records each patient's emergency summary holds.
	#[pallet::storage]
	pub type SummaryCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Recorded reads of locked records, by the block they were recorded in, then record and
	/// reader: what the validators answer, for `ReleaseWindow` blocks.
	#[pallet::storage]
	pub type Reads<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Blake2_128Concat,
		(RecordId, T::AccountId),
		ReadEntry,
	>;

	/// The first block whose read entries the sweep may not have removed yet.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The first committee's members, in index order.
		pub members: Vec<crypto::Public>,
		/// How many of them release a key.
		pub threshold: u16,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.members.is_empty() {
				return;
			}
			let members = BoundedVec::try_from(self.members.clone())
				.expect("genesis: more committee members than MaxMembers");
			assert!(
				self.threshold >= 1 && usize::from(self.threshold) <= self.members.len(),
				"genesis: the committee threshold must be between 1 and the number of members"
			);
			CurrentCommittee::<T>::put(Committee {
				epoch: 0,
				threshold: self.threshold,
				members,
				key: None,
			});
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A member published its round-1 message.
		Round1Submitted { epoch: u32, member: MemberIndex },
		/// A member published its sealed round-2 packages.
		Round2Submitted { epoch: u32, member: MemberIndex },
		/// A member confirmed the committee key it derived.
		KeyConfirmed { epoch: u32, member: MemberIndex },
		/// Every member confirmed the same key: records are locked to it from now on.
		CommitteeReady { epoch: u32, public: Point },
		/// A member announced where it serves shares.
		EndpointAnnounced { member: MemberIndex },
		/// The key generation restarted under a new epoch.
		KeyGenerationRestarted { epoch: u32, members: u16, threshold: u16 },
		/// A record joined its patient's emergency summary.
		AddedToSummary { patient: T::AccountId, record: RecordId },
		/// A record left its patient's emergency summary; the deposit was released.
		RemovedFromSummary { patient: T::AccountId, record: RecordId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The chain has no committee.
		NoCommittee,
		/// The committee has no key yet: its key generation is still running.
		CommitteeNotReady,
		/// The committee already has its key.
		AlreadyKeyed,
		/// The message is for another epoch.
		WrongEpoch,
		/// No member has this index.
		UnknownMember,
		/// The member's signature does not verify.
		BadSignature,
		/// The member already sent this message.
		AlreadySubmitted,
		/// Not every member has published round 1 yet (or round 2, for a confirmation).
		RoundIncomplete,
		/// Round-2 packages must go to every other member, once each.
		WrongRecipients,
		/// A committee of one has no rounds: it confirms its key directly.
		SoloCommittee,
		/// The confirmed key needs one valid verifying share per member.
		MalformedKey,
		/// The threshold must be between 1 and the number of members.
		BadThreshold,
		/// More members than `MaxMembers`.
		TooManyMembers,
		/// The committee ciphertext was not made for this record under the current key.
		InvalidLock,
		/// The record has no committee part.
		NotLocked,
		/// The record is locked to an earlier committee epoch.
		OldEpoch,
		/// Only a record's patient may change its emergency summary.
		NotPatient,
		/// The record is in the emergency summary already.
		AlreadyInSummary,
		/// The record is not in the emergency summary.
		NotInSummary,
		/// The summary holds `MaxSummary` records already: remove one first.
		SummaryFull,
		/// The patient cannot afford the summary deposit.
		InsufficientBalance,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Removes read entries older than the release window with what weight the block has
		/// left: the validators no longer answer them.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(now, remaining)
		}

		fn integrity_test() {
			assert!(T::MaxMembers::get() >= 1, "MaxMembers must be positive");
			assert!(T::MaxPackageLen::get() >= 64, "MaxPackageLen too small for a package");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Member `member` publishes its round-1 message of `epoch`'s key generation: its FROST
		/// package and the X25519 key its round-2 packages are sealed to.
		///
		/// An authorized general transaction, paying no fee: accepted only with the member's
		/// signature over the message, while it would still apply (see `authorize_dkg`).
		///
		/// Errors: `NoCommittee`, `WrongEpoch`, `UnknownMember`, `BadSignature`,
		/// `AlreadyKeyed`, `SoloCommittee`, `AlreadySubmitted`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_round1(package.len() as u32))]
		#[pallet::authorize(|_source, epoch, member, package, sealing_key, signature| {
			let message = DkgMessage::Round1 {
				epoch: *epoch,
				member: *member,
				package: package.clone(),
				sealing_key: *sealing_key,
			};
			Pallet::<T>::authorize_dkg(message, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_submit_round1(package.len() as u32))]
		pub fn submit_round1(
			origin: OriginFor<T>,
			epoch: u32,
			member: MemberIndex,
			package: Round1Package<T>,
			sealing_key: [u8; 32],
			signature: MemberSignature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let message = DkgMessage::Round1 { epoch, member, package, sealing_key };
			Self::check_dkg(&message, &signature)?;
			Self::apply_dkg(message)
		}

		/// Member `member` publishes its round-2 packages of `epoch`'s key generation: one for
		/// every other member, sealed to that member's round-1 sealing key.
		///
		/// Errors: those of `submit_round1`, `RoundIncomplete`, `WrongRecipients`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_round2(packages.len() as u32))]
		#[pallet::authorize(|_source, epoch, member, packages, signature| {
			let message =
				DkgMessage::Round2 { epoch: *epoch, member: *member, packages: packages.clone() };
			Pallet::<T>::authorize_dkg(message, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_submit_round2(packages.len() as u32))]
		pub fn submit_round2(
			origin: OriginFor<T>,
			epoch: u32,
			member: MemberIndex,
			packages: SealedPackages<T>,
			signature: MemberSignature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let message = DkgMessage::Round2 { epoch, member, packages };
			Self::check_dkg(&message, &signature)?;
			Self::apply_dkg(message)
		}

		/// Member `member` confirms the committee key it derived from `epoch`'s key generation.
		/// When every member confirmed the same key, it becomes the committee's.
		///
		/// Errors: those of `submit_round1`, `RoundIncomplete`, `MalformedKey`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::confirm_key(T::MaxMembers::get()))]
		#[pallet::authorize(|_source, epoch, member, key, signature| {
			let message = DkgMessage::Confirm { epoch: *epoch, member: *member, key: key.clone() };
			Pallet::<T>::authorize_dkg(message, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_confirm_key(T::MaxMembers::get()))]
		pub fn confirm_key(
			origin: OriginFor<T>,
			epoch: u32,
			member: MemberIndex,
			key: CommitteeKey<T::MaxMembers>,
			signature: MemberSignature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let message = DkgMessage::Confirm { epoch, member, key };
			Self::check_dkg(&message, &signature)?;
			Self::apply_dkg(message)
		}

		/// Member `member` announces the JSON-RPC URL where its node serves shares.
		///
		/// Errors: `NoCommittee`, `WrongEpoch`, `UnknownMember`, `BadSignature`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::announce_endpoint(endpoint.len() as u32))]
		#[pallet::authorize(|_source, epoch, member, endpoint, signature| {
			let message =
				DkgMessage::Endpoint { epoch: *epoch, member: *member, endpoint: endpoint.clone() };
			Pallet::<T>::authorize_dkg(message, signature)
		})]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_announce_endpoint(endpoint.len() as u32)
		)]
		pub fn announce_endpoint(
			origin: OriginFor<T>,
			epoch: u32,
			member: MemberIndex,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
			signature: MemberSignature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let message = DkgMessage::Endpoint { epoch, member, endpoint };
			Self::check_dkg(&message, &signature)?;
			Self::apply_dkg(message)
		}

		/// Restarts the key generation under a new epoch with `members` and `threshold`,
		/// dropping the stalled one's messages. Only before any key exists: records locked
		/// to a key need that key's holders.
		///
		/// Errors: `AlreadyKeyed`, `BadThreshold`, `TooManyMembers`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::restart_key_generation(T::MaxMembers::get()))]
		pub fn restart_key_generation(
			origin: OriginFor<T>,
			members: Vec<crypto::Public>,
			threshold: u16,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let old = CurrentCommittee::<T>::get();
			ensure!(old.as_ref().is_none_or(|c| c.key.is_none()), Error::<T>::AlreadyKeyed);
			let members: BoundedVec<_, T::MaxMembers> =
				members.try_into().map_err(|_| Error::<T>::TooManyMembers)?;
			ensure!(
				threshold >= 1 && usize::from(threshold) <= members.len(),
				Error::<T>::BadThreshold
			);
			let epoch = old.map_or(0, |c| c.epoch.saturating_add(1));
			let _ = Round1::<T>::clear(u32::MAX, None);
			let _ = Round2::<T>::clear(u32::MAX, None);
			let _ = Confirmations::<T>::clear(u32::MAX, None);
			let _ = Endpoints::<T>::clear(u32::MAX, None);
			let size = members.len() as u16;
			CurrentCommittee::<T>::put(Committee { epoch, threshold, members, key: None });
			Self::deposit_event(Event::KeyGenerationRestarted { epoch, members: size, threshold });
			Ok(())
		}

		/// Puts `record` in the caller's emergency summary, with `sealed`: the record's `K_p`
		/// encrypted to the committee, bound to the record. A doctor under emergency access
		/// can then read it with no patient online; `t` colluding validators could too.
		///
		/// The patient pays `SummaryDeposit`, released when the record leaves the summary.
		///
		/// Errors: `NotLocked`, `NotPatient`, `OldEpoch`, `AlreadyInSummary`, `SummaryFull`,
		/// `CommitteeNotReady`, `InvalidLock`, `InsufficientBalance`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::add_to_summary())]
		pub fn add_to_summary(
			origin: OriginFor<T>,
			record: RecordId,
			sealed: CommitteeCiphertext,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotPatient);
			Self::summary_add(&patient, record, sealed)?;
			T::Audit::log(&patient, &patient, AuditAction::EmergencySummaryAdded { record });
			Self::deposit_event(Event::AddedToSummary { patient, record });
			Ok(())
		}

		/// Takes `record` out of the caller's emergency summary and releases its deposit.
		///
		/// Errors: `NotLocked`, `NotPatient`, `NotInSummary`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_from_summary())]
		pub fn remove_from_summary(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			let mut lock = Locks::<T>::get(record).ok_or(Error::<T>::NotLocked)?;
			ensure!(lock.patient == patient, Error::<T>::NotPatient);
			let (_, deposit) = lock.emergency.take().ok_or(Error::<T>::NotInSummary)?;
			T::Currency::release(
				&HoldReason::EmergencySummary.into(),
				&patient,
				deposit,
				frame_support::traits::tokens::Precision::BestEffort,
			)?;
			Locks::<T>::insert(record, lock);
			SummaryCount::<T>::mutate_exists(&patient, |c| {
				*c = c.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0)
			});
			T::Audit::log(&patient, &patient, AuditAction::EmergencySummaryRemoved { record });
			Self::deposit_event(Event::RemovedFromSummary { patient, record });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The current committee: epoch, threshold, members and key.
		pub fn committee() -> Option<Committee<T::MaxMembers>> {
			CurrentCommittee::<T>::get()
		}

		/// Each member's release endpoint, by index.
		pub fn endpoints() -> Vec<(MemberIndex, Vec<u8>)> {
			Endpoints::<T>::iter().map(|(i, url)| (i, url.into_inner())).collect()
		}

		/// A record's committee part, if it has one.
		pub fn lock(record: RecordId) -> Option<Lock<T>> {
			Locks::<T>::get(record)
		}

		/// Which of `records` are in their patient's emergency summary, in the order given:
		/// one call for a patient's whole list instead of one `lock` per record.
		pub fn in_summary(records: Vec<RecordId>) -> Vec<RecordId> {
			records
				.into_iter()
				.filter(|record| {
					<Self as CommitteeLocks<T::AccountId>>::in_emergency_summary(*record)
				})
				.collect()
		}

		/// What a validator may release for `reader`'s read of `record` recorded at block
		/// `at`, judged at the current block.
		pub fn release_for(
			record: RecordId,
			reader: T::AccountId,
			at: BlockNumberFor<T>,
		) -> Result<Release, Refusal> {
			Self::release(record, &reader, at)
		}
	}
}
