//! The practitioner directory: everyone who applied as a doctor, hospital or pharmacy, with
//! their public details and verification status, so patients can find a doctor and verifiers
//! can review who they verified.

use subxt::utils::AccountId32;

use super::views::{role_name, status_name, AccountView};
use crate::{chain::Chain, error::ClientError, runtime::medchain as api};

/// Every practitioner on the chain (in storage order), read at the best block.
pub async fn practitioners(chain: &Chain) -> Result<Vec<AccountView>, ClientError> {
	let at = chain.at_best().await?;
	let storage = at.storage();
	let mut entries = storage
		.iter(api::storage().registry().practitioners(), ())
		.await
		.map_err(ClientError::chain)?;
	let mut out = Vec::new();
	while let Some(entry) = entries.next().await {
		let entry = entry.map_err(ClientError::chain)?;
		let who: AccountId32 = entry
			.key()
			.map_err(ClientError::chain)?
			.part(0)
			.and_then(|part| part.decode_as::<AccountId32>().ok().flatten())
			.ok_or_else(|| ClientError::chain("a practitioner key without an account"))?;
		let info = entry.value().decode().map_err(ClientError::chain)?;
		let role = chain
			.view(api::view_functions().registry().account(who))
			.await?
			.map(|account| role_name(&account.role).to_string());
		let text = |bytes: &[u8]| Some(String::from_utf8_lossy(bytes).into_owned());
		out.push(AccountView {
			account: who.to_string(),
			role,
			status: Some(status_name(&info.status)),
			name: text(&info.details.name.0),
			specialization: text(&info.details.specialization.0),
			licence: text(&info.details.licence.0),
			credentials: Some(
				cid::Cid::try_from(info.credentials.0.as_slice())
					.map(|c| c.to_string())
					.unwrap_or_else(|_| hex::encode(&info.credentials.0)),
			),
			encryption_key: None,
			balance: 0,
		});
	}
	Ok(out)
}

/// Verified doctors whose name or specialization contains `query` (any case); all of them
/// for an empty query.
pub async fn find_doctors(chain: &Chain, query: &str) -> Result<Vec<AccountView>, ClientError> {
	let query = query.trim().to_lowercase();
	Ok(practitioners(chain)
		.await?
		.into_iter()
		.filter(|p| p.role.as_deref() == Some("doctor"))
		.filter(|p| p.status.as_deref().is_some_and(|s| s.starts_with("Verified")))
		.filter(|p| {
			query.is_empty()
				|| [&p.name, &p.specialization]
					.iter()
					.any(|f| f.as_deref().is_some_and(|f| f.to_lowercase().contains(&query)))
		})
		.collect())
}
