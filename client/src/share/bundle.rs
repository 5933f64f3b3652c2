//! What a link carries: one FHIR R4 `Bundle` (type `collection`) with the patient and one
//! `DocumentReference` per shared record, its decrypted content inline.

use base64::Engine;
use subxt::utils::AccountId32;

pub use crate::fhir::FHIR_JSON;
use crate::{
	fhir::{
		resources::{Attachment, DocumentReference, Patient},
		uuid_for, Bundle, Identifier, Reference,
	},
	roles::views::RecordInfo,
};

/// A record and its decrypted content.
pub struct Document {
	pub info: RecordInfo,
	pub content: Vec<u8>,
}

/// What a file looks like it is, from its first bytes: records do not carry a media type, and
/// a viewer needs one to show the file.
pub fn sniff_media_type(content: &[u8]) -> &'static str {
	if content.starts_with(b"%PDF-") {
		"application/pdf"
	} else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
		"image/png"
	} else if content.starts_with(b"\xff\xd8\xff") {
		"image/jpeg"
	} else if std::str::from_utf8(content).is_ok() {
		"text/plain"
	} else {
		"application/octet-stream"
	}
}

/// The DocumentReference of `info`, for `patient_url`'s patient, with `attachment`.
pub(crate) fn document(
	patient: &AccountId32,
	patient_url: &str,
	info: &RecordInfo,
	date: Option<String>,
	attachment: Attachment,
) -> (String, DocumentReference) {
	let id = uuid_for(&format!("record|{patient}|{}", info.id));
	let resource = DocumentReference::new(
		id.clone(),
		info.id,
		&info.kind,
		info.superseded_by.is_some(),
		patient_url,
		Reference::by(Identifier::account(info.author.clone())),
		date,
		info.title.clone(),
		info.supersedes,
		attachment,
	);
	(id, resource)
}

/// An attachment carrying `content` inline.
pub(crate) fn inline(title: Option<String>, content: &[u8]) -> Attachment {
	Attachment {
		data: Some(base64::engine::general_purpose::STANDARD.encode(content)),
		..described(title, content)
	}
}

/// An attachment describing `content` (type, size, hash) without carrying it.
pub(crate) fn described(title: Option<String>, content: &[u8]) -> Attachment {
	use sha1::Digest;
	Attachment {
		content_type: sniff_media_type(content),
		data: None,
		url: None,
		title,
		size: content.len() as u64,
		hash: Some(base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(content))),
	}
}

/// The bundle of `documents`, all of `patient`'s, with `person` as the Patient resource.
pub fn documents_bundle(patient: &AccountId32, person: Patient, documents: &[Document]) -> Bundle {
	let mut bundle = Bundle::collection();
	let patient_url = bundle.add(&person.id.clone(), person);
	for doc in documents {
		let attachment = inline(doc.info.title.clone(), &doc.content);
		let (id, resource) = document(patient, &patient_url, &doc.info, None, attachment);
		bundle.add(&id, resource);
	}
	bundle
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn media_types_are_sniffed() {
		assert_eq!(sniff_media_type(b"%PDF-1.7"), "application/pdf");
		assert_eq!(sniff_media_type(b"blood pressure 120/80"), "text/plain");
		assert_eq!(sniff_media_type(&[0xff, 0xfe, 0x00]), "application/octet-stream");
	}
}
