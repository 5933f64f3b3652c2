//! The verifier: checks practitioners' credentials and decides; the admin (root, via sudo on a
//! dev chain) appoints verifiers.

use subxt::utils::AccountId32;

use super::{views::AccountView, Session};
use crate::{
	error::ClientError,
	runtime::medchain::{
		self as api,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_registry::pallet::Call as RegistryCall,
		},
		Call,
	},
	storage::ContentStore,
};

/// The verifier's (and admin's) API.
pub struct Verifier<'a, S>(pub(crate) &'a Session<S>);

impl<S: ContentStore> Verifier<'_, S> {
	/// Practitioners waiting for a decision.
	pub async fn pending(&self) -> Result<Vec<AccountView>, ClientError> {
		let pending =
			self.0.chain.view(api::view_functions().registry().pending_applications()).await?;
		let mut out = Vec::new();
		for who in pending {
			out.push(self.0.account(&who).await?);
		}
		Ok(out)
	}

	/// Verifies `who`, until block `until` if given.
	pub async fn verify(&self, who: &AccountId32, until: Option<u32>) -> Result<(), ClientError> {
		self.0.submit(api::tx().registry().verify(*who, until)).await.map(drop)
	}

	/// Rejects an application.
	pub async fn reject(&self, who: &AccountId32, reason: &str) -> Result<(), ClientError> {
		let reason = BoundedVec(reason.as_bytes().to_vec());
		self.0.submit(api::tx().registry().reject(*who, reason)).await.map(drop)
	}

	/// Suspends a verified practitioner: their grants stop working at once.
	pub async fn suspend(&self, who: &AccountId32, reason: &str) -> Result<(), ClientError> {
		let reason = BoundedVec(reason.as_bytes().to_vec());
		self.0.submit(api::tx().registry().suspend(*who, reason)).await.map(drop)
	}

	/// Revokes a practitioner for good.
	pub async fn revoke(&self, who: &AccountId32, reason: &str) -> Result<(), ClientError> {
		let reason = BoundedVec(reason.as_bytes().to_vec());
		self.0.submit(api::tx().registry().revoke(*who, reason)).await.map(drop)
	}

	/// Appoints a verifier (root only: this signs a `sudo` call).
	pub async fn add_verifier(&self, who: &AccountId32) -> Result<(), ClientError> {
		let call = Call::Registry(RegistryCall::add_verifier { who: *who });
		self.0.submit(api::tx().sudo().sudo(call)).await.map(drop)
	}

	/// Removes a verifier (root only: this signs a `sudo` call).
	pub async fn remove_verifier(&self, who: &AccountId32) -> Result<(), ClientError> {
		let call = Call::Registry(RegistryCall::remove_verifier { who: *who });
		self.0.submit(api::tx().sudo().sudo(call)).await.map(drop)
	}

	/// The current verifiers.
	pub async fn verifiers(&self) -> Result<Vec<AccountId32>, ClientError> {
		self.0.chain.view(api::view_functions().registry().verifiers()).await
	}
}
