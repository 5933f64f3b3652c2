//! Benchmarks of the key release pallet, each call in its worst case.

use super::*;
use alloc::{vec, vec::Vec};
use codec::{Decode, Encode};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{
		fungible::{Inspect, Mutate},
		Authorize, EnsureOrigin, Get, UnfilteredDispatchable,
	},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use medchain_primitives::{
	CommitteeCiphertext, CommitteeLocks, RecordId, Role, RoleRegistry, MAX_CID_LEN,
};
use medchain_threshold::{encrypt, label, record_digest, Point, Purpose};
use sp_application_crypto::RuntimeAppPublic;
use sp_runtime::traits::{Saturating, Zero};

/// The scalar `s` of the benchmarks' committee secret.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const KEY_SCALAR: u64 = 3;

/// `s·G` for `s` = [`KEY_SCALAR`]: the compressed Ristretto255 encoding of three times the
/// base point (RFC 9496, appendix A.1).
const KEY_POINT: Point = [
	148, 116, 31, 93, 93, 82, 117, 94, 206, 79, 35, 240, 68, 238, 39, 213, 209, 234, 30, 43, 209,
	150, 180, 98, 22, 107, 22, 21, 42, 157, 2, 89,
];

/// The record the benchmarks lock, read and put in the summary.
const RECORD: RecordId = 0;

/// A deterministic generator for the benchmarks' ciphertexts (SplitMix64). The runtime has
/// no randomness, and nothing these ciphertexts lock is secret; never use it elsewhere.
struct BenchRng(u64);

impl rand_core::RngCore for BenchRng {
	fn next_u32(&mut self) -> u32 {
		self.next_u64() as u32
	}

	fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	fn fill_bytes(&mut self, dest: &mut [u8]) {
		rand_core::impls::fill_bytes_via_next(self, dest)
	}

	fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
		self.fill_bytes(dest);
		Ok(())
	}
}

impl rand_core::CryptoRng for BenchRng {}

/// Puts a keyed committee of one in storage, epoch 0, whose key is `s·G` for the fixed
/// scalar [`KEY_SCALAR`], with no key-generation messages left; returns the key. Its member
/// key is fixed bytes: nothing signs for it.
pub(crate) fn keyed_committee<T: Config>() -> Point {
	let member = crypto::Public::decode(&mut &[1u8; 32][..])
		.expect("any 32 bytes decode as an ed25519 public key");
	clear_rounds::<T>();
	CurrentCommittee::<T>::put(Committee {
		epoch: 0,
		threshold: 1,
		members: BoundedVec::truncate_from(vec![member]),
		key: Some(CommitteeKey {
			public: KEY_POINT,
			verifying: BoundedVec::truncate_from(vec![KEY_POINT]),
		}),
	});
	KEY_POINT
}

fn clear_rounds<T: Config>() {
	let _ = Round1::<T>::clear(u32::MAX, None);
	let _ = Round2::<T>::clear(u32::MAX, None);
	let _ = Confirmations::<T>::clear(u32::MAX, None);
	let _ = Endpoints::<T>::clear(u32::MAX, None);
}

/// An unkeyed committee of `n` members (threshold `n`), epoch 0, with no messages yet, whose
/// keys are in the keystore; returns them in index order.
fn committee_of<T: Config>(n: u16) -> Vec<crypto::Public> {
	let members: Vec<crypto::Public> =
		(0..n).map(|_| crypto::Public::generate_pair(None)).collect();
	clear_rounds::<T>();
	CurrentCommittee::<T>::put(Committee {
		epoch: 0,
		threshold: n,
		members: BoundedVec::truncate_from(members.clone()),
		key: None,
	});
	members
}

/// `message` signed with `key` over this chain's genesis hash.
fn sign<T: Config>(key: &crypto::Public, message: &DkgMessage<T>) -> MemberSignature {
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	key.sign(&message.signing_payload(genesis.as_ref()))
		.expect("the benchmark keystore holds the member's key")
}

/// The longest round-1 package.
fn round1_entry<T: Config>(i: MemberIndex) -> Round1Entry<T> {
	Round1Entry {
		package: BoundedVec::truncate_from(vec![i as u8; T::MaxPackageLen::get() as usize]),
		sealing_key: [i as u8; 32],
	}
}

/// The longest sealed round-2 package.
fn sealed_package<T: Config>(to: MemberIndex) -> BoundedVec<u8, T::MaxSealedPackageLen> {
	BoundedVec::truncate_from(vec![to as u8; T::MaxSealedPackageLen::get() as usize])
}

/// The longest CID accepted, distinct per record.
fn cid(record: RecordId) -> Vec<u8> {
	let mut cid = vec![0x55u8; MAX_CID_LEN as usize];
	cid[..8].copy_from_slice(&record.to_le_bytes());
	cid
}

/// A ciphertext to `public` for `purpose` of `record` of `patient` by `author`, epoch 0.
fn ciphertext<T: Config>(
	purpose: Purpose,
	record: RecordId,
	patient: &T::AccountId,
	author: &T::AccountId,
	public: &Point,
) -> CommitteeCiphertext {
	let digest = record_digest(&patient.encode(), &author.encode(), &cid(record));
	let mut rng = BenchRng(record.wrapping_mul(2).wrapping_add(purpose as u64));
	encrypt(public, &label(purpose, 0, &digest), &[7u8; 32], &mut rng)
		.expect("the committee key is a point")
}

/// Locks `record` of `patient` by `author` to the committee key `public`.
fn locked<T: Config>(
	record: RecordId,
	patient: &T::AccountId,
	author: &T::AccountId,
	public: &Point,
) {
	let ct = ciphertext::<T>(Purpose::Record, record, patient, author, public);
	<Pallet<T> as CommitteeLocks<T::AccountId>>::lock(record, patient, author, &cid(record), &ct)
		.expect("the lock is made for this record");
}

/// A keyed committee, a registered patient able to pay many deposits, an author, and the
/// patient's summary one short of full (records `1..MaxSummary`); RECORD is locked but not
/// in the summary. Returns the patient, the author and the committee key.
fn summary_setup<T: Config>() -> (T::AccountId, T::AccountId, Point) {
	let public = keyed_committee::<T>();
	let patient: T::AccountId = account("patient", 0, 0);
	let author: T::AccountId = account("author", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	let amount = <T::Currency as Inspect<_>>::minimum_balance()
		.saturating_add(T::SummaryDeposit::get().saturating_mul(1_000u32.into()));
	T::Currency::set_balance(&patient, amount);
	for record in 1..T::MaxSummary::get() {
		let record = RecordId::from(record);
		locked::<T>(record, &patient, &author, &public);
		let sealed = ciphertext::<T>(Purpose::Emergency, record, &patient, &author, &public);
		Pallet::<T>::add_to_summary(RawOrigin::Signed(patient.clone()).into(), record, sealed)
			.expect("the summary has room");
	}
	locked::<T>(RECORD, &patient, &author, &public);
	(patient, author, public)
}

/// Member 1's round-1 message with a package of `p` bytes, signed, in the largest committee.
fn round1_call<T: Config>(p: u32) -> Call<T> {
	let members = committee_of::<T>(T::MaxMembers::get() as u16);
	let member: MemberIndex = 1;
	let package: Round1Package<T> = BoundedVec::truncate_from(vec![7u8; p as usize]);
	let sealing_key = [5u8; 32];
	let message =
		DkgMessage::<T>::Round1 { epoch: 0, member, package: package.clone(), sealing_key };
	let signature = sign::<T>(&members[0], &message);
	Call::submit_round1 { epoch: 0, member, package, sealing_key, signature }
}

/// Member 1's round-2 packages (each of the longest) to `n` other members, signed: a
/// committee of `n + 1` whose round 1 is complete.
fn round2_call<T: Config>(n: u32) -> Call<T> {
	let size = n as u16 + 1;
	let members = committee_of::<T>(size);
	for i in 1..=size {
		Round1::<T>::insert(i, round1_entry::<T>(i));
	}
	let member: MemberIndex = 1;
	let packages: BoundedVec<_, T::MaxMembers> = BoundedVec::truncate_from(
		(2..=size).map(|to| (to, sealed_package::<T>(to))).collect::<Vec<_>>(),
	);
	let message = DkgMessage::<T>::Round2 { epoch: 0, member, packages: packages.clone() };
	let signature = sign::<T>(&members[0], &message);
	Call::submit_round2 { epoch: 0, member, packages, signature }
}

/// Member 1's confirmation, signed, the last in a committee of `n` whose rounds are complete
/// and whose other members confirmed the same key.
fn confirm_call<T: Config>(n: u32) -> Call<T> {
	let size = n as u16;
	let members = committee_of::<T>(size);
	let key = CommitteeKey::<T::MaxMembers> {
		public: KEY_POINT,
		verifying: BoundedVec::truncate_from(vec![KEY_POINT; n as usize]),
	};
	let hash = crate::committee::key_hash::<T>(&key);
	for from in 1..=size {
		if size > 1 {
			Round1::<T>::insert(from, round1_entry::<T>(from));
		}
		for to in (1..=size).filter(|to| *to != from) {
			Round2::<T>::insert(from, to, sealed_package::<T>(to));
		}
		if from != 1 {
			Confirmations::<T>::insert(from, hash);
		}
	}
	let member: MemberIndex = 1;
	let message = DkgMessage::<T>::Confirm { epoch: 0, member, key: key.clone() };
	let signature = sign::<T>(&members[0], &message);
	Call::confirm_key { epoch: 0, member, key, signature }
}

/// Member 1's endpoint of `e` bytes, signed, in the largest committee.
fn endpoint_call<T: Config>(e: u32) -> Call<T> {
	let members = committee_of::<T>(T::MaxMembers::get() as u16);
	let member: MemberIndex = 1;
	let endpoint: BoundedVec<u8, T::MaxEndpointLen> =
		BoundedVec::truncate_from(vec![b'a'; e as usize]);
	let message = DkgMessage::<T>::Endpoint { epoch: 0, member, endpoint: endpoint.clone() };
	let signature = sign::<T>(&members[0], &message);
	Call::announce_endpoint { epoch: 0, member, endpoint, signature }
}

/// Runs `call`'s authorization as the pool and the block do; it must accept.
fn authorized<T: Config>(call: &Call<T>) -> Result<(), BenchmarkError> {
	call.authorize(TransactionSource::External)
		.ok_or("the call is authorized")?
		.map_err(|_| "the message is accepted")?;
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A round-1 package of `p` bytes, in the largest committee.
	#[benchmark]
	fn submit_round1(p: Linear<64, { T::MaxPackageLen::get() }>) -> Result<(), BenchmarkError> {
		let call = round1_call::<T>(p);

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into()).map_err(|e| e.error)?;
		}

		assert!(Round1::<T>::contains_key(1));
		Ok(())
	}

	/// Round-2 packages (each of the longest) to `n` other members: a committee of `n + 1`
	/// whose round 1 is complete.
	#[benchmark]
	fn submit_round2(n: Linear<1, { T::MaxMembers::get() - 1 }>) -> Result<(), BenchmarkError> {
		let call = round2_call::<T>(n);

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into()).map_err(|e| e.error)?;
		}

		assert_eq!(Round2::<T>::iter_prefix(1).count(), n as usize);
		Ok(())
	}

	/// The last confirmation in a committee of `n` whose rounds are complete: every other
	/// member confirmed the same key, so this one writes it.
	#[benchmark]
	fn confirm_key(n: Linear<1, { T::MaxMembers::get() }>) -> Result<(), BenchmarkError> {
		let call = confirm_call::<T>(n);

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into()).map_err(|e| e.error)?;
		}

		assert!(CurrentCommittee::<T>::get().is_some_and(|c| c.key.is_some()));
		Ok(())
	}

	/// An endpoint of `e` bytes, in the largest committee.
	#[benchmark]
	fn announce_endpoint(e: Linear<1, { T::MaxEndpointLen::get() }>) -> Result<(), BenchmarkError> {
		let call = endpoint_call::<T>(e);

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into()).map_err(|e| e.error)?;
		}

		assert!(Endpoints::<T>::contains_key(1));
		Ok(())
	}

	/// The pool's and the block's check of [`submit_round1`](Self::submit_round1)'s message.
	#[benchmark]
	fn authorize_submit_round1(
		p: Linear<64, { T::MaxPackageLen::get() }>,
	) -> Result<(), BenchmarkError> {
		let call = round1_call::<T>(p);

		#[block]
		{
			authorized(&call)?;
		}

		Ok(())
	}

	/// The pool's and the block's check of [`submit_round2`](Self::submit_round2)'s message.
	#[benchmark]
	fn authorize_submit_round2(
		n: Linear<1, { T::MaxMembers::get() - 1 }>,
	) -> Result<(), BenchmarkError> {
		let call = round2_call::<T>(n);

		#[block]
		{
			authorized(&call)?;
		}

		Ok(())
	}

	/// The pool's and the block's check of [`confirm_key`](Self::confirm_key)'s message.
	#[benchmark]
	fn authorize_confirm_key(n: Linear<1, { T::MaxMembers::get() }>) -> Result<(), BenchmarkError> {
		let call = confirm_call::<T>(n);

		#[block]
		{
			authorized(&call)?;
		}

		Ok(())
	}

	/// The pool's and the block's check of [`announce_endpoint`](Self::announce_endpoint)'s
	/// message.
	#[benchmark]
	fn authorize_announce_endpoint(
		e: Linear<1, { T::MaxEndpointLen::get() }>,
	) -> Result<(), BenchmarkError> {
		let call = endpoint_call::<T>(e);

		#[block]
		{
			authorized(&call)?;
		}

		Ok(())
	}

	/// A restart with `n` members of a stalled key generation of the largest committee with
	/// every round, confirmation and endpoint to clear.
	#[benchmark]
	fn restart_key_generation(
		n: Linear<1, { T::MaxMembers::get() }>,
	) -> Result<(), BenchmarkError> {
		let max = T::MaxMembers::get() as u16;
		committee_of::<T>(max);
		let endpoint: BoundedVec<u8, T::MaxEndpointLen> =
			BoundedVec::truncate_from(vec![b'a'; T::MaxEndpointLen::get() as usize]);
		for from in 1..=max {
			Round1::<T>::insert(from, round1_entry::<T>(from));
			for to in (1..=max).filter(|to| *to != from) {
				Round2::<T>::insert(from, to, sealed_package::<T>(to));
			}
			Confirmations::<T>::insert(from, [from as u8; 32]);
			Endpoints::<T>::insert(from, endpoint.clone());
		}
		let members: Vec<crypto::Public> =
			(0..n).map(|_| crypto::Public::generate_pair(None)).collect();
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, members, n as u16);

		let restarted = CurrentCommittee::<T>::get().map(|c| (c.epoch, c.size()));
		assert_eq!(restarted, Some((1, n as u16)));
		assert!(Round1::<T>::iter_keys().next().is_none());
		assert!(Round2::<T>::iter_keys().next().is_none());
		assert!(Endpoints::<T>::iter_keys().next().is_none());
		Ok(())
	}

	/// The last record that fits in the summary.
	#[benchmark]
	fn add_to_summary() {
		let (patient, author, public) = summary_setup::<T>();
		let sealed = ciphertext::<T>(Purpose::Emergency, RECORD, &patient, &author, &public);

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), RECORD, sealed);

		assert!(Locks::<T>::get(RECORD).is_some_and(|l| l.emergency.is_some()));
		assert_eq!(SummaryCount::<T>::get(&patient), T::MaxSummary::get());
	}

	/// A record leaving a full summary.
	#[benchmark]
	fn remove_from_summary() {
		let (patient, author, public) = summary_setup::<T>();
		let sealed = ciphertext::<T>(Purpose::Emergency, RECORD, &patient, &author, &public);
		Pallet::<T>::add_to_summary(RawOrigin::Signed(patient.clone()).into(), RECORD, sealed)
			.expect("the summary has room");

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), RECORD);

		assert!(Locks::<T>::get(RECORD).is_some_and(|l| l.emergency.is_none()));
		assert_eq!(SummaryCount::<T>::get(&patient), T::MaxSummary::get() - 1);
	}

	/// Checking and keeping a record's committee part, with the longest CID.
	#[benchmark]
	fn lock() {
		let public = keyed_committee::<T>();
		let patient: T::AccountId = account("patient", 0, 0);
		let author: T::AccountId = account("author", 0, 0);
		let record_cid = cid(RECORD);
		let ct = ciphertext::<T>(Purpose::Record, RECORD, &patient, &author, &public);
		let result;

		#[block]
		{
			result = <Pallet<T> as CommitteeLocks<T::AccountId>>::lock(
				RECORD,
				&patient,
				&author,
				&record_cid,
				&ct,
			);
		}

		assert!(result.is_ok());
		assert!(Locks::<T>::contains_key(RECORD));
	}

	/// Noting a grantee's read of a locked record.
	#[benchmark]
	fn note_read() {
		let public = keyed_committee::<T>();
		let patient: T::AccountId = account("patient", 0, 0);
		let author: T::AccountId = account("author", 0, 0);
		let reader: T::AccountId = account("reader", 0, 0);
		locked::<T>(RECORD, &patient, &author, &public);

		#[block]
		{
			<Pallet<T> as CommitteeLocks<T::AccountId>>::note_read(
				RECORD,
				&patient,
				&reader,
				Some(0),
				true,
				true,
				[9u8; 32],
			);
		}

		let now = frame_system::Pallet::<T>::block_number();
		assert!(Reads::<T>::contains_key(now, (RECORD, reader)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
