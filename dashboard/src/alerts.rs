//! Live alerts: finalized chain events that concern the signed-in user, sent to the page as
//! server-sent events. `alert` carries a line to show; `changed` tells panels to reload, after
//! an alert or a call the user signed outside this dashboard (with the CLI, say).

use std::{convert::Infallible, sync::Arc, time::Duration};

use askama::Template;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use medchain_client::runtime::medchain as api;
use subxt::{ext::codec::Encode, utils::AccountId32};

use crate::{format::short, state::User};

/// One line in the alert list.
#[derive(Template)]
#[template(path = "parts/alert.html")]
pub struct Alert {
	/// `info`, `urgent` (emergency access, reads of records) or `good`.
	pub kind: &'static str,
	pub text: String,
	pub block: u64,
}

/// The event stream of one unlocked account; it ends when the session locks.
pub fn stream(
	user: Arc<User>,
	still_unlocked: impl Fn() -> bool + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
	let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
	tokio::spawn(async move {
		// Greets first, so the page (and its tests) know the stream is live.
		if tx.send(Event::default().event("ready").data("live")).await.is_err() {
			return;
		}
		let Ok(mut blocks) = user.session.chain.api().stream_blocks().await else {
			let _ = tx.send(Event::default().event("alert").data(offline())).await;
			return;
		};
		while let Some(Ok(block)) = blocks.next().await {
			if !still_unlocked() || tx.is_closed() {
				return;
			}
			let Ok(at) = block.at().await else { continue };
			let Ok(events) = at.events().fetch().await else { continue };
			let alerts = concerning(&user, block.number(), &events).await;
			if alerts.is_empty() && !signed_elsewhere(&user, &at, &events).await {
				continue;
			}
			for alert in alerts {
				let html = alert.render().unwrap_or_default();
				if tx.send(Event::default().event("alert").data(html)).await.is_err() {
					return;
				}
			}
			// The block's number says which block it was (panels reload whatever it says).
			let changed = Event::default().event("changed").data(block.number().to_string());
			if tx.send(changed).await.is_err() {
				return;
			}
		}
	});
	let events = futures::stream::unfold(rx, |mut rx| async move {
		rx.recv().await.map(|event| (Ok(event), rx))
	});
	Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn offline() -> String {
	Alert {
		kind: "urgent",
		text: "Live updates are off: the node cannot be reached.".into(),
		block: 0,
	}
	.render()
	.unwrap_or_default()
}

/// One finalized block, as the alerts read it.
type AtBlock = subxt::OnlineClientAtBlock<subxt::PolkadotConfig>;
/// That block's events.
type Events = subxt::events::Events<subxt::PolkadotConfig>;

/// Whether the block holds a call `user` signed somewhere else (the CLI, another program): no
/// page asked for it, so the panels are out of date. The dashboard's own calls reload the
/// panels when their answer arrives, so they are left out here, not reloaded twice.
async fn signed_elsewhere(user: &User, at: &AtBlock, events: &Events) -> bool {
	// Every signed extrinsic pays its fee (`TransactionFeePaid`, even at zero), so the block's
	// body is fetched only when its events, already at hand, show the account paying one.
	let account = user.session.account_id();
	use api::transaction_payment::events::TransactionFeePaid;
	if !events.find::<TransactionFeePaid>().flatten().any(|e| e.who == account) {
		return false;
	}
	let Ok(extrinsics) = at.extrinsics().fetch().await else { return false };
	let me = subxt::utils::MultiAddress::<AccountId32, ()>::Id(account).encode();
	let chain = &user.session.chain;
	// Bound first: the iterator borrows `extrinsics`, which must outlive it.
	let elsewhere = extrinsics
		.iter()
		.flatten()
		.any(|call| call.address_bytes() == Some(&me[..]) && !chain.submitted_here(call.hash()));
	elsewhere
}

/// The alerts one finalized block holds for `user`.
async fn concerning(user: &User, number: u64, events: &Events) -> Vec<Alert> {
	let session = &user.session;
	let me = session.account_id();
	let mut out = Vec::new();
	let mut push = |kind, text: String| out.push(Alert { kind, text, block: number });
	let who = |a: &AccountId32| short(&a.to_string());

	use api::{
		appointments::events as appt, consent::events as consent, records::events as rec,
		registry::events as reg, share_links::events as links,
	};
	let link = |id: &[u8; 32]| hex::encode(&id[..4]);
	for e in events.find::<links::LinkOpened>().flatten() {
		if e.patient == me {
			push(
				"urgent",
				format!(
					"Share link {} was opened ({} opening(s) left)",
					link(&e.link),
					e.uses_left
				),
			);
		}
	}
	for e in events.find::<links::PasscodeFailed>().flatten() {
		if e.patient == me {
			push(
				"urgent",
				format!(
					"A wrong passcode was tried on share link {} ({} attempt(s) left)",
					link(&e.link),
					e.attempts_left
				),
			);
		}
	}
	for e in events.find::<links::LinkEnded>().flatten() {
		use api::runtime_types::pallet_share_links::types::EndReason;
		if e.patient == me && matches!(e.reason, EndReason::Locked) {
			push(
				"urgent",
				format!("Share link {} locked after too many wrong passcodes", link(&e.link)),
			);
		}
	}
	for e in events.find::<consent::AccessRequested>().flatten() {
		if e.patient == me {
			push("info", format!("New access request {} from {}", e.request, who(&e.requester)));
		}
	}
	for e in events.find::<consent::AccessGranted>().flatten() {
		if e.grantee == me {
			push("good", format!("{} granted you access (grant {})", who(&e.patient), e.grant));
		}
	}
	for e in events.find::<consent::AccessDenied>().flatten() {
		if e.requester == me {
			push("info", format!("{} denied request {}", who(&e.patient), e.request));
		}
	}
	for e in events.find::<consent::GrantEnded>().flatten() {
		if e.grantee == me {
			push("info", format!("Grant {} from {} ended", e.grant, who(&e.patient)));
		}
	}
	for e in events.find::<consent::EmergencyAccessOpened>().flatten() {
		if e.patient == me {
			push(
				"urgent",
				format!(
					"Emergency access to your records opened by {} (grant {})",
					who(&e.doctor),
					e.grant
				),
			);
		}
	}
	for e in events.find::<appt::Requested>().flatten() {
		if e.doctor == me {
			push("info", format!("New appointment request {} from {}", e.id, who(&e.patient)));
		}
	}
	for (id, verb) in events
		.find::<appt::Accepted>()
		.flatten()
		.map(|e| (e.id, "accepted"))
		.chain(events.find::<appt::Declined>().flatten().map(|e| (e.id, "declined")))
	{
		if let Ok(Some(a)) = session.appointment(id).await {
			if a.patient == me.to_string() {
				push("good", format!("Appointment {id} was {verb} by {}", short(&a.doctor)));
				if verb == "accepted" {
					// The doctor who now treats the patient may read their profile.
					let _ = session.patient().sync_profile().await;
				}
			}
		}
	}
	for e in events.find::<appt::Cancelled>().flatten() {
		if e.by != me {
			if let Ok(Some(a)) = session.appointment(e.id).await {
				if a.patient == me.to_string() || a.doctor == me.to_string() {
					push("info", format!("Appointment {} was cancelled", e.id));
				}
			}
		}
	}
	for e in events.find::<rec::RecordAdded>().flatten() {
		if e.patient == me {
			push("info", format!("{} added record {} to your history", who(&e.author), e.record));
		}
	}
	for e in events.find::<rec::RecordRead>().flatten() {
		if let Ok(record) = session.record(e.record).await {
			if record.patient == me.to_string() {
				push("urgent", format!("{} read your record {}", who(&e.reader), e.record));
			}
		}
	}
	for e in events.find::<rec::Dispensed>().flatten() {
		if let Ok(record) = session.record(e.record).await {
			if record.patient == me.to_string() {
				push(
					"info",
					format!(
						"{} dispensed {} of prescription {}",
						who(&e.pharmacy),
						e.quantity,
						e.record
					),
				);
			}
		}
	}
	for e in events.find::<reg::Verified>().flatten() {
		if e.who == me {
			push("good", "A verifier verified your application".into());
		}
	}
	for (w, verb) in events
		.find::<reg::Rejected>()
		.flatten()
		.map(|e| (e.who, "rejected"))
		.chain(events.find::<reg::Suspended>().flatten().map(|e| (e.who, "suspended")))
		.chain(events.find::<reg::Revoked>().flatten().map(|e| (e.who, "revoked")))
	{
		if w == me {
			push("urgent", format!("A verifier {verb} your registration"));
		}
	}
	// The verifier set is read only for a block that has applications in it, not every block.
	let applied: Vec<_> = events.find::<reg::Applied>().flatten().collect();
	if !applied.is_empty()
		&& session.verifier().verifiers().await.map(|v| v.contains(&me)).unwrap_or(false)
	{
		for e in applied {
			push("info", format!("New application from {}", who(&e.who)));
		}
	}
	out
}
