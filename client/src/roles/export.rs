//! A patient's whole history as one FHIR R4 bundle: themselves, every practitioner and
//! organization involved, one DocumentReference per record, one Consent per live grant and per
//! answered request, one AuditEvent per audit-trail entry (its time from its block, its entity
//! the block's hash, so each can be checked against the chain).

use std::collections::{BTreeMap, BTreeSet};

use subxt::utils::AccountId32;

use super::{views, Patient};
use crate::{
	fhir::{
		instant,
		resources::{AuditEvent, Consent, Organization, Practitioner, PractitionerRole},
		uuid_for, Bundle, Identifier, Period,
	},
	runtime::medchain::{
		self as api,
		runtime_types::{medchain_primitives::AuditAction, pallet_consent::types::RequestStatus},
	},
	share::bundle,
	storage::ContentStore,
	ClientError,
};

/// How many of each resource an export holds.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportSummary {
	pub documents: usize,
	pub practitioners: usize,
	pub organizations: usize,
	pub consents: usize,
	pub audit_events: usize,
}

/// Seconds per block, to date a grant's expiry block that lies in the future.
const BLOCK_SECONDS: u64 = 6;

/// The action code (C, R, U, D, E) and a description of an audit entry.
fn audit_action(action: &AuditAction) -> &'static str {
	match action {
		AuditAction::RecordCreated { .. } | AuditAction::LinkCreated { .. } => "C",
		AuditAction::RecordRead { .. } | AuditAction::LinkOpened { .. } => "R",
		AuditAction::AccessRevoked { .. } | AuditAction::LinkRevoked { .. } => "D",
		AuditAction::AccessGranted { .. }
		| AuditAction::EnvelopesAdded { .. }
		| AuditAction::AppointmentAccepted { .. } => "U",
		_ => "E",
	}
}

impl<S: ContentStore> Patient<'_, S> {
	/// Everything, as one `collection` bundle. With `reference`, each document points to its
	/// encrypted file (`ipfs://CID`) instead of carrying its decrypted content inline.
	pub async fn export_fhir(
		&self,
		reference: bool,
	) -> Result<(Bundle, ExportSummary), ClientError> {
		let session = self.0;
		let me = session.account_id();
		let chain = &session.chain;
		let best = chain.best_number().await?;
		let mut times: BTreeMap<u32, (String, u64)> = BTreeMap::new();
		let mut bundle = Bundle::collection();
		let mut summary = ExportSummary::default();

		let person = self.profile_resource().await?;
		let patient_url = bundle.add(&person.id.clone(), person);
		let mut parties: BTreeSet<AccountId32> = BTreeSet::new();

		let scratch = tempfile::tempdir()?;
		for id in session.record_ids(&me).await? {
			let info = session.record(id).await?;
			let (_, ms) = block_time(chain, &mut times, info.created_at).await?;
			let out = scratch.path().join(id.to_string());
			session.patient_view(id, &out).await?;
			let content = std::fs::read(&out)?;
			let _ = std::fs::remove_file(&out);
			let attachment = if reference {
				crate::fhir::resources::Attachment {
					url: Some(format!("ipfs://{}", info.cid)),
					..bundle::described(info.title.clone(), &content)
				}
			} else {
				bundle::inline(info.title.clone(), &content)
			};
			if let Ok(author) = info.author.parse() {
				parties.insert(author);
			}
			let (doc_id, resource) =
				bundle::document(&me, &patient_url, &info, Some(instant(ms)), attachment);
			bundle.add(&doc_id, resource);
			summary.documents += 1;
		}

		// Live grants.
		for grant in self.grants().await? {
			let end = instant_of(chain, &mut times, grant.expires_at, best).await?;
			let grantee: AccountId32 = grant.grantee.parse().map_err(|_| {
				ClientError::chain(format!("grant {} names a bad account", grant.id))
			})?;
			parties.insert(grantee);
			let id = uuid_for(&format!("grant|{me}|{}", grant.id));
			let consent = Consent::new(
				id.clone(),
				Identifier { system: "urn:medchain:grant", value: grant.id.to_string() },
				"active",
				&patient_url,
				&grant.grantee,
				Some(Period { start: None, end: Some(end) }),
				grant.records.clone(),
			);
			bundle.add(&id, consent);
			summary.consents += 1;
		}

		// Answered requests, kept until their requesters clear them.
		let at = chain.at_best().await?;
		let mut requests = at
			.storage()
			.iter(api::storage().consent().requests(), ())
			.await
			.map_err(ClientError::chain)?;
		while let Some(entry) = requests.next().await {
			let entry = entry.map_err(ClientError::chain)?;
			let request = entry.value().decode().map_err(ClientError::chain)?;
			if request.patient != me {
				continue;
			}
			let status = match request.status {
				RequestStatus::Granted { .. } => "active",
				RequestStatus::Denied => "rejected",
				RequestStatus::Pending | RequestStatus::Cancelled => continue,
			};
			let id_key = entry.key().map_err(ClientError::chain)?;
			let request_id: u64 = id_key
				.part(0)
				.and_then(|p| p.decode_as::<u64>().ok())
				.flatten()
				.unwrap_or_default();
			let (_, ms) = block_time(chain, &mut times, request.created_at).await?;
			parties.insert(request.requester);
			let id = uuid_for(&format!("request|{me}|{request_id}"));
			let consent = Consent::new(
				id.clone(),
				Identifier { system: "urn:medchain:request", value: request_id.to_string() },
				status,
				&patient_url,
				&request.requester.to_string(),
				Some(Period { start: Some(instant(ms)), end: None }),
				Vec::new(),
			);
			bundle.add(&id, consent);
			summary.consents += 1;
		}

		// The audit trail, each entry dated by its block.
		let secret = session.me.encryption_secret();
		for (n, entry) in self.audit_entries().await?.iter().enumerate() {
			let (hash, ms) = block_time(chain, &mut times, entry.at).await?;
			parties.insert(entry.actor);
			let line = views::AuditInfo::new(entry, secret);
			let id = uuid_for(&format!("audit|{me}|{n}"));
			let event = AuditEvent::new(
				id.clone(),
				audit_action(&entry.action),
				instant(ms),
				line.action,
				&entry.actor.to_string(),
				hash,
				entry.at,
			);
			bundle.add(&id, event);
			summary.audit_events += 1;
		}

		// Everyone involved: practitioners and organizations, active when verified now.
		parties.remove(&me);
		for who in parties {
			let view = session.account(&who).await?;
			let active = view.status.as_deref().is_some_and(|s| s.starts_with("Verified"));
			let account = who.to_string();
			match view.role.as_deref() {
				Some("doctor") => {
					let id = uuid_for(&format!("practitioner|{account}"));
					let url = bundle.add(
						&id.clone(),
						Practitioner::new(
							id,
							&account,
							view.name.clone(),
							view.licence.clone(),
							active,
						),
					);
					let role_id = uuid_for(&format!("practitioner-role|{account}"));
					bundle.add(
						&role_id.clone(),
						PractitionerRole::doctor(
							role_id,
							&url,
							view.specialization.clone(),
							active,
						),
					);
					summary.practitioners += 1;
				}
				Some(role @ ("hospital" | "pharmacy")) => {
					let id = uuid_for(&format!("organization|{account}"));
					let name = view.name.clone().unwrap_or_else(|| account.clone());
					bundle.add(
						&id.clone(),
						Organization::new(
							id,
							&account,
							name,
							role == "pharmacy",
							view.licence.clone(),
							active,
						),
					);
					summary.organizations += 1;
				}
				_ => {}
			}
		}
		Ok((bundle, summary))
	}
}

/// Block `number`'s hash (hex) and time, fetched once per block.
async fn block_time(
	chain: &crate::chain::Chain,
	cache: &mut BTreeMap<u32, (String, u64)>,
	number: u32,
) -> Result<(String, u64), ClientError> {
	if let Some(known) = cache.get(&number) {
		return Ok(known.clone());
	}
	let (hash, ms) = chain.block_time(number).await?;
	let known = (format!("{hash:?}"), ms);
	cache.insert(number, known.clone());
	Ok(known)
}

/// The time of block `number`: its own if it exists, else estimated from the best block's.
async fn instant_of(
	chain: &crate::chain::Chain,
	cache: &mut BTreeMap<u32, (String, u64)>,
	number: u32,
	best: u32,
) -> Result<String, ClientError> {
	if number <= best {
		return Ok(instant(block_time(chain, cache, number).await?.1));
	}
	let (_, now) = block_time(chain, cache, best).await?;
	Ok(instant(now + u64::from(number - best) * BLOCK_SECONDS * 1000))
}
