//! The verifier's decisions on practitioners, and (for root) the verifier set.

use axum::{extract::Path, response::Response, Form};

use medchain_client::ClientError;

use super::{panels, Done};
use crate::{format, guard::Unlocked, page::Problem};

/// The chain answers a call from the wrong account with `BadOrigin`; say who may make it.
fn refused(who_may: &'static str) -> impl Fn(ClientError) -> Problem {
	move |err| match err.dispatch_error() {
		Some("BadOrigin") | Some("RequireSudo") => {
			let mut problem = Problem::from(err);
			problem.detail = format!("This account may not do that: {who_may}.");
			problem
		}
		_ => Problem::from(err),
	}
}

const VERIFIERS: &str = "only verifiers decide on practitioners";
const ROOT: &str = "only root (on a dev chain, the sudo key Alice) appoints and removes verifiers";

#[derive(serde::Deserialize)]
pub struct DecisionForm {
	#[serde(default)]
	until: String,
	#[serde(default)]
	reason: String,
}

/// Verify (optionally until a date), reject, suspend or revoke a practitioner.
pub async fn decide(
	Unlocked { user, .. }: Unlocked,
	Path((account, decision)): Path<(String, String)>,
	Form(form): Form<DecisionForm>,
) -> Result<Response, Problem> {
	let who = panels::account(&account)?;
	let s = &user.session;
	let verifier = s.verifier();
	let name = s.account(&who).await?.name.unwrap_or_else(|| format::short(&account));
	let reason = form.reason.trim();
	match decision.as_str() {
		"verify" => {
			let until = if form.until.trim().is_empty() {
				None
			} else {
				let now = s.chain.best_number().await?;
				Some(format::block_at_date(&form.until, now, format::now_ms()).ok_or_else(
					|| {
						Problem::input(
							"Give a verification end date in the future (or leave it empty).",
						)
					},
				)?)
			};
			verifier.verify(&who, until).await.map_err(refused(VERIFIERS))?;
			Ok(Done::say(match until {
				Some(block) => format!("{name} is verified until block {block}."),
				None => format!("{name} is verified."),
			}))
		}
		"reject" => {
			verifier.reject(&who, reason).await.map_err(refused(VERIFIERS))?;
			Ok(Done::say(format!("{name}'s application was rejected.")))
		}
		"suspend" => {
			verifier.suspend(&who, reason).await.map_err(refused(VERIFIERS))?;
			Ok(Done::say(format!("{name} is suspended.")))
		}
		"revoke" => {
			verifier.revoke(&who, reason).await.map_err(refused(VERIFIERS))?;
			Ok(Done::say(format!("{name}'s registration is revoked for good.")))
		}
		other => Err(Problem::input(format!(
			"{other:?} is not a decision: verify, reject, suspend or revoke."
		))),
	}
}

#[derive(serde::Deserialize)]
pub struct AddForm {
	account: String,
}

pub async fn add(
	Unlocked { user, .. }: Unlocked,
	Form(form): Form<AddForm>,
) -> Result<Response, Problem> {
	let who = panels::account(&form.account)?;
	user.session.verifier().add_verifier(&who).await.map_err(refused(ROOT))?;
	Ok(Done::say(format!("{} is now a verifier.", format::short(&form.account))))
}

pub async fn remove(
	Unlocked { user, .. }: Unlocked,
	Path(account): Path<String>,
) -> Result<Response, Problem> {
	let who = panels::account(&account)?;
	user.session.verifier().remove_verifier(&who).await.map_err(refused(ROOT))?;
	Ok(Done::say(format!("{} is no longer a verifier.", format::short(&account))))
}
