//! What must hold after every block: each pallet's own `do_try_state`, plus two checks that no
//! pallet can make about itself: the token supply is conserved, and every hold on every account
//! is one that some pallet item accounts for (and nothing a pallet thinks it holds is missing).

use codec::Encode;
use medchain_runtime::{
	AccountId, Appointments, Balance, Consent, Records, Registry, Runtime, RuntimeHoldReason,
};
use std::collections::BTreeMap;

pub fn check(expected_issuance: Balance) -> Result<(), String> {
	Registry::do_try_state().map_err(|e| format!("registry try_state: {e:?}"))?;
	Appointments::do_try_state().map_err(|e| format!("appointments try_state: {e:?}"))?;
	Records::do_try_state().map_err(|e| format!("records try_state: {e:?}"))?;
	Consent::do_try_state().map_err(|e| format!("consent try_state: {e:?}"))?;
	issuance(expected_issuance)?;
	holds()
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
