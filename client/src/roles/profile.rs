//! The patient's profile: name and birth date, optionally sex and a phone number.
//!
//! It is stored like a record: encrypted on the patient's machine, in the content store, with
//! only its CID on chain (the registry's `profile` pointer). The file holds the profile sealed
//! once per reader (HPKE to each reader's registered key, bound to the patient's account): the
//! patient, and each practitioner with an accepted appointment or a live grant. When that set
//! changes, [`Patient::sync_profile`] seals it again and moves the pointer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use super::{Patient, Session};
use crate::{
	crypto::envelope,
	fhir::{
		resources::{ContactPoint, HumanName},
		uuid_for,
	},
	runtime::medchain::{self as api, runtime_types::bounded_collections::bounded_vec::BoundedVec},
	storage::{no_progress, ContentStore},
	ClientError,
};

/// What a patient tells their practitioners about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
	pub name: String,
	/// `YYYY-MM-DD`.
	pub birth_date: String,
	/// `male`, `female`, `other` or `unknown` (FHIR's administrative gender).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub sex: Option<String>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub phone: Option<String>,
}

impl Profile {
	/// Checks every field, saying what is wrong.
	pub fn validate(&self) -> Result<(), ClientError> {
		let bad = |m: &str| Err(ClientError::Invalid(m.into()));
		let name = self.name.trim();
		if name.is_empty() || name.chars().count() > 128 {
			return bad("give a name of 1 to 128 characters");
		}
		match chrono::NaiveDate::parse_from_str(&self.birth_date, "%Y-%m-%d") {
			Ok(date) if date <= chrono::Utc::now().date_naive() => {}
			Ok(_) => return bad("the birth date lies in the future"),
			Err(_) => return bad("give the birth date as YYYY-MM-DD, e.g. 1980-04-23"),
		}
		if let Some(sex) = &self.sex {
			if !["male", "female", "other", "unknown"].contains(&sex.as_str()) {
				return bad("sex is one of male, female, other, unknown");
			}
		}
		if let Some(phone) = &self.phone {
			let ok = !phone.is_empty()
				&& phone.len() <= 32
				&& phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
			if !ok {
				return bad("a phone number has up to 32 digits, spaces and + - ( ) .");
			}
		}
		Ok(())
	}

	/// The FHIR Patient of `account` with this profile.
	pub fn to_fhir(&self, account: &AccountId32) -> crate::fhir::resources::Patient {
		let mut patient = crate::fhir::resources::Patient::new(
			uuid_for(&format!("patient|{account}")),
			&account.to_string(),
		);
		patient.name = vec![HumanName { text: self.name.clone() }];
		patient.birth_date = Some(self.birth_date.clone());
		patient.gender = self.sex.clone();
		patient.telecom =
			self.phone.iter().map(|p| ContactPoint { system: "phone", value: p.clone() }).collect();
		patient
	}
}

/// The file a profile CID points to.
#[derive(Serialize, Deserialize)]
struct ProfileFile {
	v: u32,
	/// Reader account (SS58) -> the profile sealed to it, hex.
	readers: BTreeMap<String, String>,
}

fn context(patient: &AccountId32) -> Vec<u8> {
	[b"patient profile|".as_slice(), &patient.0].concat()
}

impl<S: ContentStore> Session<S> {
	/// `patient`'s profile, if they wrote one and sealed it to this user.
	pub async fn profile_of(&self, patient: &AccountId32) -> Result<Option<Profile>, ClientError> {
		match self.profile_file(patient).await? {
			Some(file) => self.open_profile(&file, patient),
			None => Ok(None),
		}
	}

	/// The profile in `file`, if it is sealed to this user.
	fn open_profile(
		&self,
		file: &ProfileFile,
		patient: &AccountId32,
	) -> Result<Option<Profile>, ClientError> {
		let Some(sealed) = file.readers.get(&self.account_id().to_string()) else {
			return Ok(None);
		};
		let sealed = hex::decode(sealed)
			.map_err(|_| ClientError::Invalid("the profile file is damaged".into()))?;
		let plain = envelope::open_note(self.me.encryption_secret(), &context(patient), &sealed)?;
		serde_json::from_slice(&plain)
			.map(Some)
			.map_err(|_| ClientError::Invalid("the profile file is damaged".into()))
	}

	/// `patient`'s name if this user may read their profile; `None` otherwise (or on any
	/// failure: a name is a courtesy, the address is always shown).
	pub async fn patient_name(&self, patient: &AccountId32) -> Option<String> {
		self.profile_of(patient).await.ok().flatten().map(|p| p.name)
	}

	async fn profile_file(
		&self,
		patient: &AccountId32,
	) -> Result<Option<ProfileFile>, ClientError> {
		let Some(info) =
			self.chain.view(api::view_functions().registry().account(*patient)).await?
		else {
			return Ok(None);
		};
		let Some(cid) = info.profile else { return Ok(None) };
		let cid = super::record_cid(&cid.0)?;
		let (bytes, _) = self.store.get(&cid, Vec::new(), no_progress()).await?;
		Ok(serde_json::from_slice(&bytes).ok())
	}
}

impl<S: ContentStore> Patient<'_, S> {
	/// Who may read the profile now: the patient, every doctor with an accepted appointment,
	/// every grantee of a live grant.
	async fn profile_readers(&self) -> Result<Vec<AccountId32>, ClientError> {
		let mut readers = vec![self.0.account_id()];
		for a in self.appointments().await? {
			if a.status == "accepted" {
				readers.extend(a.doctor.parse::<AccountId32>().ok());
			}
		}
		for g in self.grants().await? {
			readers.extend(g.grantee.parse::<AccountId32>().ok());
		}
		readers.sort();
		readers.dedup();
		Ok(readers)
	}

	/// Writes `profile`, sealed to every current reader, and points the chain at it.
	pub async fn set_profile(&self, profile: &Profile) -> Result<(), ClientError> {
		profile.validate()?;
		self.publish_profile(profile).await
	}

	async fn publish_profile(&self, profile: &Profile) -> Result<(), ClientError> {
		let session = self.0;
		let me = session.account_id();
		let plain = serde_json::to_vec(profile).map_err(|e| ClientError::Invalid(e.to_string()))?;
		let mut readers = BTreeMap::new();
		for reader in self.profile_readers().await? {
			// A reader without a registered key (left since) cannot be sealed to: skipped.
			let Ok(key) = session.encryption_key_of(&reader).await else { continue };
			let sealed = envelope::seal_note(&key, &context(&me), &plain)?;
			readers.insert(reader.to_string(), hex::encode(sealed));
		}
		let file = serde_json::to_vec(&ProfileFile { v: 1, readers })
			.map_err(|e| ClientError::Invalid(e.to_string()))?;
		let cid = session
			.store
			.add(Box::new(std::io::Cursor::new(file)), session.cid_version, no_progress())
			.await?;
		session
			.submit(
				api::tx()
					.registry()
					.update_keys(session.me.encryption_public(), Some(BoundedVec(cid.to_bytes()))),
			)
			.await
			.map(drop)
	}

	/// This patient's own profile.
	pub async fn profile(&self) -> Result<Option<Profile>, ClientError> {
		self.0.profile_of(&self.0.account_id()).await
	}

	/// Seals the profile again when its readers changed (an appointment accepted, a grant given
	/// or ended). Returns whether it did (one transaction).
	pub async fn sync_profile(&self) -> Result<bool, ClientError> {
		let me = self.0.account_id();
		// The file is fetched once: its readers and, opened, the profile to seal again.
		let Some(file) = self.0.profile_file(&me).await? else { return Ok(false) };
		let Some(profile) = self.0.open_profile(&file, &me)? else { return Ok(false) };
		let now: Vec<String> =
			self.profile_readers().await?.iter().map(ToString::to_string).collect();
		if now.iter().eq(file.readers.keys()) {
			return Ok(false);
		}
		self.publish_profile(&profile).await?;
		Ok(true)
	}

	/// The FHIR Patient: from the profile when there is one, else the account alone.
	pub async fn profile_resource(&self) -> Result<crate::fhir::resources::Patient, ClientError> {
		let me = self.0.account_id();
		Ok(match self.profile().await? {
			Some(profile) => profile.to_fhir(&me),
			None => crate::fhir::resources::Patient::new(
				uuid_for(&format!("patient|{me}")),
				&me.to_string(),
			),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn profile() -> Profile {
		Profile {
			name: "Alice Example".into(),
			birth_date: "1980-04-23".into(),
			sex: Some("female".into()),
			phone: Some("+44 20 7946 0958".into()),
		}
	}

	#[test]
	fn bad_profiles_are_refused_with_a_reason() {
		assert!(profile().validate().is_ok());
		for (p, says) in [
			(Profile { name: " ".into(), ..profile() }, "name"),
			(Profile { birth_date: "23/04/1980".into(), ..profile() }, "YYYY-MM-DD"),
			(Profile { birth_date: "2999-01-01".into(), ..profile() }, "future"),
			(Profile { sex: Some("f".into()), ..profile() }, "sex"),
			(Profile { phone: Some("call me".into()), ..profile() }, "phone"),
		] {
			match p.validate() {
				Err(ClientError::Invalid(m)) => assert!(m.contains(says), "{m}"),
				other => panic!("expected a refusal about {says}, got {other:?}"),
			}
		}
	}
}
