//! Blocks and dispatch: the hooks of every pallet run as the executive runs them (with an Aura
//! pre-digest and the timestamp inherent, so Aura and Timestamp are satisfied), and each call
//! is dispatched with its pre-dispatch weight compared to what it reports having used.

use crate::{
	actors::Actor,
	calls::Idle,
	invariants,
	stats::{self, Outcome},
};
use codec::Encode;
use frame_support::{
	dispatch::{DispatchClass, GetDispatchInfo},
	traits::{GetCallMetadata, OnFinalize, OnIdle, OnInitialize},
	weights::Weight,
};
use medchain_runtime::{
	configs::RuntimeBlockWeights, AccountId, AllPalletsWithSystem, Balance, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, System, SLOT_DURATION,
};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_runtime::{traits::Dispatchable, Digest, DigestItem};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub struct Chain {
	/// Genesis issuance minus what was burned or lost as dust since.
	expected_issuance: Balance,
	/// What this block's calls used, so on_idle gets what a real block would have left.
	used: Weight,
	/// Print every step (to explain a minimal failing case).
	trace: bool,
	/// Leave calls out of the figures (the setup story every case repeats).
	pub uncounted: bool,
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
	panic
		.downcast_ref::<&str>()
		.map(|s| s.to_string())
		.or_else(|| panic.downcast_ref::<String>().cloned())
		.unwrap_or_else(|| "<non-string panic>".into())
}

impl Chain {
	/// Starts block 1 on top of genesis.
	pub fn start(trace: bool) -> Self {
		let mut chain = Chain {
			expected_issuance: pallet_balances::TotalIssuance::<Runtime>::get(),
			used: Weight::zero(),
			trace,
			uncounted: false,
		};
		chain.start_block(1);
		chain
	}

	fn start_block(&mut self, n: u32) {
		System::reset_events();
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(u64::from(n)).encode())],
		};
		let parent = sp_core::H256::from_low_u64_be(u64::from(n) - 1);
		// The blocks a jump skips were empty: only their number matters.
		System::set_block_number(n - 1);
		System::initialize(&n, &parent, &digest);
		AllPalletsWithSystem::on_initialize(n);
		// The timestamp inherent, in the slot the digest claims.
		pallet_timestamp::Pallet::<Runtime>::set_timestamp(u64::from(n) * SLOT_DURATION);
		System::note_finished_initialize();
		self.used = Weight::zero();
		if self.trace {
			println!("-- block {n}");
		}
	}

	/// Ends the current block (on_idle, on_finalize), checks every invariant, and starts the
	/// block `advance` later (the ones between are empty: their on_idle had no weight left).
	pub fn next_block(&mut self, advance: u32, idle: Idle) -> Result<(), String> {
		let n = System::block_number();
		self.end_block(idle)?;
		self.start_block(n + advance.max(1));
		Ok(())
	}

	pub fn end_block(&mut self, idle: Idle) -> Result<(), String> {
		let n = System::block_number();
		let max = RuntimeBlockWeights::get().max_block;
		let remaining = match idle {
			Idle::Full => max.saturating_sub(self.used),
			Idle::Zero => Weight::zero(),
			Idle::Limited(w) => w,
		};
		let used = AllPalletsWithSystem::on_idle(n, remaining);
		if used.any_gt(remaining) {
			return Err(format!("block {n}: on_idle used {used:?} of {remaining:?}"));
		}
		AllPalletsWithSystem::on_finalize(n);
		let mut expired = 0u64;
		let fee = <Runtime as pallet_consent::Config>::RequestFee::get();
		let mut fees: Vec<(AccountId, AccountId)> = Vec::new();
		let mut requests: Vec<(AccountId, AccountId)> = Vec::new();
		for record in System::events() {
			match record.event {
				RuntimeEvent::Balances(pallet_balances::Event::Burned { amount, .. })
				| RuntimeEvent::Balances(pallet_balances::Event::DustLost { amount, .. }) => {
					self.expected_issuance -= amount
				}
				RuntimeEvent::Consent(pallet_consent::Event::GrantEnded {
					reason: pallet_consent::EndReason::Expired,
					..
				}) => expired += 1,
				RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount })
					if amount == fee =>
				{
					fees.push((from, to))
				}
				RuntimeEvent::Consent(pallet_consent::Event::AccessRequested {
					requester,
					patient,
					..
				}) => requests.push((requester, patient)),
				_ => {}
			}
		}
		// No free permanent storage: every request leaves entries on the patient's trail for
		// good, and each was paid for with the request fee, to the patient.
		for pair in requests {
			let Some(i) = fees.iter().position(|f| *f == pair) else {
				return Err(format!(
					"block {n}: a request by {:?} paid no fee to {:?}",
					pair.0, pair.1
				));
			};
			fees.swap_remove(i);
		}
		stats::with(|s| {
			s.blocks += 1;
			s.expired += expired;
		});
		invariants::check(self.expected_issuance).map_err(|e| format!("after block {n}: {e}"))
	}

	/// Dispatches `call` signed by `signer`: `Err` when an invariant of dispatch broke, else the
	/// call's own error, if any.
	pub fn dispatch(
		&mut self,
		signer: Actor,
		call: RuntimeCall,
	) -> Result<Option<sp_runtime::DispatchError>, String> {
		let info = call.get_dispatch_info();
		let meta = call.get_call_metadata();
		let name = format!("{}.{}", meta.pallet_name, meta.function_name);
		let max_extrinsic = RuntimeBlockWeights::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.unwrap_or(Weight::MAX);
		if info.call_weight.any_gt(max_extrinsic) {
			// CheckWeight refuses it at the pool (raw bytes reach root-only calls such as
			// `System.kill_prefix` with huge arguments): never dispatched on a real chain.
			stats::with(|s| s.record(name, Outcome::Other("refused: ExhaustsResources".into())));
			return Ok(Some(sp_runtime::DispatchError::Exhausted));
		}
		let shown = if self.trace { format!("{signer:?}: {call:?}") } else { String::new() };
		let result = catch_unwind(AssertUnwindSafe(|| {
			call.clone().dispatch(RuntimeOrigin::signed(signer.account()))
		}))
		.map_err(|p| format!("{name} by {signer:?} panicked: {}\n{call:?}", panic_message(&*p)))?;
		let (post, error) = match result {
			Ok(post) => (post, None),
			Err(e) => (e.post_info, Some(e.error)),
		};
		if let Some(e) = &error {
			invariants::limit_refusal(&call, &signer.account(), e)
				.map_err(|why| format!("{name} by {signer:?}: {why}\n{call:?}"))?;
		}
		if let Some(actual) = post.actual_weight {
			if actual.any_gt(info.call_weight) {
				return Err(format!(
					"{name} by {signer:?} used {actual:?}, more than its pre-dispatch {:?}\n{call:?}",
					info.call_weight
				));
			}
		}
		self.used = self.used.saturating_add(post.calc_actual_weight(&info));
		if self.trace {
			println!("{shown}\n   => {error:?}");
		}
		let outcome = match error {
			None => Outcome::Ok,
			Some(sp_runtime::DispatchError::Module(m)) => Outcome::Err(m.message.unwrap_or("?")),
			Some(e) => Outcome::Other(format!("{e:?}")),
		};
		if !self.uncounted {
			stats::with(|s| s.record(name, outcome));
		}
		Ok(error)
	}
}
