//! The runtime fuzzer: random sequences of MedChain calls (every call of the registry,
//! appointments, records and consent pallets, balance transfers, and arbitrary bytes decoded as
//! `RuntimeCall`) dispatched against the native runtime while blocks advance. After every
//! block each pallet's `do_try_state` must hold, the token supply must be conserved and every
//! hold accounted for; every call must stay within its pre-dispatch weight and none may panic.
//!
//! `cargo test --test fuzz` runs a short campaign with a fixed seed; `scripts/fuzz.sh` runs a
//! long one (`MEDCHAIN_FUZZ_CALLS=1000000`) and prints its figures. See docs/reliability.md.

#[path = "fuzz/actors.rs"]
mod actors;
#[path = "fuzz/calls.rs"]
mod calls;
#[path = "fuzz/campaign.rs"]
mod campaign;
#[path = "fuzz/chain.rs"]
mod chain;
#[path = "fuzz/invariants.rs"]
mod invariants;
#[path = "fuzz/ops.rs"]
mod ops;
#[path = "fuzz/stats.rs"]
mod stats;

/// Calls of the short campaign `cargo test` runs (well under a minute in release).
const SHORT_CAMPAIGN_CALLS: u64 = 20_000;

#[test]
fn campaign() {
	let settings = campaign::Settings::from_env(SHORT_CAMPAIGN_CALLS, file!());
	match campaign::run(&settings) {
		Ok((stats, elapsed)) => {
			stats.print(elapsed);
			// The campaign only proves something if it reaches the deep states.
			for call in [
				"Consent.grant",
				"Consent.grant_access",
				"Consent.emergency_access",
				"Records.record_read",
				"Records.record_reads",
				"Records.dispense",
				"Appointments.complete",
				"Registry.deregister",
			] {
				let ok = stats.per_call.get(call).map_or(0, |c| c.0);
				assert!(ok > 0, "the campaign never succeeded in {call}");
			}
		}
		Err(e) => panic!("fuzz: {e}"),
	}
}

/// Minimal cases the campaign found, shrunk by proptest, kept so they never come back.
mod regressions {
	use crate::{
		campaign::execute,
		ops::{Kind::*, Op},
	};

	/// A verified pharmacy left and registered as a patient: the registry's invariant wrongly
	/// required a registered account to have no past standing.
	#[test]
	fn practitioner_back_as_patient() {
		let case = [Op::new(Deregister, 240, 0, 0, 0), Op::new(RegisterPatient, 240, 0, 0, 0)];
		execute(&case, false).unwrap();
	}
}
