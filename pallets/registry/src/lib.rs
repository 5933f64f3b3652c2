//! # Registry pallet
//!
//! Who is who on MedChain: every account registers exactly one [`Role`] and publishes the
//! X25519 public key that clients seal key envelopes to. Doctors, hospitals and pharmacies
//! (practitioners) must in addition be verified by a verifier before the other pallets let them
//! act.
//!
//! Nothing personal is stored in the clear: a patient's name, blood group or address live only
//! inside the encrypted profile file its `profile` CID points to, and a practitioner's
//! certificates live inside the encrypted file its `credentials` CID points to. The only public
//! plain text is a practitioner's professional details (name, specialization, licence number),
//! which patients need to choose whom to trust, and the verifiers' reasons for their decisions.
//!
//! ## Roles
//!
//! - **Patients** register with [`Pallet::register_patient`] and never need verification.
//! - **Practitioners** (doctors, hospitals, pharmacies) [`Pallet::apply`] with their encrypted
//!   credentials and public details and start [`VerificationStatus::Pending`].
//! - **Verifiers** are a set of accounts, at most [`Config::MaxVerifiers`], managed by
//!   [`Config::AdminOrigin`] through [`Pallet::add_verifier`] and [`Pallet::remove_verifier`].
//!   The origin that may decide on practitioners is [`Config::VerifierOrigin`]; the runtime uses
//!   [`EnsureVerifier`], which accepts a signed origin of a member of the set. Membership is
//!   independent of registration: a verifier need not be registered, and a registered account
//!   that deregisters stays a verifier.
//!
//! ## Calls
//!
//! - [`Pallet::register_patient`], [`Pallet::apply`]: register, holding a deposit
//!   ([`Config::PatientDeposit`] or [`Config::PractitionerDeposit`]) under
//!   [`HoldReason::Registration`].
//! - [`Pallet::update_keys`]: rotate the encryption key and the profile pointer.
//! - [`Pallet::update_credentials`]: a practitioner replaces its credentials and details; this
//!   puts it back to `Pending` (also when it was `Verified`: new credentials have to be
//!   checked again before they are trusted), except that a suspension stays until a verifier
//!   lifts it. Not allowed once `Revoked`.
//! - [`Pallet::deregister`]: leave, once the account neither gives nor holds live grants
//!   ([`Config::Commitments`]); the deposit recorded at registration is released. A
//!   practitioner's status and last decision are kept in [`PastStanding`] and given back when
//!   it applies again (a suspended practitioner comes back suspended), and a revoked one stays
//!   marked.
//! - [`Pallet::verify`], [`Pallet::reject`], [`Pallet::suspend`], [`Pallet::revoke`]: verifiers'
//!   decisions, following this table (anything else fails with `InvalidTransition`):
//!
//! | from \ call         | verify   | reject   | suspend   | revoke  | update_credentials |
//! |---------------------|----------|----------|-----------|---------|--------------------|
//! | Pending             | Verified | Rejected | -         | Revoked | Pending            |
//! | Verified            | Verified | -        | Suspended | Revoked | Pending            |
//! | Rejected            | -        | -        | -         | Revoked | Pending            |
//! | Suspended           | Verified | -        | -         | Revoked | Suspended          |
//! | Revoked             | -        | -        | -         | -       | -                  |
//!
//! A verifier may not decide on its own application (`SelfDecision`).
//!
//! `Revoked` is final: a revoked account is remembered in [`RevokedAccounts`] and can never
//! register again, even after it deregistered (which it may do to get its deposit back).
//!
//! ## What the other pallets see
//!
//! [`Pallet`] implements [`RoleRegistry`]. `is_verified_practitioner` is true only for a
//! practitioner whose status is `Verified` with no `until` or an `until` after the current
//! block. The other pallets ask it on every use, so a suspension, revocation, expiry or
//! credential update takes effect at once for every grant the practitioner holds.
//!
//! ## Invariants (checked by `do_try_state`)
//!
//! - Every account registered with a practitioner role has a [`Practitioners`] entry, and every
//!   [`Practitioners`] entry belongs to an account registered with a practitioner role.
//! - Every account's recorded deposit equals its balance held under
//!   [`HoldReason::Registration`].
//! - Every revoked practitioner is in [`RevokedAccounts`], and every account there that is still
//!   registered is a revoked practitioner.
//! - No account registered with a practitioner role has a [`PastStanding`] (applying takes it;
//!   a former practitioner registered as a patient keeps it for when it applies again).
//! - The verifier counter equals the number of verifiers and is at most
//!   [`Config::MaxVerifiers`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use origins::EnsureVerifier;
pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod interfaces;
// Always compiled: the runtime fuzzer (runtime/tests/fuzz.rs) checks them after every block.
mod invariants;
#[cfg(test)]
mod mock;
mod origins;
mod registration;
mod standing;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::WeightInfo;
	use alloc::vec::Vec;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use medchain_primitives::{CidBytes, Commitments, EncryptionKey, Role, VerificationStatus};

	// Only named in the docs of `RegisteredAt`; the pallet implements it in `interfaces.rs`.
	#[cfg(doc)]
	use medchain_primitives::RoleRegistry;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	/// A practitioner's public details, bounded by the runtime's limits.
	pub type DetailsOf<T> = PractitionerDetails<
		<T as Config>::MaxNameLen,
		<T as Config>::MaxSpecializationLen,
		<T as Config>::MaxLicenceLen,
	>;

	/// A verifier's reason for a decision.
	pub type ReasonOf<T> = BoundedVec<u8, <T as Config>::MaxReasonLen>;

	/// A practitioner's verification status.
	pub type StatusOf<T> = VerificationStatus<BlockNumberFor<T>>;

	/// What every registered account publishes.
	#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
	pub struct AccountInfo<Balance> {
		/// The one role the account registered with.
		pub role: Role,
		/// The X25519 public key clients seal key envelopes to.
		pub encryption_key: EncryptionKey,
		/// The CID of the account's encrypted profile, if it published one.
		pub profile: Option<CidBytes>,
		/// The deposit held when the account registered; exactly this is released on leaving.
		pub deposit: Balance,
	}

	/// A practitioner's public professional details. Not health information: what a patient
	/// needs to know to decide whom to trust.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		DebugNoBound,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
	)]
	#[scale_info(skip_type_params(NameLen, SpecializationLen, LicenceLen))]
	pub struct PractitionerDetails<
		NameLen: Get<u32>,
		SpecializationLen: Get<u32>,
		LicenceLen: Get<u32>,
	> {
		/// The practitioner's (or institution's) name; not empty.
		pub name: BoundedVec<u8, NameLen>,
		/// The specialization, e.g. "cardiology"; may be empty.
		pub specialization: BoundedVec<u8, SpecializationLen>,
		/// The licence number; not empty.
		pub licence: BoundedVec<u8, LicenceLen>,
	}

	/// The latest decision a verifier took on a practitioner.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		DebugNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
	)]
	#[scale_info(skip_type_params(T))]
	pub struct Decision<T: Config> {
		/// The verifier who decided.
		pub verifier: T::AccountId,
		/// The block the decision was taken in.
		pub at: BlockNumberFor<T>,
		/// The verifier's reason (empty for a verification).
		pub reason: ReasonOf<T>,
	}

	/// A practitioner's application and where it stands.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		DebugNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
	)]
	#[scale_info(skip_type_params(T))]
	pub struct PractitionerInfo<T: Config> {
		/// The public professional details.
		pub details: DetailsOf<T>,
		/// The CID of the encrypted certificates the verifiers check.
		pub credentials: CidBytes,
		/// Where the application stands.
		pub status: StatusOf<T>,
		/// The latest verifier decision, if any.
		pub last_decision: Option<Decision<T>>,
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency registration deposits are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit a patient holds while registered.
		#[pallet::constant]
		type PatientDeposit: Get<BalanceOf<Self>>;

		/// The deposit a practitioner holds while registered.
		#[pallet::constant]
		type PractitionerDeposit: Get<BalanceOf<Self>>;

		/// The origin that adds and removes verifiers.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The origin that verifies, rejects, suspends and revokes practitioners; succeeds with
		/// the deciding verifier's account.
		type VerifierOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// The most verifiers there may be.
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// The longest practitioner name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// The longest specialization, in bytes.
		#[pallet::constant]
		type MaxSpecializationLen: Get<u32>;

		/// The longest licence number, in bytes.
		#[pallet::constant]
		type MaxLicenceLen: Get<u32>;

		/// The longest reason a verifier may give, in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;

		/// What keeps an account from leaving (the grants it gave or holds).
		type Commitments: Commitments<Self::AccountId>;

		/// Weight information for the calls of this pallet.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered account.
		#[codec(index = 0)]
		Registration,
	}

	/// Every registered account: its role, published key, profile pointer and deposit.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AccountInfo<BalanceOf<T>>, OptionQuery>;

	/// Every registered practitioner: its details, credentials and verification status.
	#[pallet::storage]
	pub type Practitioners<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PractitionerInfo<T>, OptionQuery>;

	/// The block at which each account registered (or applied), removed when it leaves. An
	/// account registered at genesis, or before runtime 104, has none and counts as
	/// registered at block zero. Other pallets compare it
	/// ([`RoleRegistry::registration`]) to end what an earlier registration started.
	#[pallet::storage]
	pub type RegisteredAt<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>, OptionQuery>;

	/// Practitioners that were revoked; they can never register again.
	#[pallet::storage]
	pub type RevokedAccounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// The standing of practitioners who left: the status and last decision they had, given
	/// back when they apply again, so leaving never erases a suspension or a verifier's
	/// decision.
	#[pallet::storage]
	pub type PastStanding<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (StatusOf<T>, Option<Decision<T>>)>;

	/// The verifiers (at most `MaxVerifiers`, counted).
	#[pallet::storage]
	pub type Verifiers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// The registry at genesis: the first verifiers (the dev chain makes Alice one).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The verifiers at genesis (at most `MaxVerifiers`).
		pub verifiers: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for who in &self.verifiers {
				Verifiers::<T>::insert(who, ());
			}
			assert!(
				Verifiers::<T>::count() <= T::MaxVerifiers::get(),
				"more genesis verifiers than MaxVerifiers"
			);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient registered.
		Registered { who: T::AccountId, role: Role },
		/// A practitioner applied; it is pending verification.
		Applied { who: T::AccountId, role: Role },
		/// A practitioner replaced its credentials and details; it is pending again.
		CredentialsUpdated { who: T::AccountId },
		/// An account rotated its encryption key or profile pointer.
		KeysUpdated { who: T::AccountId },
		/// A verifier verified a practitioner, until the given block if any.
		Verified { who: T::AccountId, verifier: T::AccountId, until: Option<BlockNumberFor<T>> },
		/// A verifier rejected a pending application.
		Rejected { who: T::AccountId, verifier: T::AccountId },
		/// A verifier suspended a verified practitioner.
		Suspended { who: T::AccountId, verifier: T::AccountId },
		/// A verifier revoked a practitioner for good.
		Revoked { who: T::AccountId, verifier: T::AccountId },
		/// An account left the registry; its deposit was released.
		Deregistered { who: T::AccountId, deposit_released: BalanceOf<T> },
		/// An account became a verifier.
		VerifierAdded { who: T::AccountId },
		/// An account stopped being a verifier.
		VerifierRemoved { who: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already registered.
		AlreadyRegistered,
		/// The account is not registered.
		NotRegistered,
		/// The account is not registered as a doctor, hospital or pharmacy.
		NotAPractitioner,
		/// Patients register with `register_patient`, not `apply`.
		PatientRoleNotApplicable,
		/// A profile or credentials CID is not a CID MedChain accepts.
		InvalidCid,
		/// The practitioner's name is empty.
		EmptyName,
		/// The practitioner's licence number is empty.
		EmptyLicence,
		/// The practitioner's current status does not allow this.
		InvalidTransition,
		/// A verification must last until a future block.
		UntilInPast,
		/// The account is already a verifier.
		AlreadyVerifier,
		/// The account is not a verifier.
		NotVerifier,
		/// There are already `MaxVerifiers` verifiers.
		TooManyVerifiers,
		/// The account cannot afford the registration deposit.
		InsufficientBalance,
		/// The account was revoked and can never register again.
		AccountRevoked,
		/// A verifier may not decide on its own application.
		SelfDecision,
		/// The account still gives or holds live grants: revoke or renounce them first.
		StillCommitted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxNameLen::get() > 0, "MaxNameLen must allow a non-empty name");
			assert!(T::MaxLicenceLen::get() > 0, "MaxLicenceLen must allow a non-empty licence");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signed origin as a patient.
		///
		/// Publishes `encryption_key` and, optionally, the CID of the encrypted `profile`, and
		/// holds [`Config::PatientDeposit`].
		///
		/// Errors: `AlreadyRegistered`, `AccountRevoked`, `InvalidCid`, `InsufficientBalance`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_patient())]
		pub fn register_patient(
			origin: OriginFor<T>,
			encryption_key: EncryptionKey,
			profile: Option<CidBytes>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_can_register(&who)?;
			Self::check_profile(&profile)?;
			let deposit = T::PatientDeposit::get();
			Self::hold_deposit(&who, deposit)?;
			Accounts::<T>::insert(
				&who,
				AccountInfo { role: Role::Patient, encryption_key, profile, deposit },
			);
			RegisteredAt::<T>::insert(&who, frame_system::Pallet::<T>::block_number());
			Self::deposit_event(Event::Registered { who, role: Role::Patient });
			Ok(())
		}

		/// Apply as a doctor, hospital or pharmacy (`role`).
		///
		/// Signed by the applicant. Publishes `encryption_key`, the optional encrypted `profile`,
		/// the CID of the encrypted `credentials` and the public `details`, holds
		/// [`Config::PractitionerDeposit`] and starts `Pending`.
		///
		/// Errors: `PatientRoleNotApplicable`, `AlreadyRegistered`, `AccountRevoked`,
		/// `InvalidCid`, `EmptyName`, `EmptyLicence`, `InsufficientBalance`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::apply(
			details.name.len() as u32,
			details.specialization.len() as u32,
			details.licence.len() as u32,
		))]
		pub fn apply(
			origin: OriginFor<T>,
			role: Role,
			encryption_key: EncryptionKey,
			profile: Option<CidBytes>,
			credentials: CidBytes,
			details: DetailsOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(role.is_practitioner(), Error::<T>::PatientRoleNotApplicable);
			Self::ensure_can_register(&who)?;
			Self::check_profile(&profile)?;
			Self::check_application(&credentials, &details)?;
			let deposit = T::PractitionerDeposit::get();
			Self::hold_deposit(&who, deposit)?;
			Accounts::<T>::insert(&who, AccountInfo { role, encryption_key, profile, deposit });
			RegisteredAt::<T>::insert(&who, frame_system::Pallet::<T>::block_number());
			// A suspension survives leaving and coming back; other past decisions are shown to
			// the verifiers, who decide the new application afresh.
			let (status, last_decision) = match PastStanding::<T>::take(&who) {
				Some((VerificationStatus::Suspended, decision)) => {
					(VerificationStatus::Suspended, decision)
				}
				Some((_, decision)) => (VerificationStatus::Pending, decision),
				None => (VerificationStatus::Pending, None),
			};
			Practitioners::<T>::insert(
				&who,
				PractitionerInfo { details, credentials, status, last_decision },
			);
			Self::deposit_event(Event::Applied { who, role });
			Ok(())
		}

		/// Replace the signed practitioner's credentials and details.
		///
		/// Allowed when `Pending`, `Verified`, `Rejected` or `Suspended`; the application goes
		/// back to `Pending` in every case (a verified practitioner stops being verified until
		/// a verifier checked the new credentials).
		///
		/// Errors: `NotRegistered`, `NotAPractitioner`, `InvalidTransition` (revoked),
		/// `InvalidCid`, `EmptyName`, `EmptyLicence`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_credentials(
			details.name.len() as u32,
			details.specialization.len() as u32,
			details.licence.len() as u32,
		))]
		pub fn update_credentials(
			origin: OriginFor<T>,
			credentials: CidBytes,
			details: DetailsOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Practitioners::<T>::try_mutate(&who, |maybe_info| -> DispatchResult {
				let info = match maybe_info.as_mut() {
					Some(info) => info,
					None => return Err(Self::not_a_practitioner(&who).into()),
				};
				ensure!(
					!matches!(info.status, VerificationStatus::Revoked),
					Error::<T>::InvalidTransition
				);
				Self::check_application(&credentials, &details)?;
				info.credentials = credentials;
				info.details = details;
				// New credentials need a new check, but do not lift a suspension: only a
				// verifier does.
				if !matches!(info.status, VerificationStatus::Suspended) {
					info.status = VerificationStatus::Pending;
				}
				Ok(())
			})?;
			Self::deposit_event(Event::CredentialsUpdated { who });
			Ok(())
		}

		/// Rotate the signed account's published encryption key and profile pointer.
		///
		/// Any registered account may call it, whatever its status.
		///
		/// Errors: `NotRegistered`, `InvalidCid`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_keys())]
		pub fn update_keys(
			origin: OriginFor<T>,
			encryption_key: EncryptionKey,
			profile: Option<CidBytes>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_profile(&profile)?;
			Accounts::<T>::try_mutate(&who, |maybe_info| -> DispatchResult {
				let info = maybe_info.as_mut().ok_or(Error::<T>::NotRegistered)?;
				info.encryption_key = encryption_key;
				info.profile = profile;
				Ok(())
			})?;
			Self::deposit_event(Event::KeysUpdated { who });
			Ok(())
		}

		/// Leave the registry.
		///
		/// Signed by a registered account that neither gives nor holds live grants (see
		/// [`Config::Commitments`]). Removes its account and practitioner entries and releases
		/// the deposit recorded at registration. A practitioner's status and last decision are
		/// kept in [`PastStanding`] (a revoked one also stays in [`RevokedAccounts`]).
		/// Verifier membership is not touched. What the account takes part in without it
		/// keeping them (grants given to them unasked) ends with it
		/// ([`Commitments::on_leave`]).
		///
		/// Errors: `NotRegistered`, `StillCommitted`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::deregister()
			.saturating_add(T::Commitments::on_leave_weight()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Accounts::<T>::contains_key(&who), Error::<T>::NotRegistered);
			ensure!(!T::Commitments::is_committed(&who), Error::<T>::StillCommitted);
			T::Commitments::on_leave(&who);
			let info = Accounts::<T>::take(&who).ok_or(Error::<T>::NotRegistered)?;
			RegisteredAt::<T>::remove(&who);
			if let Some(practitioner) = Practitioners::<T>::take(&who) {
				if practitioner.last_decision.is_some()
					|| practitioner.status != VerificationStatus::Pending
				{
					PastStanding::<T>::insert(
						&who,
						(practitioner.status, practitioner.last_decision),
					);
				}
			}
			let deposit_released = Self::release_deposit(&who, info.deposit)?;
			Self::deposit_event(Event::Deregistered { who, deposit_released });
			Ok(())
		}

		/// Verify `who`, until block `until` if given (which must be in the future).
		///
		/// Origin: [`Config::VerifierOrigin`]. Allowed from `Pending`, `Suspended` and
		/// `Verified` (re-verification, e.g. to extend or drop `until`).
		///
		/// Errors: `BadOrigin`, `SelfDecision`, `UntilInPast`, `NotRegistered`,
		/// `NotAPractitioner`, `InvalidTransition`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::verify_practitioner())]
		pub fn verify(
			origin: OriginFor<T>,
			who: T::AccountId,
			until: Option<BlockNumberFor<T>>,
		) -> DispatchResult {
			let verifier = T::VerifierOrigin::ensure_origin(origin)?;
			if let Some(until) = until {
				let now = frame_system::Pallet::<T>::block_number();
				ensure!(until > now, Error::<T>::UntilInPast);
			}
			Self::decide(
				verifier.clone(),
				&who,
				Default::default(),
				|status| {
					matches!(
						status,
						VerificationStatus::Pending
							| VerificationStatus::Suspended
							| VerificationStatus::Verified { .. }
					)
				},
				VerificationStatus::Verified { until },
			)?;
			Self::deposit_event(Event::Verified { who, verifier, until });
			Ok(())
		}

		/// Reject the pending application of `who`, giving `reason`.
		///
		/// Origin: [`Config::VerifierOrigin`]. Allowed only from `Pending`; the applicant may
		/// apply again with `update_credentials`.
		///
		/// Errors: `BadOrigin`, `SelfDecision`, `NotRegistered`, `NotAPractitioner`,
		/// `InvalidTransition`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::reject(reason.len() as u32))]
		pub fn reject(
			origin: OriginFor<T>,
			who: T::AccountId,
			reason: ReasonOf<T>,
		) -> DispatchResult {
			let verifier = T::VerifierOrigin::ensure_origin(origin)?;
			Self::decide(
				verifier.clone(),
				&who,
				reason,
				|status| matches!(status, VerificationStatus::Pending),
				VerificationStatus::Rejected,
			)?;
			Self::deposit_event(Event::Rejected { who, verifier });
			Ok(())
		}

		/// Suspend the verified practitioner `who`, giving `reason`.
		///
		/// Origin: [`Config::VerifierOrigin`]. Allowed only from `Verified` (expired or not).
		/// Every grant `who` holds stops working at once; a verifier may verify it again.
		///
		/// Errors: `BadOrigin`, `SelfDecision`, `NotRegistered`, `NotAPractitioner`,
		/// `InvalidTransition`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::suspend(reason.len() as u32))]
		pub fn suspend(
			origin: OriginFor<T>,
			who: T::AccountId,
			reason: ReasonOf<T>,
		) -> DispatchResult {
			let verifier = T::VerifierOrigin::ensure_origin(origin)?;
			Self::decide(
				verifier.clone(),
				&who,
				reason,
				|status| matches!(status, VerificationStatus::Verified { .. }),
				VerificationStatus::Suspended,
			)?;
			Self::deposit_event(Event::Suspended { who, verifier });
			Ok(())
		}

		/// Revoke the practitioner `who` for good, giving `reason`.
		///
		/// Origin: [`Config::VerifierOrigin`]. Allowed from every status but `Revoked`. The
		/// account is remembered in [`RevokedAccounts`] and can never register again.
		///
		/// Errors: `BadOrigin`, `SelfDecision`, `NotRegistered`, `NotAPractitioner`,
		/// `InvalidTransition`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::revoke(reason.len() as u32))]
		pub fn revoke(
			origin: OriginFor<T>,
			who: T::AccountId,
			reason: ReasonOf<T>,
		) -> DispatchResult {
			let verifier = T::VerifierOrigin::ensure_origin(origin)?;
			Self::decide(
				verifier.clone(),
				&who,
				reason,
				|status| !matches!(status, VerificationStatus::Revoked),
				VerificationStatus::Revoked,
			)?;
			RevokedAccounts::<T>::insert(&who, ());
			Self::deposit_event(Event::Revoked { who, verifier });
			Ok(())
		}

		/// Make `who` a verifier.
		///
		/// Origin: [`Config::AdminOrigin`].
		///
		/// Errors: `BadOrigin`, `AlreadyVerifier`, `TooManyVerifiers`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::add_verifier())]
		pub fn add_verifier(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(!Verifiers::<T>::contains_key(&who), Error::<T>::AlreadyVerifier);
			ensure!(Verifiers::<T>::count() < T::MaxVerifiers::get(), Error::<T>::TooManyVerifiers);
			Verifiers::<T>::insert(&who, ());
			Self::deposit_event(Event::VerifierAdded { who });
			Ok(())
		}

		/// Stop `who` being a verifier. Its past decisions stand.
		///
		/// Origin: [`Config::AdminOrigin`].
		///
		/// Errors: `BadOrigin`, `NotVerifier`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::remove_verifier())]
		pub fn remove_verifier(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(Verifiers::<T>::contains_key(&who), Error::<T>::NotVerifier);
			Verifiers::<T>::remove(&who);
			Self::deposit_event(Event::VerifierRemoved { who });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The role, published key, profile pointer and deposit of `who`, if registered.
		pub fn account(who: T::AccountId) -> Option<AccountInfo<BalanceOf<T>>> {
			Accounts::<T>::get(who)
		}

		/// The details, credentials and status of the practitioner `who`, if any.
		pub fn practitioner(who: T::AccountId) -> Option<PractitionerInfo<T>> {
			Practitioners::<T>::get(who)
		}

		/// Whether `who` is a practitioner verified right now.
		pub fn is_verified(who: T::AccountId) -> bool {
			Self::verified_now(&who)
		}

		/// Every verifier.
		pub fn verifiers() -> Vec<T::AccountId> {
			Verifiers::<T>::iter_keys().collect()
		}

		/// Every practitioner waiting for a decision.
		pub fn pending_applications() -> Vec<T::AccountId> {
			Practitioners::<T>::iter()
				.filter(|(_, info)| matches!(info.status, VerificationStatus::Pending))
				.map(|(who, _)| who)
				.collect()
		}
	}
}
