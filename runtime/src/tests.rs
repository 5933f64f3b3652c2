//! The MedChain story through the real runtime: every pallet with its production `Config`,
//! consulting the others through the wiring in `configs::medchain`.

use crate::{
	Appointments, BalancesConfig, Consent, Records, Registry, RegistryConfig, Runtime,
	RuntimeGenesisConfig, RuntimeOrigin, System, UNIT,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks, BoundedVec};
use medchain_primitives::{AuditAction, CidBytes, RecordKind, Role, RoleRegistry, Scope};
use pallet_registry::PractitionerDetails;
use sp_runtime::{AccountId32, BuildStorage};

const PATIENT: u8 = 1;
const DOCTOR: u8 = 2;
const SECOND_DOCTOR: u8 = 3;
const HOSPITAL: u8 = 4;
const PHARMACY: u8 = 5;
const VERIFIER: u8 = 6;

fn acc(n: u8) -> AccountId32 {
	AccountId32::new([n; 32])
}

fn signed(n: u8) -> RuntimeOrigin {
	RuntimeOrigin::signed(acc(n))
}

fn bytes<S: frame_support::traits::Get<u32>>(b: &[u8]) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(b.to_vec())
}

/// A CIDv1 (raw, sha2-256) with the given digest byte: the shape `ipfs add --cid-version=1`
/// gives a small encrypted file.
fn cid(n: u8) -> CidBytes {
	let mut cid = vec![0x01, 0x55, 0x12, 0x20];
	cid.extend_from_slice(&[n; 32]);
	BoundedVec::truncate_from(cid)
}

fn envelope(n: u8) -> [u8; 80] {
	[n; 80]
}

fn new_ext() -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: (1..=6).map(|n| (acc(n), 1_000 * UNIT)).collect(),
			..Default::default()
		},
		registry: RegistryConfig { verifiers: vec![acc(VERIFIER)] },
		..Default::default()
	}
	.build_storage()
	.expect("genesis builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn run_to_block(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Consent::on_idle(next, frame_support::weights::Weight::MAX);
	}
}

fn apply(who: u8, role: Role, name: &[u8]) {
	assert_ok!(Registry::apply(
		signed(who),
		role,
		[who; 32],
		None,
		cid(who),
		PractitionerDetails {
			name: bytes(name),
			specialization: bytes(b"general"),
			licence: bytes(b"LIC-1"),
		},
	));
	assert_ok!(Registry::verify(signed(VERIFIER), acc(who), None));
}

fn add_record(author: u8, kind: RecordKind, quantity: Option<u32>, n: u8) {
	assert_ok!(Records::add_record(
		signed(author),
		acc(PATIENT),
		kind,
		cid(n),
		4096,
		bytes(b"sealed title"),
		quantity,
		envelope(PATIENT),
		envelope(author),
		None,
		None,
	));
}

/// Everyone registers and is verified; the patient books, the doctor accepts and writes a
/// report (record 0) and a prescription of 30 (record 1).
fn seed() {
	assert_ok!(Registry::register_patient(signed(PATIENT), [PATIENT; 32], Some(cid(100))));
	apply(DOCTOR, Role::Doctor, b"Dr. One");
	apply(SECOND_DOCTOR, Role::Doctor, b"Dr. Two");
	apply(HOSPITAL, Role::Hospital, b"City Hospital");
	apply(PHARMACY, Role::Pharmacy, b"Corner Pharmacy");

	assert_ok!(Appointments::request(
		signed(PATIENT),
		acc(DOCTOR),
		1_900_000_000_000,
		bytes(b"sealed")
	));
	assert_ok!(Appointments::accept(signed(DOCTOR), 0));
	assert!(Appointments::is_treating(acc(DOCTOR), acc(PATIENT)));

	add_record(DOCTOR, RecordKind::Report, None, 1);
	add_record(DOCTOR, RecordKind::Prescription, Some(30), 2);
}

#[test]
fn the_whole_story_holds_through_the_runtime() {
	new_ext().execute_with(|| {
		seed();
		assert_eq!(Records::patient_records(acc(PATIENT)), vec![0, 1]);

		// An unverified, untreating doctor cannot write.
		assert_noop!(
			Records::add_record(
				signed(SECOND_DOCTOR),
				acc(PATIENT),
				RecordKind::Report,
				cid(3),
				1,
				bytes(b""),
				None,
				envelope(1),
				envelope(3),
				None,
				None
			),
			pallet_records::Error::<Runtime>::NoCareRelationship
		);

		// The second doctor asks for the older reports; the patient grants with an envelope.
		assert_ok!(Consent::request_access(
			signed(SECOND_DOCTOR),
			acc(PATIENT),
			Scope::Reports,
			bytes(b"sealed"),
			100
		));
		assert_eq!(Consent::pending_requests(acc(PATIENT)).len(), 1);
		assert_ok!(Consent::grant(
			signed(PATIENT),
			0,
			50,
			None,
			None,
			BoundedVec::truncate_from(vec![(0, envelope(SECOND_DOCTOR))])
		));
		assert!(Records::can_read(acc(SECOND_DOCTOR), 0));
		assert_ok!(Records::record_read(signed(SECOND_DOCTOR), 0, None));
		assert_noop!(
			Records::record_read(signed(SECOND_DOCTOR), 1, None),
			pallet_records::Error::<Runtime>::NoAccess
		);

		// The hospital the doctor referred to asks for prescriptions; the patient denies.
		assert_ok!(Consent::request_access(
			signed(HOSPITAL),
			acc(PATIENT),
			Scope::Prescriptions,
			bytes(b"sealed"),
			100
		));
		assert_ok!(Consent::deny(signed(PATIENT), 1, bytes(b"not now")));
		assert_noop!(
			Records::record_read(signed(HOSPITAL), 1, None),
			pallet_records::Error::<Runtime>::NoAccess
		);

		// The pharmacy gets a one-time grant and dispenses once.
		assert_ok!(Consent::grant_access(
			signed(PATIENT),
			acc(PHARMACY),
			Scope::Prescriptions,
			20,
			Some(1),
			BoundedVec::truncate_from(vec![(1, envelope(PHARMACY))])
		));
		assert_ok!(Records::dispense(signed(PHARMACY), 1, 30, None));
		assert_noop!(
			Records::dispense(signed(PHARMACY), 1, 1, None),
			pallet_records::Error::<Runtime>::NoAccess
		);

		// The patient revokes the second doctor.
		assert_ok!(Consent::revoke(signed(PATIENT), 0));
		assert!(!Records::can_read(acc(SECOND_DOCTOR), 0));
		assert_eq!(Records::envelope(0, acc(SECOND_DOCTOR)), None);

		let trail: Vec<AuditAction> =
			Consent::audit_trail(acc(PATIENT)).into_iter().map(|e| e.action).collect();
		assert_eq!(
			trail,
			vec![
				AuditAction::AppointmentAccepted { appointment: 0 },
				AuditAction::RecordCreated { record: 0 },
				AuditAction::RecordCreated { record: 1 },
				AuditAction::AccessRequested { request: 0 },
				AuditAction::AccessGranted { grant: 0, request: Some(0) },
				AuditAction::RecordRead { record: 0, grant: Some(0) },
				AuditAction::AccessRequested { request: 1 },
				AuditAction::AccessDenied { request: 1 },
				AuditAction::AccessGranted { grant: 1, request: None },
				AuditAction::Dispensed { record: 1, quantity: 30 },
				AuditAction::GrantUsedUp { grant: 1 },
				AuditAction::AccessRevoked { grant: 0 },
			]
		);
	});
}

#[test]
fn a_batch_of_reads_pays_for_the_grant_it_used_up() {
	use pallet_consent::WeightInfo as _;
	use pallet_records::WeightInfo as _;
	new_ext().execute_with(|| {
		seed();
		let listed = Scope::Records(BoundedVec::truncate_from(vec![0, 1]));
		assert_ok!(Consent::grant_access(
			signed(PATIENT),
			acc(SECOND_DOCTOR),
			listed,
			20,
			Some(2),
			BoundedVec::truncate_from(vec![(0, envelope(3)), (1, envelope(3))])
		));
		let records = BoundedVec::truncate_from(vec![0, 1]);
		let post = Records::record_reads(signed(SECOND_DOCTOR), records, None).unwrap();
		// The second read was the grant's last use: it ended, with its two envelopes. The batch
		// read the pair's one grant, and is charged for that one.
		let weights = (
			<Runtime as pallet_records::Config>::WeightInfo::record_reads(2, 1),
			<Runtime as pallet_consent::Config>::WeightInfo::revoke(2),
		);
		assert_eq!(post.actual_weight, Some(weights.0 + weights.1));
		assert!(Consent::held_grants(acc(SECOND_DOCTOR)).is_empty());
		assert_eq!(Records::envelope(0, acc(SECOND_DOCTOR)), None);
		let trail: Vec<AuditAction> =
			Consent::audit_trail(acc(PATIENT)).into_iter().map(|e| e.action).collect();
		assert_eq!(
			trail[trail.len() - 3..],
			[
				AuditAction::RecordRead { record: 0, grant: Some(0) },
				AuditAction::RecordRead { record: 1, grant: Some(0) },
				AuditAction::GrantUsedUp { grant: 0 },
			]
		);
	});
}

#[test]
fn suspension_stops_grants_at_once_and_expiry_cleans_up() {
	new_ext().execute_with(|| {
		seed();
		assert_ok!(Consent::grant_access(
			signed(PATIENT),
			acc(SECOND_DOCTOR),
			Scope::Reports,
			10,
			None,
			BoundedVec::truncate_from(vec![(0, envelope(SECOND_DOCTOR))])
		));
		assert!(Records::can_read(acc(SECOND_DOCTOR), 0));

		assert_ok!(Registry::suspend(
			signed(VERIFIER),
			acc(SECOND_DOCTOR),
			bytes(b"licence lapsed")
		));
		assert!(!<Registry as RoleRegistry<_>>::is_verified_practitioner(&acc(SECOND_DOCTOR)));
		assert_noop!(
			Records::record_read(signed(SECOND_DOCTOR), 0, None),
			pallet_records::Error::<Runtime>::NoAccess
		);
		assert_ok!(Registry::verify(signed(VERIFIER), acc(SECOND_DOCTOR), None));
		assert_ok!(Records::record_read(signed(SECOND_DOCTOR), 0, None));

		run_to_block(10);
		assert!(!Records::can_read(acc(SECOND_DOCTOR), 0));
		assert_eq!(Records::envelope(0, acc(SECOND_DOCTOR)), None);
		assert!(Consent::held_grants(acc(SECOND_DOCTOR)).is_empty());
	});
}

#[test]
fn a_one_time_write_grant_lets_a_doctor_without_appointment_add_one_record() {
	new_ext().execute_with(|| {
		seed();
		assert_ok!(Consent::request_access(
			signed(SECOND_DOCTOR),
			acc(PATIENT),
			Scope::Write,
			bytes(b""),
			10
		));
		assert_ok!(Consent::grant(signed(PATIENT), 0, 10, Some(1), None, BoundedVec::new()));
		let add = |supersedes| {
			Records::add_record(
				signed(SECOND_DOCTOR),
				acc(PATIENT),
				RecordKind::Report,
				cid(9),
				10,
				bytes(b""),
				None,
				envelope(PATIENT),
				envelope(SECOND_DOCTOR),
				supersedes,
				None,
			)
		};
		// Only the author corrects a record, grant or not.
		assert_noop!(add(Some(0)), pallet_records::Error::<Runtime>::NotAuthor);
		assert_ok!(add(None));
		// The one use is spent.
		assert_noop!(add(None), pallet_records::Error::<Runtime>::NoCareRelationship);
		assert_eq!(Records::record(2).unwrap().author, acc(SECOND_DOCTOR));

		// Completing the appointment leaves the doctor a follow-up window, then it closes.
		assert_ok!(Appointments::complete(signed(DOCTOR), 0));
		assert!(Appointments::is_treating(acc(DOCTOR), acc(PATIENT)));
	});
}

/// A member's key-generation message travels as an authorized general transaction: the pool
/// takes it with no account and no fee, the block applies it with the `Authorized` origin,
/// and the same call sent bare is refused.
#[test]
fn key_generation_messages_are_authorized_general_transactions() {
	use crate::{Executive, Header, KeyReleaseConfig, RuntimeCall, UncheckedExtrinsic};
	use frame_support::traits::Get;
	use frame_system::offchain::CreateAuthorizedTransaction;
	use pallet_key_release::{DkgMessage, MemberSignature};
	use sp_keyring::Ed25519Keyring;
	use sp_runtime::{
		traits::Header as _,
		transaction_validity::{TransactionSource, TransactionValidityError},
		DispatchError,
	};

	let keys = [Ed25519Keyring::Alice, Ed25519Keyring::Bob];
	let storage = RuntimeGenesisConfig {
		key_release: KeyReleaseConfig {
			members: keys.iter().map(|k| k.public().into()).collect(),
			threshold: 2,
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.expect("genesis builds");
	sp_io::TestExternalities::new(storage).execute_with(|| {
		let package = bytes(&[7; 64]);
		let message = DkgMessage::<Runtime>::Round1 {
			epoch: 0,
			member: 1,
			package: package.clone(),
			sealing_key: [5; 32],
		};
		let payload = message.signing_payload(System::block_hash(0).as_ref());
		let signature = MemberSignature::from(keys[0].sign(&payload));
		let call = RuntimeCall::KeyRelease(pallet_key_release::Call::submit_round1 {
			epoch: 0,
			member: 1,
			package,
			sealing_key: [5; 32],
			signature,
		});

		let bare = UncheckedExtrinsic::new_bare(call.clone());
		let refused = Executive::validate_transaction(
			TransactionSource::External,
			bare.clone(),
			System::parent_hash(),
		);
		assert!(matches!(refused, Err(TransactionValidityError::Unknown(_))), "{refused:?}");

		let xt =
			<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(
				call,
			);
		let valid = Executive::validate_transaction(
			TransactionSource::External,
			xt.clone(),
			System::parent_hash(),
		)
		.expect("a member's signed message is valid");
		let priority: u64 = <Runtime as pallet_key_release::Config>::MessagePriority::get();
		assert_eq!(valid.priority, priority);
		assert_eq!(valid.provides.len(), 1);

		// Validating ran in a block of its own each time: the next block follows them.
		Executive::initialize_block(&Header::new(
			System::block_number() + 1,
			Default::default(),
			Default::default(),
			System::parent_hash(),
			Default::default(),
		));
		// Put in a block by its author, the bare call dispatches nothing.
		let applied = Executive::apply_extrinsic(bare);
		assert!(matches!(applied, Err(_) | Ok(Err(DispatchError::BadOrigin))), "{applied:?}");
		assert!(!pallet_key_release::Round1::<Runtime>::contains_key(1));
		let free = pallet_balances::Pallet::<Runtime>::total_issuance();
		assert_ok!(Executive::apply_extrinsic(xt).expect("included"));
		assert!(pallet_key_release::Round1::<Runtime>::contains_key(1));
		// Nobody paid: the issuance the fee would have burnt or moved is untouched.
		assert_eq!(pallet_balances::Pallet::<Runtime>::total_issuance(), free);
	});
}
