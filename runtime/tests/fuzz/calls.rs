//! Resolves an abstract `Op` into a call against the current state: ids are picked among those
//! that exist (appointments, records, requests, grants), and the signer is, most of the time,
//! the one account a real client would sign with (the appointment's doctor, the grant's
//! patient...), so that calls succeed often enough to build deep states.

use crate::{
	actors::{actor_of, choose, Actor, DOCTORS, PATIENTS, PRACTITIONERS, SIGNERS, SYBILS},
	ops::{Kind, Op},
};
use codec::DecodeLimit;
use frame_support::{weights::Weight, BoundedVec};
use medchain_primitives::{CidBytes, Envelope, RecordId, RecordKind, Scope, ENVELOPE_LEN};
use medchain_runtime::{
	AccountId, Runtime, RuntimeCall, System, DAYS, EXISTENTIAL_DEPOSIT, HOURS, MILLI_UNIT,
};
use pallet_consent::RequestStatus;
use pallet_registry::PractitionerDetails;
use sp_runtime::MultiAddress;

/// What the on_idle hook of a block gets: usually what a block has left, sometimes nothing or a
/// sliver, so that sweeps of expired grants stop midway and resume later.
#[derive(Clone, Copy, Debug)]
pub enum Idle {
	Full,
	Zero,
	Limited(Weight),
}

#[derive(Debug)]
pub enum Step {
	/// End the block (hooks, then the invariants), skip `advance - 1` empty blocks, start the
	/// next one.
	Block { advance: u32, idle: Idle },
	/// Dispatch `call` signed by `signer`.
	Call { signer: Actor, call: Box<RuntimeCall> },
	/// Raw bytes that do not decode as a call.
	Undecodable,
}

/// Block distances that matter to MedChain: a block, an hour (emergency access), a day
/// (emergency cooldown), 14 days (follow-up), 90 days (longest grant) and one past it.
const DELTAS: &[u32] =
	&[0, 1, 2, 5, 10, 50, HOURS, HOURS + 1, DAYS, 14 * DAYS, 90 * DAYS, 90 * DAYS + 1];

fn delta(sel: u8) -> u32 {
	DELTAS[sel as usize % DELTAS.len()]
}

/// How far time jumps: past an emergency grant, a cooldown, a follow-up period. Not 90 days:
/// the consent sweep walks every block a jump skips (as the chain does one block at a time),
/// and months of blocks would make the campaign crawl. Long grants still end by revocation,
/// renunciation and use.
const JUMPS: &[u32] = &[1, 2, 5, 10, 50, HOURS, HOURS + 1, DAYS, DAYS + 1, 14 * DAYS + 1];

fn jump(sel: u8) -> u32 {
	JUMPS[sel as usize % JUMPS.len()]
}

/// A valid CIDv1 (raw, sha2-256) with the given digest byte.
fn cid(n: u8) -> CidBytes {
	let mut cid = vec![0x01, 0x55, 0x12, 0x20];
	cid.extend_from_slice(&[n; 32]);
	BoundedVec::truncate_from(cid)
}

/// A valid CID most of the time, garbage once in `1 / odds`.
fn maybe_bad_cid(sel: u8, odds: u8) -> CidBytes {
	if sel.is_multiple_of(odds) {
		BoundedVec::truncate_from(vec![sel; (sel % 8) as usize])
	} else {
		cid(sel)
	}
}

fn bytes<S: frame_support::traits::Get<u32>>(len: u8, fill: u8) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(vec![fill; len as usize])
}

/// A committee part for a record of `patient` by `author` with `cid`: mostly valid under the
/// fuzzer's committee key, sometimes grafted from another CID, garbled or absent.
fn lock(
	sel: u32,
	patient: &AccountId,
	author: &AccountId,
	cid: &[u8],
) -> Option<medchain_primitives::CommitteeCiphertext> {
	use codec::Encode;
	use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
	let (_, key) = medchain_threshold::dkg::solo(&crate::actors::COMMITTEE_SEED, 0);
	let mut rng = ChaCha20Rng::seed_from_u64(u64::from(sel));
	let bound = match sel % 8 {
		0 => return None,
		1 => b"grafted from another record".as_slice(),
		_ => cid,
	};
	let digest = medchain_threshold::record_digest(&patient.encode(), &author.encode(), bound);
	let label = medchain_threshold::label(medchain_threshold::Purpose::Record, 0, &digest);
	let mut ct =
		medchain_threshold::encrypt(&key.public, &label, &[sel as u8; 32], &mut rng).ok()?;
	if sel % 8 == 2 {
		ct.f[0] ^= 1;
	}
	Some(ct)
}

/// A reader's one-time key, or none (an old client).
fn release_key(sel: u8) -> Option<medchain_primitives::ReleaseKey> {
	(!sel.is_multiple_of(4)).then_some([sel; 32])
}

fn envelope(n: u8) -> Envelope {
	[n; ENVELOPE_LEN]
}

fn now() -> u32 {
	System::block_number()
}

/// Picks one of `ids` (the ones that exist), or now and then an id that may not exist.
fn pick(ids: &[u64], sel: u8) -> u64 {
	if ids.is_empty() || sel >= 248 {
		u64::from(sel % 4) + ids.last().copied().unwrap_or(0)
	} else {
		ids[sel as usize % ids.len()]
	}
}

/// Who would read `record`: its patient, its author, or (mostly) a grantee of one of its
/// patient's grants, or anyone when there is none.
fn reader_of(record: RecordId, b: u8) -> AccountId {
	let entry = pallet_records::Records::<Runtime>::get(record);
	match (b % 4, &entry) {
		(0, Some(r)) => r.patient.clone(),
		(1, Some(r)) => r.author.clone(),
		(_, Some(r)) => {
			let mut grantees: Vec<AccountId> = pallet_consent::Grants::<Runtime>::iter_values()
				.filter(|g| g.patient == r.patient)
				.map(|g| g.grantee)
				.collect();
			grantees.sort();
			grantees
				.get(b as usize % grantees.len().max(1))
				.cloned()
				.unwrap_or_else(|| choose(b, PRACTITIONERS).account())
		}
		_ => choose(b, SIGNERS).account(),
	}
}

/// The signer: `natural` (who a client would sign with) unless the selector says otherwise.
fn signer_or(natural: &AccountId, sel: u8) -> Actor {
	match actor_of(natural) {
		Some(actor) if sel < 224 => actor,
		_ => SIGNERS[sel as usize % SIGNERS.len()],
	}
}

fn sorted<I: Iterator<Item = u64>>(ids: I) -> Vec<u64> {
	let mut ids: Vec<u64> = ids.collect();
	ids.sort_unstable();
	ids
}

fn details(sel: u8) -> pallet_registry::DetailsOf<Runtime> {
	PractitionerDetails {
		name: bytes(if sel % 16 == 1 { 0 } else { 1 + sel % 20 }, b'n'),
		specialization: bytes(sel % 10, b's'),
		licence: bytes(if sel % 16 == 2 { 0 } else { 1 + sel % 10 }, b'l'),
	}
}

fn verifiers() -> Vec<Actor> {
	let mut v: Vec<Actor> =
		pallet_registry::Verifiers::<Runtime>::iter_keys().filter_map(|a| actor_of(&a)).collect();
	v.sort();
	if v.is_empty() {
		v.push(Actor::Verifier);
	}
	v
}

/// `who` for a verifier decision: a practitioner, or now and then anyone.
fn decided(sel: u8) -> AccountId {
	choose(sel, PRACTITIONERS).account()
}

fn patient_records(patient: &AccountId) -> Vec<(RecordId, RecordKind)> {
	let mut records: Vec<(RecordId, RecordKind)> =
		pallet_records::PatientRecords::<Runtime>::iter_key_prefix(patient)
			.filter_map(|id| pallet_records::Records::<Runtime>::get(id).map(|r| (id, r.kind)))
			.collect();
	records.sort_unstable_by_key(|(id, _)| *id);
	records
}

/// A scope over `patient`'s data: mostly the broad ones, sometimes listed records (a subset
/// chosen by the bits of `bits`, or a bad list).
fn scope(sel: u8, patient: &AccountId, bits: u32) -> Scope {
	match sel % 9 {
		0 | 1 => Scope::Reports,
		2 | 3 => Scope::Prescriptions,
		4 => Scope::Profile,
		5 | 6 => Scope::Write,
		7 => Scope::Records(BoundedVec::truncate_from(
			patient_records(patient)
				.into_iter()
				.enumerate()
				.filter(|(i, _)| bits & (1 << (i % 32)) != 0)
				.map(|(_, (id, _))| id)
				.collect(),
		)),
		_ => Scope::Records(BoundedVec::truncate_from(match bits % 3 {
			0 => vec![],
			1 => vec![u64::from(bits >> 8) % 64],
			_ => vec![0, 0],
		})),
	}
}

/// A scope that lists records (as [`scope`] picks them), whatever `sel` says.
fn scope_list(sel: u8, patient: &AccountId, bits: u32) -> Scope {
	scope(7 + sel % 2, patient, bits)
}

/// Envelopes for the records of `patient` that `scope` covers (a subset by the bits of `bits`),
/// and now and then one it does not cover, a duplicate or an unknown record.
fn envelopes(
	patient: &AccountId,
	scope: &Scope,
	bits: u32,
) -> BoundedVec<(RecordId, Envelope), <Runtime as pallet_consent::Config>::MaxEnvelopes> {
	let records = patient_records(patient);
	let mut list: Vec<(RecordId, Envelope)> = records
		.iter()
		.filter(|(id, kind)| scope.covers_record(*id, *kind))
		.enumerate()
		.filter(|(i, _)| bits & (1 << (i % 24)) != 0)
		.map(|(_, (id, _))| (*id, envelope(*id as u8)))
		.collect();
	match bits >> 28 {
		0 => list.push((records.first().map_or(0, |r| r.0), envelope(7))),
		1 if !list.is_empty() => list.push(list[0]),
		2 => list.push((u64::from(bits) % 97, envelope(9))),
		_ => {}
	}
	BoundedVec::truncate_from(list)
}

fn max_uses(sel: u8, n: u32) -> Option<u32> {
	match sel % 8 {
		0..=3 => None,
		4 | 5 => Some(1),
		6 => Some(2 + n % 3),
		_ => Some(0),
	}
}

/// Admin calls go through sudo when the root key signs; anyone else is refused.
fn admin(signer: Actor, call: RuntimeCall) -> RuntimeCall {
	if signer == Actor::Root {
		RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) })
	} else {
		call
	}
}

/// How deep raw calls may nest (sudo of sudo of ...), as the executive decodes extrinsics.
const MAX_CALL_DEPTH: u32 = 256;

/// The pallets a raw call's first byte is drawn from: every pallet of the runtime.
const PALLET_INDICES: &[u8] = &[0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14];

/// What throw-away account `sel` does: register as a patient first, then `act`.
fn sybil(sel: u8, act: impl FnOnce(Actor) -> Step) -> Step {
	let sybil = SYBILS[sel as usize % SYBILS.len()];
	if pallet_registry::Accounts::<Runtime>::contains_key(sybil.account()) {
		return act(sybil);
	}
	let register =
		pallet_registry::Call::register_patient { encryption_key: [sel; 32], profile: None };
	Step::Call { signer: sybil, call: Box::new(RuntimeCall::Registry(register)) }
}

pub fn resolve(op: &Op) -> Step {
	use pallet_appointments::Call as A;
	use pallet_consent::Call as C;
	use pallet_records::Call as R;
	use pallet_registry::Call as G;
	let (actor, a, b, n) = (op.actor, op.a, op.b, op.n);
	let call = |signer: Actor, call: RuntimeCall| Step::Call { signer, call: Box::new(call) };
	match op.kind {
		Kind::NextBlock => Step::Block {
			advance: 1,
			idle: match a % 16 {
				0 => Idle::Zero,
				1 => Idle::Limited(Weight::from_parts(u64::from(b) * 2_000_000, u64::MAX)),
				_ => Idle::Full,
			},
		},
		Kind::Jump => Step::Block { advance: jump(a) + u32::from(b % 4), idle: Idle::Full },

		Kind::RegisterPatient => call(
			choose(actor, PATIENTS),
			RuntimeCall::Registry(G::register_patient {
				encryption_key: [b; 32],
				profile: if a % 8 == 0 { None } else { Some(maybe_bad_cid(a, 16)) },
			}),
		),
		Kind::Apply => {
			let signer = choose(actor, PRACTITIONERS);
			let role = if a % 8 == 0 {
				[
					medchain_primitives::Role::Patient,
					medchain_primitives::Role::Doctor,
					medchain_primitives::Role::Hospital,
					medchain_primitives::Role::Pharmacy,
				][b as usize % 4]
			} else {
				signer.natural_role()
			};
			call(
				signer,
				RuntimeCall::Registry(G::apply {
					role,
					encryption_key: [b; 32],
					profile: if a % 2 == 0 { None } else { Some(cid(a)) },
					credentials: maybe_bad_cid(b, 32),
					details: details(a),
				}),
			)
		}
		Kind::UpdateCredentials => call(
			choose(actor, PRACTITIONERS),
			RuntimeCall::Registry(G::update_credentials {
				credentials: maybe_bad_cid(b, 32),
				details: details(a),
			}),
		),
		Kind::UpdateKeys => call(
			choose(actor, SIGNERS),
			RuntimeCall::Registry(G::update_keys {
				encryption_key: [a; 32],
				profile: if b % 2 == 0 { None } else { Some(maybe_bad_cid(b, 16)) },
			}),
		),
		Kind::Deregister => call(choose(actor, SIGNERS), RuntimeCall::Registry(G::deregister {})),
		Kind::Verify => call(
			choose(actor, &verifiers()),
			RuntimeCall::Registry(G::verify {
				who: decided(a),
				until: if b % 4 == 0 { Some(now() + delta(b / 4)) } else { None },
			}),
		),
		Kind::Reject => call(
			choose(actor, &verifiers()),
			RuntimeCall::Registry(G::reject { who: decided(a), reason: bytes(b % 32, b'r') }),
		),
		Kind::Suspend => call(
			choose(actor, &verifiers()),
			RuntimeCall::Registry(G::suspend { who: decided(a), reason: bytes(b % 32, b's') }),
		),
		Kind::RevokePractitioner => call(
			choose(actor, &verifiers()),
			RuntimeCall::Registry(G::revoke { who: decided(a), reason: bytes(b % 32, b'v') }),
		),
		Kind::AddVerifier => {
			let signer = choose(actor, &[Actor::Root]);
			let who = crate::actors::ALL[a as usize % crate::actors::ALL.len()].account();
			call(signer, admin(signer, RuntimeCall::Registry(G::add_verifier { who })))
		}
		Kind::RemoveVerifier => {
			let signer = choose(actor, &[Actor::Root]);
			let who = choose(a, &verifiers()).account();
			call(signer, admin(signer, RuntimeCall::Registry(G::remove_verifier { who })))
		}

		Kind::RequestAppointment => call(
			choose(actor, PATIENTS),
			RuntimeCall::Appointments(A::request {
				doctor: choose(a, DOCTORS).account(),
				at: if n % 64 == 0 { 0 } else { u64::from(n) },
				reason: bytes(b % 48, b'a'),
			}),
		),
		Kind::Accept
		| Kind::Decline
		| Kind::CancelAppointment
		| Kind::Complete
		| Kind::ReportSpam
		| Kind::ClearAppointment => {
			let ids = sorted(pallet_appointments::Appointments::<Runtime>::iter_keys());
			let id = pick(&ids, a);
			let appointment = pallet_appointments::Appointments::<Runtime>::get(id);
			let (patient, doctor) = appointment
				.map(|x| (x.patient, x.doctor))
				.unwrap_or((Actor::Patient1.account(), Actor::Doctor1.account()));
			let (natural, c) = match op.kind {
				Kind::Accept => (doctor, A::accept { id }),
				Kind::Decline => {
					(doctor, A::decline { id, note: (b % 2 == 0).then(|| bytes(b % 40, b'd')) })
				}
				Kind::CancelAppointment => {
					(if b % 2 == 0 { patient } else { doctor }, A::cancel { id })
				}
				Kind::Complete => (doctor, A::complete { id }),
				Kind::ReportSpam => (doctor, A::report_spam { id }),
				_ => (patient, A::clear { id }),
			};
			call(signer_or(&natural, actor), RuntimeCall::Appointments(c))
		}

		Kind::AddRecord => {
			let signer = choose(actor, DOCTORS);
			let patient = choose(a, PATIENTS).account();
			let kind = [
				RecordKind::Report,
				RecordKind::Prescription,
				RecordKind::LabResult,
				RecordKind::Imaging,
				RecordKind::Referral,
			][b as usize % 5];
			let quantity = match (kind, n % 32) {
				(RecordKind::Prescription, 0) => None,
				(RecordKind::Prescription, 1) => Some(0),
				(RecordKind::Prescription, _) => Some(1 + (n >> 8) % 40),
				(_, 0) => Some(1),
				_ => None,
			};
			// Corrections: mostly of a record this author wrote for this patient.
			let supersedes = match (n >> 5) % 8 {
				0 | 1 => {
					let own: Vec<u64> = patient_records(&patient)
						.into_iter()
						.filter(|(id, k)| {
							*k == kind
								&& pallet_records::Records::<Runtime>::get(id)
									.is_some_and(|r| r.author == signer.account())
						})
						.map(|(id, _)| id)
						.collect();
					own.last().copied()
				}
				2 => Some(u64::from(n >> 16) % 16),
				_ => None,
			};
			let cid = maybe_bad_cid(b, 64);
			let lock = lock(n, &patient, &signer.account(), &cid);
			call(
				signer,
				RuntimeCall::Records(R::add_record {
					patient,
					kind,
					cid,
					size: if n % 61 == 0 { 0 } else { u64::from(n % 100_000) + 1 },
					title: bytes(b % 24, b't'),
					quantity,
					patient_envelope: envelope(1),
					author_envelope: envelope(2),
					supersedes,
					lock,
				}),
			)
		}
		Kind::ReadRecord => {
			let ids = sorted(pallet_records::Records::<Runtime>::iter_keys());
			let record = pick(&ids, a);
			let reader = reader_of(record, b);
			call(
				signer_or(&reader, actor),
				RuntimeCall::Records(R::record_read { record, release: release_key(b) }),
			)
		}
		Kind::ReadRecords => {
			// Mostly a run of one patient's records; sometimes an empty batch, a stranger's
			// record or an unknown id among them.
			let ids = sorted(pallet_records::Records::<Runtime>::iter_keys());
			let first = pick(&ids, a);
			let patient = pallet_records::Records::<Runtime>::get(first).map(|r| r.patient);
			let mut batch: Vec<RecordId> = ids
				.iter()
				.copied()
				.filter(|id| {
					*id != first
						&& pallet_records::Records::<Runtime>::get(id).map(|r| r.patient) == patient
				})
				.take(n as usize % 5)
				.collect();
			batch.insert(0, first);
			match b % 16 {
				0 => batch.clear(),
				1 => batch.push(pick(&ids, b.wrapping_mul(7))),
				2 => batch.push(u64::from(n)),
				_ => {}
			}
			let reader = reader_of(first, b);
			let records = BoundedVec::truncate_from(batch);
			call(
				signer_or(&reader, actor),
				RuntimeCall::Records(R::record_reads { records, release: release_key(a) }),
			)
		}
		Kind::Dispense => {
			let ids = sorted(pallet_records::Prescriptions::<Runtime>::iter_keys());
			let record = pick(&ids, a);
			let left = pallet_records::Prescriptions::<Runtime>::get(record)
				.map_or(1, |d| d.prescribed.saturating_sub(d.dispensed));
			let quantity = match b % 8 {
				0 => 0,
				1 => left + 1,
				2 => left,
				_ => 1 + n % left.max(1),
			};
			call(
				choose(actor, &[Actor::Pharmacy]),
				RuntimeCall::Records(R::dispense { record, quantity, release: release_key(a) }),
			)
		}

		Kind::RequestAccess => {
			let patient = choose(a, PATIENTS).account();
			call(
				choose(actor, PRACTITIONERS),
				RuntimeCall::Consent(C::request_access {
					scope: scope(b, &patient, n),
					patient,
					purpose: bytes(b % 32, b'p'),
					duration: delta((n >> 24) as u8),
				}),
			)
		}
		Kind::CancelRequest | Kind::Grant | Kind::Deny | Kind::ClearRequest => {
			// Grant, deny and cancel want pending requests; clear wants closed ones.
			let want_pending = op.kind != Kind::ClearRequest;
			let all: Vec<(u64, bool)> = pallet_consent::Requests::<Runtime>::iter()
				.map(|(id, r)| (id, r.status == RequestStatus::Pending))
				.collect();
			let preferred =
				sorted(all.iter().filter(|(_, p)| *p == want_pending).map(|(id, _)| *id));
			let ids = if preferred.is_empty() || b % 8 == 0 {
				sorted(all.iter().map(|(id, _)| *id))
			} else {
				preferred
			};
			let request = pick(&ids, a);
			let entry = pallet_consent::Requests::<Runtime>::get(request);
			let (patient, requester, scope) = entry
				.map(|r| (r.patient, r.requester, r.scope))
				.unwrap_or((Actor::Patient1.account(), Actor::Doctor1.account(), Scope::Reports));
			let (natural, c) = match op.kind {
				Kind::CancelRequest => (requester, C::cancel_request { request }),
				Kind::ClearRequest => (requester, C::clear_request { request }),
				Kind::Deny => (patient, C::deny { request, reason: bytes(b % 32, b'x') }),
				_ => {
					// Now and then the patient narrows the request to listed records (any
					// records: the ones it did not ask for must be refused).
					let only = match scope_list(b, &patient, n) {
						Scope::Records(ids) if b.is_multiple_of(4) => Some(ids),
						_ => None,
					};
					let granted = match &only {
						Some(ids) => Scope::Records(ids.clone()),
						None => scope,
					};
					(
						patient.clone(),
						C::grant {
							request,
							expires_at: now() + delta(b),
							max_uses: max_uses(b >> 4, n),
							envelopes: envelopes(&patient, &granted, n),
							only,
						},
					)
				}
			};
			call(signer_or(&natural, actor), RuntimeCall::Consent(c))
		}
		Kind::GrantAccess => {
			let signer = choose(actor, PATIENTS);
			let patient = signer.account();
			let scope = scope(b, &patient, n);
			call(
				signer,
				RuntimeCall::Consent(C::grant_access {
					grantee: choose(a, PRACTITIONERS).account(),
					expires_at: now() + delta(a / 8),
					max_uses: max_uses(b >> 4, n),
					envelopes: envelopes(&patient, &scope, n.rotate_left(7)),
					scope,
				}),
			)
		}
		Kind::RevokeGrant | Kind::AddEnvelopes | Kind::Renounce => {
			let ids = sorted(pallet_consent::Grants::<Runtime>::iter_keys());
			let grant = pick(&ids, a);
			let entry = pallet_consent::Grants::<Runtime>::get(grant);
			let (patient, grantee, scope) = entry
				.map(|g| (g.patient, g.grantee, g.scope))
				.unwrap_or((Actor::Patient1.account(), Actor::Doctor1.account(), Scope::Reports));
			let (natural, c) = match op.kind {
				Kind::RevokeGrant => (patient, C::revoke { grant }),
				Kind::Renounce => (grantee, C::renounce { grant }),
				_ => (
					patient.clone(),
					C::add_envelopes { grant, envelopes: envelopes(&patient, &scope, n) },
				),
			};
			call(signer_or(&natural, actor), RuntimeCall::Consent(c))
		}
		Kind::Emergency => call(
			choose(actor, DOCTORS),
			RuntimeCall::Consent(C::emergency_access {
				patient: choose(a, PATIENTS).account(),
				justification: bytes(if b % 16 == 0 { 0 } else { 1 + b % 40 }, b'e'),
			}),
		),

		Kind::AddRecords => {
			let signer = choose(actor, DOCTORS);
			let patient = choose(a, PATIENTS).account();
			let next = pallet_records::NextRecordId::<Runtime>::get();
			// Mostly a visit's few documents; sometimes none (refused) or a correction of the
			// batch's previous record, or one bad record that must undo the whole batch.
			let len = if n % 29 == 0 { 0 } else { 1 + n % 4 };
			let records = (0..len)
				.map(|i| {
					let bits = n.rotate_right(i * 5);
					let prescription = bits % 3 == 0;
					pallet_records::NewRecord {
						kind: if prescription {
							RecordKind::Prescription
						} else {
							RecordKind::Report
						},
						cid: maybe_bad_cid(b.wrapping_add(i as u8), 96),
						size: if bits % 97 == 0 { 0 } else { u64::from(bits % 5_000) + 1 },
						title: bytes(b % 24, b't'),
						quantity: prescription.then_some(1 + bits % 20),
						patient_envelope: envelope(1),
						author_envelope: envelope(2),
						supersedes: (i > 0 && (bits >> 8) % 4 == 0)
							.then(|| next + u64::from(i) - 1),
						lock: None,
					}
				})
				.collect::<Vec<_>>();
			call(
				signer,
				RuntimeCall::Records(R::add_records {
					patient,
					records: BoundedVec::truncate_from(records),
				}),
			)
		}
		// A throw-away account registers as a patient, then books one of the doctors: many of
		// them together try to jam a doctor's queue (finding 1 of the second review).
		Kind::SybilBook => sybil(a, |sybil| {
			call(
				sybil,
				RuntimeCall::Appointments(A::request {
					doctor: choose(b, DOCTORS).account(),
					at: u64::from(n),
					reason: bytes(8, b'a'),
				}),
			)
		}),
		// Throw-away patients push unasked grants onto one practitioner, to keep it from
		// leaving or to fill what it holds (finding 7).
		Kind::SybilGrant => sybil(a, |sybil| {
			call(
				sybil,
				RuntimeCall::Consent(C::grant_access {
					grantee: choose(b, PRACTITIONERS).account(),
					scope: Scope::Profile,
					expires_at: now() + delta(n as u8).max(1),
					max_uses: None,
					envelopes: BoundedVec::new(),
				}),
			)
		}),
		// Links of a few ids (so some collide), served by any account; opened and failed
		// mostly by their host, revoked mostly by their patient.
		Kind::CreateLink => call(
			choose(actor, PATIENTS),
			RuntimeCall::ShareLinks(pallet_share_links::Call::create {
				link: [a % 8; 32],
				host: crate::actors::ALL[b as usize % crate::actors::ALL.len()].account(),
				expires_at: now() + delta(n as u8),
				uses: (n >> 8) % 6,
				passcode: b % 2 == 0,
				sealed: bytes(b % 64, b's'),
			}),
		),
		Kind::OpenLink | Kind::FailPasscode | Kind::RevokeLink => {
			let mut ids: Vec<[u8; 32]> =
				pallet_share_links::Links::<Runtime>::iter_keys().collect();
			ids.sort_unstable();
			let link = ids.get(a as usize % ids.len().max(1)).copied().unwrap_or([a % 8; 32]);
			let (patient, host) = pallet_share_links::Links::<Runtime>::get(link)
				.map(|l| (l.patient, l.host))
				.unwrap_or((Actor::Patient1.account(), Actor::Hospital.account()));
			let recipient = [b; medchain_primitives::SEALED_NAME_LEN];
			let (natural, c) = match op.kind {
				Kind::OpenLink => {
					(host, pallet_share_links::Call::record_opening { link, recipient })
				}
				Kind::FailPasscode => {
					(host, pallet_share_links::Call::record_failure { link, recipient })
				}
				_ => (patient, pallet_share_links::Call::revoke { link }),
			};
			call(signer_or(&natural, actor), RuntimeCall::ShareLinks(c))
		}
		Kind::AddToSummary | Kind::RemoveFromSummary => {
			let mut ids: Vec<RecordId> =
				pallet_key_release::Locks::<Runtime>::iter_keys().collect();
			ids.sort_unstable();
			let record = pick(&ids, a);
			let lock = pallet_key_release::Locks::<Runtime>::get(record);
			let patient = lock.as_ref().map(|l| l.patient.clone());
			let c = if op.kind == Kind::AddToSummary {
				use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
				let (_, key) = medchain_threshold::dkg::solo(&crate::actors::COMMITTEE_SEED, 0);
				let digest = lock.map(|l| l.digest).unwrap_or([b; 32]);
				// Mostly the emergency purpose; sometimes the record's own (refused).
				let purpose = if n % 5 == 0 {
					medchain_threshold::Purpose::Record
				} else {
					medchain_threshold::Purpose::Emergency
				};
				let label = medchain_threshold::label(purpose, 0, &digest);
				let mut rng = ChaCha20Rng::seed_from_u64(u64::from(n));
				let sealed = medchain_threshold::encrypt(&key.public, &label, &[b; 32], &mut rng)
					.expect("the committee key is a point");
				pallet_key_release::Call::add_to_summary { record, sealed }
			} else {
				pallet_key_release::Call::remove_from_summary { record }
			};
			let natural = patient.unwrap_or_else(|| Actor::Patient1.account());
			call(signer_or(&natural, actor), RuntimeCall::KeyRelease(c))
		}
		Kind::Transfer => {
			let signer = choose(actor, SIGNERS);
			let dest = MultiAddress::Id(
				crate::actors::ALL[a as usize % crate::actors::ALL.len()].account(),
			);
			let free = pallet_balances::Pallet::<Runtime>::free_balance(signer.account());
			let value = match b % 4 {
				// Everything: the sender may be reaped, or keep only its holds.
				0 => free,
				1 => EXISTENTIAL_DEPOSIT / 2 + u128::from(n % 1000),
				_ => u128::from(n % 10_000) * MILLI_UNIT,
			};
			let call_ = if b % 8 < 4 {
				pallet_balances::Call::transfer_allow_death { dest, value }
			} else {
				pallet_balances::Call::transfer_keep_alive { dest, value }
			};
			call(signer, RuntimeCall::Balances(call_))
		}
		Kind::Raw => {
			let mut raw = vec![PALLET_INDICES[a as usize % PALLET_INDICES.len()], b % 16];
			raw.extend_from_slice(&op.blob);
			match RuntimeCall::decode_with_depth_limit(MAX_CALL_DEPTH, &mut &raw[..]) {
				Ok(c) => call(choose(actor, SIGNERS), c),
				Err(_) => Step::Undecodable,
			}
		}
	}
}

/// The story every case starts from, so that random operations reach grants, reads and
/// dispenses: two registered patients, a verified doctor, hospital and pharmacy, an accepted
/// appointment, and a report and a prescription. Doctor2, Patient3 and Poor start unregistered
/// so the registration paths stay reachable.
pub fn setup() -> Vec<(Actor, RuntimeCall)> {
	use pallet_appointments::Call as A;
	use pallet_records::Call as R;
	use pallet_registry::Call as G;
	use Actor::*;
	let mut calls = Vec::new();
	for patient in [Patient1, Patient2] {
		calls.push((
			patient,
			RuntimeCall::Registry(G::register_patient {
				encryption_key: [patient as u8; 32],
				profile: None,
			}),
		));
	}
	for practitioner in [Doctor1, Hospital, Pharmacy] {
		calls.push((
			practitioner,
			RuntimeCall::Registry(G::apply {
				role: practitioner.natural_role(),
				encryption_key: [practitioner as u8; 32],
				profile: None,
				credentials: cid(practitioner as u8),
				details: details(3),
			}),
		));
		calls.push((
			Verifier,
			RuntimeCall::Registry(G::verify { who: practitioner.account(), until: None }),
		));
	}
	calls.push((
		Patient1,
		RuntimeCall::Appointments(A::request {
			doctor: Doctor1.account(),
			at: 1,
			reason: bytes(8, b'a'),
		}),
	));
	calls.push((Doctor1, RuntimeCall::Appointments(A::accept { id: 0 })));
	for (kind, quantity) in [(RecordKind::Report, None), (RecordKind::Prescription, Some(10))] {
		calls.push((
			Doctor1,
			RuntimeCall::Records(R::add_record {
				patient: Patient1.account(),
				kind,
				cid: cid(kind as u8 + 100),
				size: 1000,
				title: bytes(8, b't'),
				quantity,
				patient_envelope: envelope(1),
				author_envelope: envelope(2),
				supersedes: None,
				lock: None,
			}),
		));
	}
	// The pharmacy may dispense the prescription (record 1) until the grant ends.
	calls.push((
		Patient1,
		RuntimeCall::Consent(pallet_consent::Call::grant_access {
			grantee: Pharmacy.account(),
			scope: Scope::Prescriptions,
			expires_at: 1 + 90 * DAYS,
			max_uses: None,
			envelopes: BoundedVec::truncate_from(vec![(1, envelope(3))]),
		}),
	));
	calls
}
