//! Unit tests of the key release pallet: the key generation driven through its calls, locks,
//! read entries and the release decision, the emergency summary, and the invariants.

use crate::{mock::*, *};
use codec::Encode;
use core::cell::RefCell;
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource},
	traits::{fungible::InspectHold, Get, Hooks, UnfilteredDispatchable},
	weights::Weight,
	BoundedVec,
};
use medchain_primitives::{
	AuditAction, CommitteeCiphertext, CommitteeLocks, GrantId, RecordId, ReleaseKey,
};
use medchain_threshold::{
	combine, decryption_share, dkg, encrypt, label, record_digest, seal, verify, verify_share,
	KeyShare, Point, Purpose,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use sp_application_crypto::RuntimeAppPublic;
use sp_runtime::{DispatchError, DispatchResult};
use std::collections::BTreeMap;

const RECORD: RecordId = 7;
const OTHER_RECORD: RecordId = 8;
const THIRD_RECORD: RecordId = 9;
const CID: &[u8] = b"bafkrei-record-seven";
const OTHER_CID: &[u8] = b"bafkrei-record-eight";
const THIRD_CID: &[u8] = b"bafkrei-record-nine";
/// The record's committee part.
const K_C: [u8; 32] = [42; 32];
/// The record's envelope part, sealed to the committee for the emergency summary.
const K_P: [u8; 32] = [43; 32];
/// A reader's one-time key.
const READ_KEY: ReleaseKey = [9; 32];
const GRANT: GrantId = 1;
const OTHER_GRANT: GrantId = 2;
const EMERGENCY_GRANT: GrantId = 3;

thread_local! {
	static RNG: RefCell<ChaCha20Rng> = RefCell::new(ChaCha20Rng::seed_from_u64(1));
}

/// Runs `f` with this test's deterministic generator.
fn with_rng<R>(f: impl FnOnce(&mut ChaCha20Rng) -> R) -> R {
	RNG.with(|rng| f(&mut rng.borrow_mut()))
}

fn check() {
	KeyRelease::do_try_state().expect("invariants hold");
}

fn committee() -> Committee<MaxMembers> {
	CurrentCommittee::<Test>::get().expect("there is a committee")
}

fn epoch() -> u32 {
	committee().epoch
}

/// The key of member `member` of the current committee.
fn key_of(member: MemberIndex) -> crypto::Public {
	committee().member(member).cloned().expect("a member")
}

fn round1_msg(member: MemberIndex, package: Vec<u8>, sealing_key: [u8; 32]) -> DkgMessage<Test> {
	DkgMessage::Round1 {
		epoch: epoch(),
		member,
		package: BoundedVec::truncate_from(package),
		sealing_key,
	}
}

fn round2_msg(member: MemberIndex, packages: Vec<(MemberIndex, Vec<u8>)>) -> DkgMessage<Test> {
	DkgMessage::Round2 {
		epoch: epoch(),
		member,
		packages: BoundedVec::truncate_from(
			packages.into_iter().map(|(to, p)| (to, BoundedVec::truncate_from(p))).collect(),
		),
	}
}

fn confirm_msg(member: MemberIndex, public: Point, verifying: Vec<Point>) -> DkgMessage<Test> {
	DkgMessage::Confirm {
		epoch: epoch(),
		member,
		key: CommitteeKey { public, verifying: BoundedVec::truncate_from(verifying) },
	}
}

fn endpoint_msg(member: MemberIndex, url: &[u8]) -> DkgMessage<Test> {
	DkgMessage::Endpoint {
		epoch: epoch(),
		member,
		endpoint: BoundedVec::truncate_from(url.to_vec()),
	}
}

/// The call carrying `message` and `signature`.
fn call_of(message: DkgMessage<Test>, signature: crypto::Signature) -> Call<Test> {
	match message {
		DkgMessage::Round1 { epoch, member, package, sealing_key } => {
			Call::submit_round1 { epoch, member, package, sealing_key, signature }
		}
		DkgMessage::Round2 { epoch, member, packages } => {
			Call::submit_round2 { epoch, member, packages, signature }
		}
		DkgMessage::Confirm { epoch, member, key } => {
			Call::confirm_key { epoch, member, key, signature }
		}
		DkgMessage::Endpoint { epoch, member, endpoint } => {
			Call::announce_endpoint { epoch, member, endpoint, signature }
		}
	}
}

/// Dispatches `message` with `signature` with the origin its authorization gives.
fn dispatch(message: DkgMessage<Test>, signature: crypto::Signature) -> DispatchResult {
	let authorized = RuntimeOrigin::from(frame_system::RawOrigin::Authorized);
	match message {
		DkgMessage::Round1 { epoch, member, package, sealing_key } => {
			KeyRelease::submit_round1(authorized, epoch, member, package, sealing_key, signature)
		}
		DkgMessage::Round2 { epoch, member, packages } => {
			KeyRelease::submit_round2(authorized, epoch, member, packages, signature)
		}
		DkgMessage::Confirm { epoch, member, key } => {
			KeyRelease::confirm_key(authorized, epoch, member, key, signature)
		}
		DkgMessage::Endpoint { epoch, member, endpoint } => {
			KeyRelease::announce_endpoint(authorized, epoch, member, endpoint, signature)
		}
	}
}

/// Dispatches `message` signed by `signer`'s key.
fn submit_as(signer: MemberIndex, message: DkgMessage<Test>) -> DispatchResult {
	let signature = sign_with(&key_of(signer), &message);
	dispatch(message, signature)
}

/// Dispatches `message` signed by its own sender, as an honest member's node does.
fn submit(message: DkgMessage<Test>) -> DispatchResult {
	submit_as(sender(&message), message)
}

/// Drives the whole key generation of the current committee of `n` members with threshold
/// `t` through `submit_round1` and `submit_round2`, member `i` with DKG seed `[i; 32]`, each
/// round-2 package sealed to its recipient's round-1 sealing key. Every member reads the
/// others' messages from the chain. Returns each member's key share and the key they derived.
fn run_dkg(n: u16, t: u16) -> (Vec<KeyShare>, dkg::CommitteeKey) {
	let epoch = epoch();
	let seed = |i: u16| [i as u8; 32];
	let mut secrets1 = BTreeMap::new();
	for i in 1..=n {
		let (secret, package) = dkg::round1(i, n, t, &seed(i), epoch).expect("round 1");
		let sealing_key = seal::public_key(&seal::member_secret(&seed(i), epoch)).unwrap();
		assert_ok!(submit(round1_msg(i, package, sealing_key)));
		System::assert_last_event(Event::<Test>::Round1Submitted { epoch, member: i }.into());
		secrets1.insert(i, secret);
	}
	let round1_of_others = |i: u16| -> BTreeMap<u16, Vec<u8>> {
		Round1::<Test>::iter()
			.filter(|(j, _)| *j != i)
			.map(|(j, entry)| (j, entry.package.into_inner()))
			.collect()
	};
	let mut secrets2 = BTreeMap::new();
	for i in 1..=n {
		let secret = secrets1.remove(&i).expect("kept from round 1");
		let (secret, packages) = dkg::round2(secret, &round1_of_others(i), n).expect("round 2");
		let sealed: Vec<(MemberIndex, Vec<u8>)> = packages
			.into_iter()
			.map(|(to, package)| {
				let key = Round1::<Test>::get(to).expect("round 1 is complete").sealing_key;
				let info = seal::package_info(epoch, i, to);
				(to, with_rng(|rng| seal::seal(&key, &info, &package, rng)).unwrap())
			})
			.collect();
		assert_eq!(sealed.len(), n as usize - 1);
		assert_ok!(submit(round2_msg(i, sealed)));
		System::assert_last_event(Event::<Test>::Round2Submitted { epoch, member: i }.into());
		secrets2.insert(i, secret);
	}
	let mut shares = Vec::new();
	let mut keys = Vec::new();
	for i in 1..=n {
		let secret = seal::member_secret(&seed(i), epoch);
		let to_me: BTreeMap<u16, Vec<u8>> = (1..=n)
			.filter(|from| *from != i)
			.map(|from| {
				let sealed = Round2::<Test>::get(from, i).expect("round 2 is complete");
				let info = seal::package_info(epoch, from, i);
				(from, seal::open(&secret, &info, &sealed).expect("sealed to this member"))
			})
			.collect();
		let (share, key) =
			dkg::finish(i, &secrets2[&i], &round1_of_others(i), &to_me, n).expect("finish");
		shares.push(share);
		keys.push(key);
	}
	assert!(keys.windows(2).all(|w| w[0] == w[1]), "members disagree on the committee key");
	(shares, keys.remove(0))
}

/// Confirms the solo key of a committee of one (seed `[1; 32]`) and returns its share.
fn confirm_solo() -> KeyShare {
	let (share, key) = dkg::solo(&[1; 32], epoch());
	assert_ok!(submit(confirm_msg(1, key.public, key.verifying)));
	share
}

/// The label of a ciphertext for `purpose` of the record of `patient` by `author` with `cid`,
/// under the current epoch.
fn record_label(purpose: Purpose, patient: AccountId, author: AccountId, cid: &[u8]) -> [u8; 32] {
	label(purpose, epoch(), &record_digest(&patient.encode(), &author.encode(), cid))
}

/// `message` encrypted to `public` for `purpose` of the record of `patient` by DOCTOR with
/// `cid`.
fn ciphertext_to(
	public: &Point,
	purpose: Purpose,
	patient: AccountId,
	cid: &[u8],
	message: [u8; 32],
) -> CommitteeCiphertext {
	let label = record_label(purpose, patient, DOCTOR, cid);
	with_rng(|rng| encrypt(public, &label, &message, rng)).expect("a committee key")
}

/// Like [`ciphertext_to`], to the current committee key.
fn ciphertext(
	purpose: Purpose,
	patient: AccountId,
	cid: &[u8],
	message: [u8; 32],
) -> CommitteeCiphertext {
	let public = committee().key.expect("the committee is keyed").public;
	ciphertext_to(&public, purpose, patient, cid, message)
}

fn lock(
	record: RecordId,
	patient: AccountId,
	cid: &[u8],
	ct: &CommitteeCiphertext,
) -> DispatchResult {
	<KeyRelease as CommitteeLocks<AccountId>>::lock(record, &patient, &DOCTOR, cid, ct)
}

/// Locks `record` of `patient` (author DOCTOR, CID `cid`) with `K_C` under the current key.
fn lock_record(record: RecordId, patient: AccountId, cid: &[u8]) -> CommitteeCiphertext {
	let ct = ciphertext(Purpose::Record, patient, cid, K_C);
	assert_ok!(lock(record, patient, cid, &ct));
	ct
}

/// Notes `reader`'s read of `record` (of PATIENT) with READ_KEY.
fn read(
	record: RecordId,
	reader: AccountId,
	grant: Option<GrantId>,
	last_use: bool,
	emergency: bool,
) {
	<KeyRelease as CommitteeLocks<AccountId>>::note_read(
		record, &PATIENT, &reader, grant, last_use, emergency, READ_KEY,
	);
}

/// Decrypts `ct` (of `purpose`, record of PATIENT by DOCTOR with CID) with a solo share.
fn open_with(share: &KeyShare, purpose: Purpose, cid: &[u8], ct: &CommitteeCiphertext) -> [u8; 32] {
	let u = verify(ct, &record_label(purpose, PATIENT, DOCTOR, cid)).expect("a valid ciphertext");
	let answer = with_rng(|rng| decryption_share(share, &u, rng));
	let u_i = verify_share(&share.verifying, ct, &answer).expect("the share proves");
	combine(ct, &[(share.index, u_i)], 1, 1).expect("one share of one")
}

fn held(who: AccountId) -> u64 {
	Balances::balance_on_hold(&HoldReason::EmergencySummary.into(), &who)
}

/// Four members with threshold three run the whole key generation through the calls (each
/// round-2 package sealed to its recipient's round-1 key): the last confirmation makes the
/// key they all derived the committee's, a record locked to it with `encrypt` is accepted,
/// and any three members' shares of the committee part in state give `K_c` back; two do not.
#[test]
fn four_members_agree_on_a_key_that_any_three_release() {
	committee_ext(4, 3).execute_with(|| {
		let (shares, key) = run_dkg(4, 3);
		// What member 2's node sees through the runtime API.
		let raw: [u8; 32] = key_of(2).encode().try_into().expect("an ed25519 key");
		let (index, view) = KeyRelease::key_generation(raw).expect("member 2 is a member");
		assert_eq!(index, 2);
		assert!(view.round2_done.iter().all(|done| *done));
		assert_eq!(view.round2_to_me.len(), 3);
		assert!(KeyRelease::key_generation([0; 32]).is_none());
		for i in 1..=4 {
			assert!(committee().key.is_none(), "not every member has confirmed");
			assert_ok!(submit(confirm_msg(i, key.public, key.verifying.clone())));
			System::assert_has_event(Event::<Test>::KeyConfirmed { epoch: 0, member: i }.into());
		}
		System::assert_last_event(
			Event::<Test>::CommitteeReady { epoch: 0, public: key.public }.into(),
		);
		let agreed = committee().key.expect("the committee is keyed");
		assert_eq!(agreed.public, key.public);
		assert_eq!(agreed.verifying.into_inner(), key.verifying);
		for share in &shares {
			assert_eq!(share.verifying, key.verifying[share.index as usize - 1]);
		}
		assert_eq!(KeyRelease::dkg_view(1).unwrap().key, Some((key.public, key.verifying.clone())));

		let ct = lock_record(RECORD, PATIENT, CID);
		grant(GRANT);
		read(RECORD, OTHER_DOCTOR, Some(GRANT), false, false);
		let release = KeyRelease::release(RECORD, &OTHER_DOCTOR, 1).expect("the read is answered");
		assert_eq!(release.parts, vec![(Purpose::Record, ct)]);
		// Each member computes its share from the ciphertext in state.
		let bound = label(Purpose::Record, release.epoch, &release.digest);
		let u = verify(&release.parts[0].1, &bound).expect("the lock verifies");
		let verified: Vec<_> = shares
			.iter()
			.map(|share| {
				let answer = with_rng(|rng| decryption_share(share, &u, rng));
				let verifying = &key.verifying[answer.index as usize - 1];
				(answer.index, verify_share(verifying, &ct, &answer).expect("an honest share"))
			})
			.collect();
		for skip in 0..4 {
			let three: Vec<_> =
				verified.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, s)| *s).collect();
			assert_eq!(combine(&ct, &three, 3, 4), Ok(K_C));
		}
		assert_eq!(
			combine(&ct, &verified[..2], 3, 4),
			Err(medchain_threshold::Error::NotEnoughShares)
		);
		check();
	});
}

/// A committee of one has no rounds: it confirms the key `dkg::solo` derives directly, and
/// its one share then releases what is locked to that key. Once keyed, no more
/// confirmations are taken, but endpoints still are.
#[test]
fn a_committee_of_one_confirms_its_solo_key_directly() {
	committee_ext(1, 1).execute_with(|| {
		assert_noop!(submit(round1_msg(1, vec![1; 64], [2; 32])), Error::<Test>::SoloCommittee);
		assert_noop!(submit(round2_msg(1, vec![])), Error::<Test>::SoloCommittee);
		let (share, key) = dkg::solo(&[1; 32], 0);
		assert_ok!(submit(confirm_msg(1, key.public, key.verifying.clone())));
		System::assert_last_event(
			Event::<Test>::CommitteeReady { epoch: 0, public: key.public }.into(),
		);
		assert_eq!(
			committee().key,
			Some(CommitteeKey {
				public: key.public,
				verifying: BoundedVec::truncate_from(key.verifying.clone())
			})
		);
		assert_noop!(
			submit(confirm_msg(1, key.public, key.verifying.clone())),
			Error::<Test>::AlreadyKeyed
		);
		assert_noop!(submit(round1_msg(1, vec![1; 64], [2; 32])), Error::<Test>::AlreadyKeyed);

		assert_ok!(submit(endpoint_msg(1, b"wss://member-one.example")));
		System::assert_last_event(Event::<Test>::EndpointAnnounced { member: 1 }.into());
		assert_eq!(KeyRelease::endpoints(), vec![(1, b"wss://member-one.example".to_vec())]);

		let ct = lock_record(RECORD, PATIENT, CID);
		assert_eq!(open_with(&share, Purpose::Record, CID, &ct), K_C);
		check();
	});
}

/// A confirmed key needs one valid verifying share per member and a public key that is a
/// point other than the identity.
#[test]
fn malformed_keys_are_refused() {
	committee_ext(1, 1).execute_with(|| {
		let (_, key) = dkg::solo(&[1; 32], 0);
		let malformed = [
			(key.public, vec![]),
			(key.public, vec![key.public, key.public]),
			([0; 32], vec![key.public]),
			([0xff; 32], vec![key.public]),
			(key.public, vec![[0xff; 32]]),
			(key.public, vec![[0; 32]]),
		];
		for (public, verifying) in malformed {
			assert_noop!(submit(confirm_msg(1, public, verifying)), Error::<Test>::MalformedKey);
		}
		assert!(committee().key.is_none());
		check();
	});
}

/// Key-generation messages must be signed by their member's key over this chain's genesis
/// hash, for the current epoch, by a member, once per round, round 2 only after all of
/// round 1 and to every other member exactly once.
#[test]
fn key_generation_messages_are_checked() {
	committee_ext(4, 3).execute_with(|| {
		let message = round1_msg(1, vec![1; 64], [1; 32]);
		// Signed by another member.
		assert_noop!(submit_as(2, message.clone()), Error::<Test>::BadSignature);
		// Signed for another chain.
		let elsewhere = key_of(1).sign(&message.signing_payload(&[0u8; 32])).unwrap();
		assert_noop!(dispatch(message.clone(), elsewhere), Error::<Test>::BadSignature);
		// Signed, then altered.
		let signature = sign_with(&key_of(1), &message);
		assert_noop!(
			dispatch(round1_msg(1, vec![2; 64], [1; 32]), signature.clone()),
			Error::<Test>::BadSignature
		);
		// Another epoch.
		let future = DkgMessage::<Test>::Round1 {
			epoch: 1,
			member: 1,
			package: BoundedVec::truncate_from(vec![1; 64]),
			sealing_key: [1; 32],
		};
		assert_noop!(submit_as(1, future), Error::<Test>::WrongEpoch);
		// Not a member.
		for stranger in [0, 5] {
			assert_noop!(
				submit_as(1, round1_msg(stranger, vec![1; 64], [1; 32])),
				Error::<Test>::UnknownMember
			);
		}
		assert_noop!(submit_as(1, endpoint_msg(5, b"wss://x")), Error::<Test>::UnknownMember);

		assert_ok!(dispatch(message.clone(), signature));
		assert_eq!(
			Round1::<Test>::get(1u16),
			Some(Round1Entry {
				package: BoundedVec::truncate_from(vec![1; 64]),
				sealing_key: [1; 32]
			})
		);
		assert_noop!(submit(message), Error::<Test>::AlreadySubmitted);
		assert_noop!(submit(round1_msg(1, vec![3; 64], [3; 32])), Error::<Test>::AlreadySubmitted);
		assert_ok!(submit(round1_msg(2, vec![2; 64], [2; 32])));
		assert_ok!(submit(round1_msg(3, vec![3; 64], [3; 32])));

		// Round 2 before member 4's round 1.
		let to_others = |from: MemberIndex| -> Vec<(MemberIndex, Vec<u8>)> {
			(1..=4).filter(|to| *to != from).map(|to| (to, vec![to as u8; 90])).collect()
		};
		assert_noop!(submit(round2_msg(1, to_others(1))), Error::<Test>::RoundIncomplete);
		assert_ok!(submit(round1_msg(4, vec![4; 64], [4; 32])));

		// Wrong recipients: one missing, oneself, one twice, a stranger.
		for recipients in [vec![2, 3], vec![1, 2, 3, 4], vec![2, 2, 3, 4], vec![2, 3, 5], vec![]] {
			let packages = recipients.into_iter().map(|to| (to, vec![0; 90])).collect();
			assert_noop!(submit(round2_msg(1, packages)), Error::<Test>::WrongRecipients);
		}
		// A confirmation before round 2 is complete.
		let (_, solo) = dkg::solo(&[1; 32], 0);
		assert_noop!(
			submit(confirm_msg(1, solo.public, vec![solo.public; 4])),
			Error::<Test>::RoundIncomplete
		);
		assert_ok!(submit(round2_msg(1, to_others(1))));
		assert_eq!(Round2::<Test>::iter_prefix(1u16).count(), 3);
		assert_noop!(submit(round2_msg(1, to_others(1))), Error::<Test>::AlreadySubmitted);
		assert_noop!(
			submit(confirm_msg(1, solo.public, vec![solo.public; 4])),
			Error::<Test>::RoundIncomplete
		);
		check();
	});
}

/// With no committee at all, no message is taken.
#[test]
fn no_committee_takes_no_message() {
	new_test_ext().execute_with(|| {
		let key = member_key(1);
		let message = DkgMessage::<Test>::Endpoint {
			epoch: 0,
			member: 1,
			endpoint: BoundedVec::truncate_from(b"wss://x".to_vec()),
		};
		let signature = sign_with(&key, &message);
		assert_noop!(dispatch(message, signature), Error::<Test>::NoCommittee);
		check();
	});
}

/// The pool and the block take a member's correctly signed message as an authorized call
/// (with the configured priority, once per member and round) and refuse a forged or altered
/// one and a message they would no longer apply; other calls have no authorization.
#[test]
fn authorize_takes_signed_messages_and_refuses_forged_ones() {
	use frame_support::traits::Authorize;
	committee_ext(4, 3).execute_with(|| {
		let validate = |call: &Call<Test>| {
			call.authorize(TransactionSource::External)
				.expect("key-generation calls are authorized")
				.map(|(validity, refund)| {
					assert_eq!(refund, Weight::zero());
					validity
				})
		};
		let message = round1_msg(1, vec![1; 64], [1; 32]);
		let signature = sign_with(&key_of(1), &message);
		let good = call_of(message.clone(), signature.clone());
		let valid = validate(&good).expect("a member's signed message");
		assert_eq!(valid.priority, <MessagePriority as Get<u64>>::get());
		assert_eq!(valid.provides.len(), 1);
		assert!(valid.requires.is_empty());
		assert!(valid.propagate);

		// Another message of another member provides another tag.
		let second = round1_msg(2, vec![2; 64], [2; 32]);
		let other = validate(&call_of(second.clone(), sign_with(&key_of(2), &second))).unwrap();
		assert_ne!(other.provides, valid.provides);

		let forged = call_of(message.clone(), sign_with(&key_of(2), &message));
		assert_eq!(validate(&forged), Err(InvalidTransaction::BadProof.into()));
		let altered = call_of(round1_msg(1, vec![1; 64], [7; 32]), signature.clone());
		assert_eq!(validate(&altered), Err(InvalidTransaction::BadProof.into()));
		let stranger = round1_msg(6, vec![1; 64], [1; 32]);
		let stranger = call_of(stranger.clone(), sign_with(&key_of(1), &stranger));
		assert_eq!(validate(&stranger), Err(InvalidTransaction::BadProof.into()));
		let restart = Call::<Test>::restart_key_generation { members: vec![], threshold: 1 };
		assert!(restart.authorize(TransactionSource::External).is_none());

		// Only the authorization's origin dispatches them: not a bare call, nor an account.
		for origin in [RuntimeOrigin::none(), RuntimeOrigin::signed(PATIENT)] {
			assert_noop!(
				good.clone().dispatch_bypass_filter(origin).map_err(|e| e.error),
				DispatchError::BadOrigin
			);
		}

		// Once applied, the same message is no longer valid.
		assert_ok!(dispatch(message, signature));
		assert_eq!(validate(&good), Err(InvalidTransaction::BadProof.into()));
		check();
	});
}

/// `lock` keeps a committee part only if it was made under the current key for this very
/// record: a ciphertext grafted from another CID, patient or author, or made for the
/// emergency summary, is refused.
#[test]
fn lock_refuses_ciphertexts_grafted_from_another_record() {
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		let ct = ciphertext(Purpose::Record, PATIENT, CID, K_C);
		assert_noop!(lock(RECORD, PATIENT, OTHER_CID, &ct), Error::<Test>::InvalidLock);
		assert_noop!(lock(RECORD, OTHER_PATIENT, CID, &ct), Error::<Test>::InvalidLock);
		assert_noop!(
			<KeyRelease as CommitteeLocks<AccountId>>::lock(
				RECORD,
				&PATIENT,
				&OTHER_DOCTOR,
				CID,
				&ct
			),
			Error::<Test>::InvalidLock
		);
		let emergency = ciphertext(Purpose::Emergency, PATIENT, CID, K_C);
		assert_noop!(lock(RECORD, PATIENT, CID, &emergency), Error::<Test>::InvalidLock);
		let mut altered = ct;
		altered.c[0] ^= 1;
		assert_noop!(lock(RECORD, PATIENT, CID, &altered), Error::<Test>::InvalidLock);

		assert_ok!(lock(RECORD, PATIENT, CID, &ct));
		assert_eq!(
			Locks::<Test>::get(RECORD),
			Some(Lock {
				epoch: 0,
				patient: PATIENT,
				digest: record_digest(&PATIENT.encode(), &DOCTOR.encode(), CID),
				committee: ct,
				emergency: None,
			})
		);
		assert!(!<KeyRelease as CommitteeLocks<AccountId>>::in_emergency_summary(RECORD));
		check();
	});
}

/// Before the committee has a key (or with no committee), nothing can be locked.
#[test]
fn lock_refuses_before_the_key_exists() {
	let (_, solo) = dkg::solo(&[1; 32], 0);
	committee_ext(4, 3).execute_with(|| {
		let ct = ciphertext_to(&solo.public, Purpose::Record, PATIENT, CID, K_C);
		assert_noop!(lock(RECORD, PATIENT, CID, &ct), Error::<Test>::CommitteeNotReady);
		check();
	});
	new_test_ext().execute_with(|| {
		let digest = record_digest(&PATIENT.encode(), &DOCTOR.encode(), CID);
		let bound = label(Purpose::Record, 0, &digest);
		let ct = with_rng(|rng| encrypt(&solo.public, &bound, &K_C, rng)).unwrap();
		assert_noop!(lock(RECORD, PATIENT, CID, &ct), Error::<Test>::NoCommittee);
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Err(Refusal::NoCommitteeKey));
		check();
	});
}

/// A grantee's recorded read under a live grant is answered for that reader and block only,
/// with the record's committee part, which the members' shares open.
#[test]
fn a_read_under_a_live_grant_releases_the_record_part() {
	committee_ext(1, 1).execute_with(|| {
		let share = confirm_solo();
		let ct = lock_record(RECORD, PATIENT, CID);
		grant(GRANT);
		read(RECORD, DOCTOR, Some(GRANT), false, false);
		assert_eq!(
			Reads::<Test>::get(1u64, (RECORD, DOCTOR)),
			Some(ReadEntry { key: READ_KEY, grant: GRANT, last_use: false, emergency: false })
		);
		let expected = Release {
			epoch: 0,
			key: READ_KEY,
			digest: record_digest(&PATIENT.encode(), &DOCTOR.encode(), CID),
			parts: vec![(Purpose::Record, ct)],
		};
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Ok(expected.clone()));
		assert_eq!(KeyRelease::release_for(RECORD, DOCTOR, 1), Ok(expected));
		assert_eq!(open_with(&share, Purpose::Record, CID, &ct), K_C);

		// Another reader, another block, another record.
		assert_eq!(KeyRelease::release(RECORD, &OTHER_DOCTOR, 1), Err(Refusal::NoReadEntry));
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 2), Err(Refusal::NoReadEntry));
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 0), Err(Refusal::NoReadEntry));
		assert_eq!(KeyRelease::release(OTHER_RECORD, &DOCTOR, 1), Err(Refusal::NotLocked));
		check();
	});
}

/// The patient's and the author's reads (no grant) leave no read entry: they hold both parts.
/// Nor does a read of a record with no committee part.
#[test]
fn reads_without_a_grant_or_a_lock_leave_no_entry() {
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		lock_record(RECORD, PATIENT, CID);
		read(RECORD, PATIENT, None, false, false);
		read(RECORD, DOCTOR, None, false, false);
		grant(GRANT);
		read(OTHER_RECORD, OTHER_DOCTOR, Some(GRANT), false, false);
		assert_eq!(Reads::<Test>::iter().count(), 0);
		assert_eq!(KeyRelease::release(RECORD, &PATIENT, 1), Err(Refusal::NoReadEntry));
		check();
	});
}

/// A read whose grant was revoked afterwards is no longer answered, unless the read itself
/// used the grant's last use (and the reader is still verified).
#[test]
fn a_revoked_grant_stops_the_release_unless_the_read_used_it_up() {
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		lock_record(RECORD, PATIENT, CID);
		grant(GRANT);
		grant(OTHER_GRANT);
		read(RECORD, DOCTOR, Some(GRANT), false, false);
		read(RECORD, OTHER_DOCTOR, Some(OTHER_GRANT), true, false);
		assert!(KeyRelease::release(RECORD, &DOCTOR, 1).is_ok());
		end_grant(GRANT);
		end_grant(OTHER_GRANT);
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Err(Refusal::NotPermitted));
		assert!(KeyRelease::release(RECORD, &OTHER_DOCTOR, 1).is_ok());
		TestRegistry::set_verified(OTHER_DOCTOR, false);
		assert_eq!(KeyRelease::release(RECORD, &OTHER_DOCTOR, 1), Err(Refusal::NotPermitted));
		check();
	});
}

/// A read is answered for `ReleaseWindow` blocks; after that it is `Expired`, and the idle
/// sweep removes it (then there is no entry at all).
#[test]
fn reads_expire_after_the_window_and_are_swept() {
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		lock_record(RECORD, PATIENT, CID);
		grant(GRANT);
		read(RECORD, DOCTOR, Some(GRANT), false, false);
		run_to_block(11);
		assert!(KeyRelease::release(RECORD, &DOCTOR, 1).is_ok());
		assert!(Reads::<Test>::contains_key(1u64, (RECORD, DOCTOR)));
		check();
		System::set_block_number(12);
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Err(Refusal::Expired));
		assert_eq!(KeyRelease::on_idle(12, Weight::zero()), Weight::zero());
		assert!(Reads::<Test>::contains_key(1u64, (RECORD, DOCTOR)), "no weight, no sweep");
		KeyRelease::on_idle(12, Weight::MAX);
		assert_eq!(Reads::<Test>::iter().count(), 0);
		assert_eq!(SweepCursor::<Test>::get(), 2);
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Err(Refusal::NoReadEntry));
		check();
	});
}

/// The patient puts a locked record in the emergency summary with `K_p` sealed to the
/// committee under the emergency label, paying the deposit; a read under emergency access
/// then releases both parts, and they open. Taking it out releases the deposit, and the
/// emergency read is no longer answered. Both changes are on the audit trail.
#[test]
fn the_emergency_summary_releases_both_parts_to_emergency_access() {
	committee_ext(1, 1).execute_with(|| {
		let share = confirm_solo();
		let ct = lock_record(RECORD, PATIENT, CID);
		let sealed = ciphertext(Purpose::Emergency, PATIENT, CID, K_P);
		let patient = RuntimeOrigin::signed(PATIENT);

		// A record-label ciphertext, or one made for another record, is not an emergency part.
		let record_part = ciphertext(Purpose::Record, PATIENT, CID, K_P);
		assert_noop!(
			KeyRelease::add_to_summary(patient.clone(), RECORD, record_part),
			Error::<Test>::InvalidLock
		);
		let grafted = ciphertext(Purpose::Emergency, PATIENT, OTHER_CID, K_P);
		assert_noop!(
			KeyRelease::add_to_summary(patient.clone(), RECORD, grafted),
			Error::<Test>::InvalidLock
		);

		assert_ok!(KeyRelease::add_to_summary(patient.clone(), RECORD, sealed));
		System::assert_last_event(
			Event::<Test>::AddedToSummary { patient: PATIENT, record: RECORD }.into(),
		);
		assert_eq!(held(PATIENT), 5);
		assert_eq!(SummaryCount::<Test>::get(PATIENT), 1);
		assert_eq!(Locks::<Test>::get(RECORD).unwrap().emergency, Some((sealed, 5)));
		assert!(<KeyRelease as CommitteeLocks<AccountId>>::in_emergency_summary(RECORD));
		assert_noop!(
			KeyRelease::add_to_summary(patient.clone(), RECORD, sealed),
			Error::<Test>::AlreadyInSummary
		);
		check();

		open_emergency(DOCTOR, PATIENT, EMERGENCY_GRANT);
		read(RECORD, DOCTOR, Some(EMERGENCY_GRANT), false, true);
		let release = KeyRelease::release(RECORD, &DOCTOR, 1).expect("emergency access is live");
		assert_eq!(release.parts, vec![(Purpose::Record, ct), (Purpose::Emergency, sealed)]);
		assert_eq!(open_with(&share, Purpose::Record, CID, &release.parts[0].1), K_C);
		assert_eq!(open_with(&share, Purpose::Emergency, CID, &release.parts[1].1), K_P);
		// A grantee's ordinary read gets the record part only.
		grant(GRANT);
		read(RECORD, OTHER_DOCTOR, Some(GRANT), false, false);
		assert_eq!(
			KeyRelease::release(RECORD, &OTHER_DOCTOR, 1).unwrap().parts,
			vec![(Purpose::Record, ct)]
		);

		assert_noop!(
			KeyRelease::remove_from_summary(RuntimeOrigin::signed(OTHER_PATIENT), RECORD),
			Error::<Test>::NotPatient
		);
		assert_ok!(KeyRelease::remove_from_summary(patient.clone(), RECORD));
		System::assert_last_event(
			Event::<Test>::RemovedFromSummary { patient: PATIENT, record: RECORD }.into(),
		);
		assert_eq!(held(PATIENT), 0);
		assert!(!SummaryCount::<Test>::contains_key(PATIENT));
		assert!(Locks::<Test>::get(RECORD).unwrap().emergency.is_none());
		assert_noop!(KeyRelease::remove_from_summary(patient, RECORD), Error::<Test>::NotInSummary);
		assert_eq!(KeyRelease::release(RECORD, &DOCTOR, 1), Err(Refusal::NotPermitted));
		assert_eq!(
			trail(),
			vec![
				(PATIENT, PATIENT, AuditAction::EmergencySummaryAdded { record: RECORD }),
				(PATIENT, PATIENT, AuditAction::EmergencySummaryRemoved { record: RECORD }),
			]
		);
		check();
	});
}

/// Only a record's patient changes its summary, only for a locked record, at most
/// `MaxSummary` records each, and only if they can pay the deposit.
#[test]
fn the_summary_is_the_patients_own_bounded_and_paid_for() {
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		let emergency =
			|patient: AccountId, cid: &[u8]| ciphertext(Purpose::Emergency, patient, cid, K_P);
		lock_record(RECORD, PATIENT, CID);
		lock_record(OTHER_RECORD, PATIENT, OTHER_CID);
		lock_record(THIRD_RECORD, PATIENT, THIRD_CID);
		let origin = RuntimeOrigin::signed;

		assert_noop!(
			KeyRelease::add_to_summary(origin(PATIENT), 99, emergency(PATIENT, CID)),
			Error::<Test>::NotLocked
		);
		assert_noop!(
			KeyRelease::add_to_summary(
				origin(OTHER_PATIENT),
				RECORD,
				emergency(OTHER_PATIENT, CID)
			),
			Error::<Test>::NotPatient
		);
		// A practitioner keeps no summary, even of a record they wrote.
		assert_noop!(
			KeyRelease::add_to_summary(origin(DOCTOR), RECORD, emergency(PATIENT, CID)),
			Error::<Test>::NotPatient
		);

		assert_ok!(KeyRelease::add_to_summary(origin(PATIENT), RECORD, emergency(PATIENT, CID)));
		assert_ok!(KeyRelease::add_to_summary(
			origin(PATIENT),
			OTHER_RECORD,
			emergency(PATIENT, OTHER_CID)
		));
		assert_eq!(held(PATIENT), 10);
		assert_eq!(SummaryCount::<Test>::get(PATIENT), 2);
		assert_noop!(
			KeyRelease::add_to_summary(
				origin(PATIENT),
				THIRD_RECORD,
				emergency(PATIENT, THIRD_CID)
			),
			Error::<Test>::SummaryFull
		);
		check();
		assert_ok!(KeyRelease::remove_from_summary(origin(PATIENT), RECORD));
		assert_ok!(KeyRelease::add_to_summary(
			origin(PATIENT),
			THIRD_RECORD,
			emergency(PATIENT, THIRD_CID)
		));
		assert_eq!(held(PATIENT), 10);
		assert_eq!(SummaryCount::<Test>::get(PATIENT), 2);
		// The view answers for a whole list at once, in its order; unknown records are not in.
		assert_eq!(
			KeyRelease::in_summary(vec![THIRD_RECORD, 99, RECORD, OTHER_RECORD]),
			vec![THIRD_RECORD, OTHER_RECORD]
		);

		lock_record(99, BROKE_PATIENT, CID);
		assert_noop!(
			KeyRelease::add_to_summary(origin(BROKE_PATIENT), 99, emergency(BROKE_PATIENT, CID)),
			Error::<Test>::InsufficientBalance
		);
		check();
	});
}

/// Only the admin restarts a stalled key generation, and only before a key exists: the
/// epoch goes up, the stalled rounds and endpoints are dropped, and the old epoch's
/// messages and members are refused.
#[test]
fn restarting_a_stalled_key_generation() {
	committee_ext(4, 3).execute_with(|| {
		assert_ok!(submit(round1_msg(1, vec![1; 64], [1; 32])));
		assert_ok!(submit(round1_msg(2, vec![2; 64], [2; 32])));
		assert_ok!(submit(endpoint_msg(1, b"wss://one")));
		let old_one = key_of(1);
		let new: Vec<crypto::Public> = (11..=13).map(member_key).collect();
		let restart = |origin, members: Vec<crypto::Public>, threshold| {
			KeyRelease::restart_key_generation(origin, members, threshold)
		};
		assert_noop!(
			restart(RuntimeOrigin::signed(PATIENT), new.clone(), 2),
			DispatchError::BadOrigin
		);
		assert_noop!(restart(RuntimeOrigin::root(), new.clone(), 0), Error::<Test>::BadThreshold);
		assert_noop!(restart(RuntimeOrigin::root(), new.clone(), 4), Error::<Test>::BadThreshold);
		assert_noop!(restart(RuntimeOrigin::root(), vec![], 1), Error::<Test>::BadThreshold);
		let too_many: Vec<crypto::Public> = (21..=29).map(member_key).collect();
		assert_noop!(restart(RuntimeOrigin::root(), too_many, 2), Error::<Test>::TooManyMembers);

		assert_ok!(restart(RuntimeOrigin::root(), new.clone(), 2));
		System::assert_last_event(
			Event::<Test>::KeyGenerationRestarted { epoch: 1, members: 3, threshold: 2 }.into(),
		);
		let restarted = committee();
		assert_eq!(
			(restarted.epoch, restarted.threshold, restarted.members.into_inner(), restarted.key),
			(1, 2, new.clone(), None)
		);
		assert_eq!(Round1::<Test>::iter().count(), 0);
		assert_eq!(Endpoints::<Test>::iter().count(), 0);
		check();

		let stale = DkgMessage::<Test>::Round1 {
			epoch: 0,
			member: 3,
			package: BoundedVec::truncate_from(vec![3; 64]),
			sealing_key: [3; 32],
		};
		assert_noop!(submit(stale), Error::<Test>::WrongEpoch);
		let message = round1_msg(1, vec![1; 64], [1; 32]);
		assert_noop!(
			dispatch(message.clone(), sign_with(&old_one, &message)),
			Error::<Test>::BadSignature
		);
		assert_ok!(submit(message));
		System::assert_last_event(Event::<Test>::Round1Submitted { epoch: 1, member: 1 }.into());
		assert_noop!(
			submit_as(1, round1_msg(4, vec![4; 64], [4; 32])),
			Error::<Test>::UnknownMember
		);
		check();
	});
	committee_ext(1, 1).execute_with(|| {
		confirm_solo();
		assert_noop!(
			KeyRelease::restart_key_generation(RuntimeOrigin::root(), vec![member_key(11)], 1),
			Error::<Test>::AlreadyKeyed
		);
		check();
	});
}

/// With no committee at genesis, the admin can start the first key generation (epoch 0).
#[test]
fn restart_without_a_committee_starts_epoch_zero() {
	new_test_ext().execute_with(|| {
		let members: Vec<crypto::Public> = (1..=2).map(member_key).collect();
		assert_ok!(KeyRelease::restart_key_generation(RuntimeOrigin::root(), members, 2));
		assert_eq!((epoch(), committee().size()), (0, 2));
		check();
	});
}

/// `try_state` catches a wrong summary count, a count without records, a released deposit, a
/// read entry of an unlocked record or behind the sweep, a lock of a future epoch and a
/// round message of a non-member.
#[test]
fn try_state_catches_corrupted_storage() {
	/// A keyed committee of one with RECORD of PATIENT locked and in the summary.
	fn scenario() -> sp_io::TestExternalities {
		let mut ext = committee_ext(1, 1);
		ext.execute_with(|| {
			confirm_solo();
			lock_record(RECORD, PATIENT, CID);
			let sealed = ciphertext(Purpose::Emergency, PATIENT, CID, K_P);
			assert_ok!(KeyRelease::add_to_summary(RuntimeOrigin::signed(PATIENT), RECORD, sealed));
			grant(GRANT);
			read(RECORD, DOCTOR, Some(GRANT), false, false);
			check();
		});
		ext
	}
	scenario().execute_with(|| {
		SummaryCount::<Test>::insert(PATIENT, 2u32);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		SummaryCount::<Test>::insert(OTHER_PATIENT, 1u32);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		SummaryCount::<Test>::remove(PATIENT);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		let _ = <Balances as frame_support::traits::fungible::MutateHold<AccountId>>::release(
			&HoldReason::EmergencySummary.into(),
			&PATIENT,
			5,
			frame_support::traits::tokens::Precision::Exact,
		);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		let entry = ReadEntry { key: READ_KEY, grant: GRANT, last_use: false, emergency: false };
		Reads::<Test>::insert(1u64, (OTHER_RECORD, DOCTOR), entry);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		SweepCursor::<Test>::put(5u64);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		Locks::<Test>::mutate(RECORD, |lock| lock.as_mut().unwrap().epoch = 1);
		assert!(KeyRelease::do_try_state().is_err());
	});
	scenario().execute_with(|| {
		let entry = Round1Entry::<Test> {
			package: BoundedVec::truncate_from(vec![1; 64]),
			sealing_key: [0; 32],
		};
		Round1::<Test>::insert(2u16, entry);
		assert!(KeyRelease::do_try_state().is_err());
	});
}

/// The benchmarks' committee key is `s·G` for their fixed scalar `s`: a share computed with
/// `s` proves against it and opens what is locked to it.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn the_benchmark_committee_key_is_its_scalar_times_the_base_point() {
	new_test_ext().execute_with(|| {
		let public = <KeyRelease as CommitteeLocks<AccountId>>::committee_for_benchmarks();
		assert_eq!(committee().key.map(|k| k.public), Some(public));
		let ct = lock_record(RECORD, PATIENT, CID);
		let share = KeyShare {
			index: 1,
			secret: crate::benchmarking::KEY_SCALAR.into(),
			verifying: public,
		};
		assert_eq!(open_with(&share, Purpose::Record, CID, &ct), K_C);
		check();
	});
}
