//! # Share links pallet
//!
//! A patient shares chosen records with someone who has no MedChain account through a SMART
//! Health Link (HL7 SMART Health Cards and Links, STU1). The link itself (the manifest URL on a
//! host and the key of the encrypted files) never touches the chain: this pallet holds what
//! the chain must decide and remember about it.
//!
//! ## Flow
//! - The patient [creates](Pallet::create) a link: its id (the SHA-256 of the random id in the
//!   manifest URL, so the chain never shows where it is served), the host account that serves
//!   it, an expiry block, a number of uses, whether a passcode guards it, and what it shares
//!   (label and records) sealed to the patient. A deposit is held while the link lives.
//! - The host answers a manifest request only for a live link. It [records each
//!   opening](Pallet::record_opening) before serving files, consuming one use, and [each wrong
//!   passcode](Pallet::record_failure). Both carry the name the recipient gave, sealed to the
//!   patient.
//! - A link ends when the patient [revokes](Pallet::revoke) it, its last use is consumed, wrong
//!   passcodes use up its attempts (it locks), or it expires. An ended link is removed and its
//!   deposit released, so the host answers 404 from the next block on. Expiry is checked at
//!   every use; expired links are swept from `on_idle`.
//!
//! ## What the chain sees
//! Account ids, link ids (hashes), block numbers, counters and sealed bytes. Never the manifest
//! URL, the key, the passcode, a recipient's name in the clear or any health information.
//!
//! ## Audit trail
//! Every creation, opening, wrong passcode, lock, revocation, expiry and last use is appended
//! to the patient's audit trail ([`AuditLog`]), openings and failures with the sealed name.
//! The attempts and uses of a link bound how many entries its host can write.
//!
//! ## Invariants (checked by `try_state`)
//! - Every link is indexed under its patient and its expiry block, and nothing else is.
//! - The per-patient counters equal the indexed links.
//! - A live link has uses left, and attempts left when a passcode guards it.
//! - The deposits held are exactly those of live links.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod invariants;
mod links;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use types::*;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{self, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{AuditAction, AuditLog, LinkId, Role, RoleRegistry, SealedName};
	use sp_runtime::traits::{Saturating, Zero};

	/// Version 1: the first.
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Roles of accounts: only patients create links.
		type Registry: RoleRegistry<Self::AccountId>;
		/// Where openings, failures and ends are logged for the patient.
		type Audit: AuditLog<Self::AccountId>;
		/// The currency deposits are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Held from the patient while a link lives. It also pays for the audit entries the
		/// link's host may write, at most `MaxUses + MaxAttempts`.
		#[pallet::constant]
		type LinkDeposit: Get<BalanceOf<Self>>;
		/// The longest sealed description (label and records) of a link, in bytes.
		#[pallet::constant]
		type MaxSealedLen: Get<u32>;
		/// The most uses a link may have.
		#[pallet::constant]
		type MaxUses: Get<u32>;
		/// How many wrong passcodes lock a link guarded by one.
		#[pallet::constant]
		type MaxAttempts: Get<u32>;
		/// The most live links a patient may have.
		#[pallet::constant]
		type MaxLinksPerPatient: Get<u32>;
		/// The longest a link may live, in blocks.
		#[pallet::constant]
		type MaxLinkDuration: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls and hooks, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a live link.
		#[codec(index = 0)]
		Link,
	}

	/// Every live link, by id; removed when it ends.
	#[pallet::storage]
	pub type Links<T: Config> = StorageMap<_, Identity, LinkId, Link<T>>;

	/// Live links by patient.
	#[pallet::storage]
	pub type PatientLinks<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, LinkId, ()>;

	/// How many live links each patient has.
	#[pallet::storage]
	pub type LinkCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Live links by expiry block, for the sweep. Unbounded per block on purpose: every entry
	/// is a live link paid by a deposit, and a link that ends early leaves at once.
	#[pallet::storage]
	pub type Expiries<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Identity, LinkId, ()>;

	/// The first block whose expired links the sweep may not have removed yet.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient created a link served by `host`.
		LinkCreated {
			link: LinkId,
			patient: T::AccountId,
			host: T::AccountId,
			expires_at: BlockNumberFor<T>,
			uses: u32,
			passcode: bool,
		},
		/// The host served the link; `uses_left` remain.
		LinkOpened { link: LinkId, patient: T::AccountId, uses_left: u32 },
		/// A wrong passcode was tried; `attempts_left` remain.
		PasscodeFailed { link: LinkId, patient: T::AccountId, attempts_left: u32 },
		/// A link ended and its deposit was released.
		LinkEnded { link: LinkId, patient: T::AccountId, reason: EndReason },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Only registered patients create links.
		NotAPatient,
		/// A live link has this id already: links need a fresh random id.
		LinkExists,
		/// No live link has this id (it never existed or has ended).
		UnknownLink,
		/// Only the link's patient may do this.
		NotPatient,
		/// Only the link's host may record its use.
		NotHost,
		/// The expiry block has passed.
		ExpiryInPast,
		/// Longer than `MaxLinkDuration`.
		DurationTooLong,
		/// A link needs at least one use.
		ZeroUses,
		/// More than `MaxUses` uses.
		TooManyUses,
		/// The patient has `MaxLinksPerPatient` live links already: revoke one first.
		TooManyLinks,
		/// The link has expired; the sweep will remove it.
		LinkExpired,
		/// No passcode guards this link, so no passcode can be wrong.
		NoPasscode,
		/// The patient cannot afford the deposit.
		InsufficientBalance,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Ends expired links with what weight the block has left. Hosts stopped serving them
		/// already: every use compares the block number.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(now, remaining)
		}

		fn integrity_test() {
			assert!(T::MaxUses::get() > 0, "MaxUses must allow a use");
			assert!(T::MaxAttempts::get() > 0, "MaxAttempts must allow an attempt");
			assert!(T::MaxLinksPerPatient::get() > 0, "MaxLinksPerPatient must be positive");
			assert!(!T::MaxLinkDuration::get().is_zero(), "MaxLinkDuration must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates link `link`, served by `host` until block `expires_at`, for `uses` openings,
		/// guarded by a passcode (which only the host checks) if `passcode`.
		///
		/// The caller must be a registered patient. `sealed` is what the link shares (label and
		/// records), sealed to the patient by their client, so they can list their links.
		/// Holds `LinkDeposit` until the link ends.
		///
		/// Errors: `NotAPatient`, `LinkExists`, `ExpiryInPast`, `DurationTooLong`, `ZeroUses`,
		/// `TooManyUses`, `TooManyLinks`, `InsufficientBalance`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create(sealed.len() as u32))]
		pub fn create(
			origin: OriginFor<T>,
			link: LinkId,
			host: T::AccountId,
			expires_at: BlockNumberFor<T>,
			uses: u32,
			passcode: bool,
			sealed: BoundedVec<u8, T::MaxSealedLen>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			ensure!(T::Registry::role(&patient) == Some(Role::Patient), Error::<T>::NotAPatient);
			ensure!(!Links::<T>::contains_key(link), Error::<T>::LinkExists);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(expires_at > now, Error::<T>::ExpiryInPast);
			ensure!(
				expires_at.saturating_sub(now) <= T::MaxLinkDuration::get(),
				Error::<T>::DurationTooLong
			);
			ensure!(uses > 0, Error::<T>::ZeroUses);
			ensure!(uses <= T::MaxUses::get(), Error::<T>::TooManyUses);
			let count = LinkCount::<T>::get(&patient);
			ensure!(count < T::MaxLinksPerPatient::get(), Error::<T>::TooManyLinks);

			let deposit = T::LinkDeposit::get();
			Self::hold(&patient, deposit)?;
			let attempts_left = if passcode { T::MaxAttempts::get() } else { 0 };
			Links::<T>::insert(
				link,
				Link {
					patient: patient.clone(),
					host: host.clone(),
					created_at: now,
					expires_at,
					uses_left: uses,
					passcode,
					attempts_left,
					opened: 0,
					failed: 0,
					deposit,
					sealed,
				},
			);
			PatientLinks::<T>::insert(&patient, link, ());
			LinkCount::<T>::insert(&patient, count.saturating_add(1));
			Expiries::<T>::insert(expires_at, link, ());
			T::Audit::log(&patient, &patient, AuditAction::LinkCreated { link });
			Self::deposit_event(Event::LinkCreated {
				link,
				patient,
				host,
				expires_at,
				uses,
				passcode,
			});
			Ok(())
		}

		/// Revokes the caller's link `link`: the host answers 404 from the next block on, and
		/// the deposit is released.
		///
		/// Errors: `UnknownLink`, `NotPatient`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(origin: OriginFor<T>, link: LinkId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let stored = Links::<T>::get(link).ok_or(Error::<T>::UnknownLink)?;
			ensure!(stored.patient == who, Error::<T>::NotPatient);
			Self::end_link(link, stored, EndReason::Revoked);
			Ok(())
		}

		/// Records that the caller, the link's host, serves `link` to a recipient who gave the
		/// name `recipient` (sealed to the patient). Consumes one use; the last one ends the
		/// link. The host calls this, and waits for it, before serving any file.
		///
		/// Errors: `UnknownLink`, `NotHost`, `LinkExpired`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::record_opening())]
		pub fn record_opening(
			origin: OriginFor<T>,
			link: LinkId,
			recipient: SealedName,
		) -> DispatchResult {
			let host = ensure_signed(origin)?;
			let mut stored = Self::live_for_host(link, &host)?;
			stored.uses_left.saturating_dec();
			stored.opened.saturating_inc();
			let patient = stored.patient.clone();
			T::Audit::log(&patient, &host, AuditAction::LinkOpened { link, recipient });
			Self::deposit_event(Event::LinkOpened { link, patient, uses_left: stored.uses_left });
			if stored.uses_left == 0 {
				Self::end_link(link, stored, EndReason::UsedUp);
			} else {
				Links::<T>::insert(link, stored);
			}
			Ok(())
		}

		/// Records that a recipient who gave the name `recipient` (sealed to the patient) tried
		/// a wrong passcode on `link`. The last attempt locks the link for good.
		///
		/// Errors: `UnknownLink`, `NotHost`, `LinkExpired`, `NoPasscode`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::record_failure())]
		pub fn record_failure(
			origin: OriginFor<T>,
			link: LinkId,
			recipient: SealedName,
		) -> DispatchResult {
			let host = ensure_signed(origin)?;
			let mut stored = Self::live_for_host(link, &host)?;
			ensure!(stored.passcode, Error::<T>::NoPasscode);
			stored.attempts_left.saturating_dec();
			stored.failed.saturating_inc();
			let patient = stored.patient.clone();
			T::Audit::log(&patient, &host, AuditAction::LinkPasscodeFailed { link, recipient });
			Self::deposit_event(Event::PasscodeFailed {
				link,
				patient,
				attempts_left: stored.attempts_left,
			});
			if stored.attempts_left == 0 {
				Self::end_link(link, stored, EndReason::Locked);
			} else {
				Links::<T>::insert(link, stored);
			}
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A live link by id; `None` once it has ended (what a host answers 404 for).
		pub fn link(id: LinkId) -> Option<Link<T>> {
			Links::<T>::get(id)
		}

		/// A patient's live links, oldest first.
		pub fn patient_links(patient: T::AccountId) -> Vec<(LinkId, Link<T>)> {
			let mut links: Vec<(LinkId, Link<T>)> = PatientLinks::<T>::iter_key_prefix(&patient)
				.filter_map(|id| Links::<T>::get(id).map(|link| (id, link)))
				.collect();
			links.sort_by_key(|(id, link)| (link.created_at, *id));
			links
		}
	}

	impl<T: Config> Pallet<T> {
		/// The live link `link`, if `host` serves it and it has not expired.
		fn live_for_host(link: LinkId, host: &T::AccountId) -> Result<Link<T>, Error<T>> {
			let stored = Links::<T>::get(link).ok_or(Error::<T>::UnknownLink)?;
			ensure!(&stored.host == host, Error::<T>::NotHost);
			ensure!(
				stored.is_live(frame_system::Pallet::<T>::block_number()),
				Error::<T>::LinkExpired
			);
			Ok(stored)
		}

		fn hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			let reason: T::RuntimeHoldReason = HoldReason::Link.into();
			T::Currency::hold(&reason, who, amount).map_err(|_| Error::<T>::InsufficientBalance)?;
			Ok(())
		}
	}
}
