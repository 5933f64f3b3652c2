//! What must hold after every block: each pallet's own `do_try_state`, plus two checks that no
//! pallet can make about itself: the token supply is conserved, and every hold on every account
//! is one that some pallet item accounts for (and nothing a pallet thinks it holds is missing).

use codec::{Decode, Encode};
use frame_support::traits::{Get, PalletInfoAccess};
use medchain_runtime::{
	AccountId, Appointments, Balance, Consent, KeyRelease, Records, Registry, Runtime, RuntimeCall,
	RuntimeHoldReason, ShareLinks, System,
};
use sp_runtime::DispatchError;
use std::collections::BTreeMap;

pub fn check(expected_issuance: Balance) -> Result<(), String> {
	Registry::do_try_state().map_err(|e| format!("registry try_state: {e:?}"))?;
	Appointments::do_try_state().map_err(|e| format!("appointments try_state: {e:?}"))?;
	Records::do_try_state().map_err(|e| format!("records try_state: {e:?}"))?;
	Consent::do_try_state().map_err(|e| format!("consent try_state: {e:?}"))?;
	ShareLinks::do_try_state().map_err(|e| format!("share links try_state: {e:?}"))?;
	KeyRelease::do_try_state().map_err(|e| format!("key release try_state: {e:?}"))?;
	issuance(expected_issuance)?;
	holds()?;
	paid_records()
}

/// No free permanent storage: every record (all written under this runtime, which charges for
/// them) carries the full deposit, and `holds` checked that its author's balance holds it.
fn paid_records() -> Result<(), String> {
	let price = <Runtime as pallet_records::Config>::RecordDeposit::get();
	for (id, r) in pallet_records::Records::<Runtime>::iter() {
		if r.deposit != price {
			return Err(format!("record {id} is stored for {} instead of {price}", r.deposit));
		}
	}
	Ok(())
}

/// A refusal for a full limit is real: the limit is full of *live* items. Grants that expired
/// but that the sweep has not reached yet must not count (the second review).
pub fn limit_refusal(
	call: &RuntimeCall,
	signer: &AccountId,
	error: &DispatchError,
) -> Result<(), String> {
	use pallet_consent::{Call as C, Error as E, Grants};
	let DispatchError::Module(module) = error else { return Ok(()) };
	let Ok(e) = E::<Runtime>::decode(&mut &module.error[..]) else { return Ok(()) };
	if module.index != <Consent as PalletInfoAccess>::index() as u8 {
		return Ok(());
	}
	let now = System::block_number();
	let live = || Grants::<Runtime>::iter_values().filter(move |g| now < g.expires_at);
	let (patient, grantee) = match call {
		RuntimeCall::Consent(C::grant { request, .. }) => {
			let Some(r) = pallet_consent::Requests::<Runtime>::get(request) else { return Ok(()) };
			(r.patient, r.requester)
		}
		RuntimeCall::Consent(C::grant_access { grantee, .. }) => (signer.clone(), grantee.clone()),
		RuntimeCall::Consent(C::emergency_access { patient, .. }) => {
			(patient.clone(), signer.clone())
		}
		_ => return Ok(()),
	};
	type Cfg = Runtime;
	let (count, max) = match e {
		E::TooManyGrants => (
			live().filter(|g| g.patient == patient && !g.emergency).count(),
			<Cfg as pallet_consent::Config>::MaxGrantsPerPatient::get(),
		),
		E::TooManyEmergencies => (
			live().filter(|g| g.patient == patient && g.emergency).count(),
			<Cfg as pallet_consent::Config>::MaxEmergencyPerPatient::get(),
		),
		E::TooManyGrantsForGrantee => (
			live().filter(|g| g.patient == patient && g.grantee == grantee).count(),
			<Cfg as pallet_consent::Config>::MaxGrantsPerPair::get(),
		),
		E::TooManyUnaskedGrants => (
			live().filter(|g| g.grantee == grantee && g.is_unasked()).count(),
			<Cfg as pallet_consent::Config>::MaxUnaskedPerGrantee::get(),
		),
		_ => return Ok(()),
	};
	if (count as u32) < max {
		return Err(format!("refused with {e:?} while only {count} of {max} live items count"));
	}
	Ok(())
}

/// Nothing is minted; only burns and dust reduce the supply; and the supply is exactly what the
/// accounts own.
fn issuance(expected: Balance) -> Result<(), String> {
	let total = pallet_balances::TotalIssuance::<Runtime>::get();
	if total != expected {
		return Err(format!("total issuance {total}, expected {expected}"));
	}
	let owned: Balance = frame_system::Account::<Runtime>::iter_values()
		.map(|a| a.data.free + a.data.reserved)
		.sum();
	if owned != total {
		return Err(format!("accounts own {owned}, total issuance is {total}"));
	}
	Ok(())
}

type Key = (AccountId, Vec<u8>);

fn add(
	map: &mut BTreeMap<Key, Balance>,
	who: &AccountId,
	reason: RuntimeHoldReason,
	amount: Balance,
) {
	if amount > 0 {
		*map.entry((who.clone(), reason.encode())).or_default() += amount;
	}
}

/// Each account's holds are its reserved balance (this runtime has no named reserves), and per
/// account and reason they are exactly the deposits the pallets' items recorded.
fn holds() -> Result<(), String> {
	let mut held: BTreeMap<Key, Balance> = BTreeMap::new();
	for (who, holds) in pallet_balances::Holds::<Runtime>::iter() {
		let sum: Balance = holds.iter().map(|h| h.amount).sum();
		let account = frame_system::Account::<Runtime>::get(&who);
		if sum != account.data.reserved {
			return Err(format!("{who:?} holds {sum} but has {} reserved", account.data.reserved));
		}
		for h in holds.iter() {
			add(&mut held, &who, h.id, h.amount);
		}
	}

	let mut recorded: BTreeMap<Key, Balance> = BTreeMap::new();
	for (who, info) in pallet_registry::Accounts::<Runtime>::iter() {
		add(&mut recorded, &who, pallet_registry::HoldReason::Registration.into(), info.deposit);
	}
	for a in pallet_appointments::Appointments::<Runtime>::iter_values() {
		add(
			&mut recorded,
			&a.patient,
			pallet_appointments::HoldReason::Appointment.into(),
			a.deposit,
		);
	}
	for r in pallet_consent::Requests::<Runtime>::iter_values() {
		add(&mut recorded, &r.requester, pallet_consent::HoldReason::Request.into(), r.deposit);
	}
	for g in pallet_consent::Grants::<Runtime>::iter_values() {
		add(&mut recorded, g.depositor(), pallet_consent::HoldReason::Grant.into(), g.deposit);
	}
	for r in pallet_records::Records::<Runtime>::iter_values() {
		add(&mut recorded, &r.author, pallet_records::HoldReason::Record.into(), r.deposit);
	}
	for l in pallet_share_links::Links::<Runtime>::iter_values() {
		add(&mut recorded, &l.patient, pallet_share_links::HoldReason::Link.into(), l.deposit);
	}
	for lock in pallet_key_release::Locks::<Runtime>::iter_values() {
		if let Some((_, deposit)) = lock.emergency {
			let reason = pallet_key_release::HoldReason::EmergencySummary.into();
			add(&mut recorded, &lock.patient, reason, deposit);
		}
	}

	if held != recorded {
		let keys: std::collections::BTreeSet<&Key> = held.keys().chain(recorded.keys()).collect();
		for key in keys {
			let (h, r) =
				(held.get(key).copied().unwrap_or(0), recorded.get(key).copied().unwrap_or(0));
			if h != r {
				let reason = <RuntimeHoldReason as codec::Decode>::decode(&mut &key.1[..]);
				return Err(format!(
					"{:?} has {h} held for {reason:?}, its items recorded {r}",
					key.0
				));
			}
		}
	}
	Ok(())
}
