//! The encryption of SMART Health Link files (links specification, "Encrypting and Decrypting
//! Files"): compact JWE (RFC 7516) with `alg: dir` (the link's key is the content key),
//! `enc: A256GCM`, a `cty` header naming the content type and, optionally, `zip: DEF` for raw
//! DEFLATE (RFC 1951, no zlib header) applied before encryption.
//!
//! The compact form is `header..iv.ciphertext.tag`, each part base64url without padding; the
//! encrypted-key part is empty with `dir`. The AEAD's associated data is the first part as
//! ASCII, so the header cannot be changed without failing decryption. Every call draws a
//! fresh random 96-bit IV: the same key encrypts every version of every file of a link.

use std::{
	fmt,
	io::{Read, Write},
};

use aes_gcm::{
	aead::consts::{U12, U16},
	AeadInPlace, Aes256Gcm, Key, KeyInit, Nonce, Tag,
};
use base64::Engine;
use flate2::{read::DeflateDecoder, write::DeflateEncoder, Compression};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use super::{ShareError, B64URL};

/// The only key management algorithm SMART Health Links use.
pub const ALG: &str = "dir";
/// The only content encryption SMART Health Links use.
pub const ENC: &str = "A256GCM";
/// The only compression JWE defines: raw DEFLATE.
pub const ZIP: &str = "DEF";
/// The most a compressed file may inflate to. Compression ratios reach 1000:1, so without a
/// cap a small file could exhaust memory.
pub const MAX_INFLATED_BYTES: usize = 64 * 1024 * 1024;

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A decrypted file and the content type its header declared.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
	/// The `cty` header, e.g. `application/fhir+json` or `application/smart-health-card`.
	pub cty: Option<String>,
	/// The file, decompressed when the header said `zip: DEF`.
	pub plaintext: Vec<u8>,
}

/// The plaintext is health data: only its length is shown, so it never lands in a log.
impl fmt::Debug for Decrypted {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("Decrypted")
			.field("cty", &self.cty)
			.field("plaintext_len", &self.plaintext.len())
			.finish()
	}
}

/// The protected header as written, in the order of the specification's example.
#[derive(Serialize)]
struct HeaderOut<'a> {
	alg: &'a str,
	enc: &'a str,
	cty: &'a str,
	#[serde(skip_serializing_if = "Option::is_none")]
	zip: Option<&'a str>,
}

/// The protected header as read: every member we act on, the rest ignored (`kid` and the
/// like carry nothing we need).
#[derive(Deserialize)]
struct HeaderIn {
	alg: Option<String>,
	enc: Option<String>,
	cty: Option<String>,
	zip: Option<String>,
	crit: Option<Vec<String>>,
}

/// Encrypts `plaintext` under the link's `key` as a compact JWE whose `cty` is `cty`,
/// compressing it first with raw DEFLATE (`zip: DEF`) when `deflate` is set.
pub fn encrypt(
	key: &[u8; 32],
	plaintext: &[u8],
	cty: &str,
	deflate: bool,
) -> Result<String, ShareError> {
	// A receiver (this one included) refuses to inflate more than this, so do not make it.
	if deflate && plaintext.len() > MAX_INFLATED_BYTES {
		return Err(ShareError::TooLarge { limit: MAX_INFLATED_BYTES });
	}
	let header = HeaderOut { alg: ALG, enc: ENC, cty, zip: deflate.then_some(ZIP) };
	let header = serde_json::to_vec(&header).map_err(|e| ShareError::JweHeader(e.to_string()))?;
	let protected = B64URL.encode(header);

	let mut buffer = if deflate { deflate_raw(plaintext)? } else { plaintext.to_vec() };
	let mut iv = [0u8; IV_LEN];
	OsRng.fill_bytes(&mut iv);
	let key: &Key<Aes256Gcm> = key.into();
	let tag = Aes256Gcm::new(key)
		.encrypt_in_place_detached(&Nonce::<U12>::from(iv), protected.as_bytes(), &mut buffer)
		.map_err(|_| ShareError::Encryption)?;

	Ok(format!(
		"{protected}..{}.{}.{}",
		B64URL.encode(iv),
		B64URL.encode(buffer),
		B64URL.encode(tag)
	))
}

/// What a file's protected header says, once checked: what a host can verify without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
	/// The declared content type.
	pub cty: Option<String>,
	/// Whether the plaintext was raw-DEFLATE compressed.
	pub zip: bool,
}

/// Checks a compact JWE's form and protected header (five parts, `alg: dir`, `enc: A256GCM`,
/// `zip` absent or `DEF`, no `crit`, an empty encrypted key) without decrypting it.
pub fn protected_header(compact: &str) -> Result<Header, ShareError> {
	let parts: Vec<&str> = compact.trim().split('.').collect();
	let &[protected, encrypted_key, _, _, _] = parts.as_slice() else {
		return Err(ShareError::JweFormat(format!(
			"expected 5 parts separated by dots (header..iv.ciphertext.tag), found {}",
			parts.len()
		)));
	};
	let header = decode_part(protected, "protected header")?;
	let header: HeaderIn =
		serde_json::from_slice(&header).map_err(|e| ShareError::JweHeader(e.to_string()))?;
	if header.alg.as_deref() != Some(ALG) {
		return Err(ShareError::UnsupportedAlg(shown(header.alg.as_deref())));
	}
	if header.enc.as_deref() != Some(ENC) {
		return Err(ShareError::UnsupportedEnc(shown(header.enc.as_deref())));
	}
	let zip = match header.zip.as_deref() {
		None => false,
		Some(ZIP) => true,
		Some(other) => return Err(ShareError::UnsupportedZip(shown(Some(other)))),
	};
	// RFC 7515 §4.1.11: a recipient must refuse extensions it does not understand, and
	// SMART Health Links define none.
	if let Some(crit) = header.crit {
		return Err(ShareError::UnsupportedCrit(crit.join(", ")));
	}
	// RFC 7518 §4.5: with `dir` the encrypted key must be empty.
	if !encrypted_key.is_empty() {
		return Err(ShareError::JweFormat(
			"with alg \"dir\" the encrypted key (second part) must be empty".into(),
		));
	}
	Ok(Header { cty: header.cty, zip })
}

/// Decrypts a compact JWE made with the link's `key`. Refuses anything but `alg: dir`,
/// `enc: A256GCM` and (when present) `zip: DEF`, any `crit` header, and files that inflate to
/// more than [`MAX_INFLATED_BYTES`]. Surrounding whitespace (a trailing newline in a file) is
/// ignored.
pub fn decrypt(key: &[u8; 32], compact: &str) -> Result<Decrypted, ShareError> {
	let header = protected_header(compact)?;
	let parts: Vec<&str> = compact.trim().split('.').collect();
	let &[protected, _, iv, ciphertext, tag] = parts.as_slice() else {
		return Err(ShareError::JweFormat("expected 5 parts".into()));
	};
	let inflate = header.zip;

	let iv = decode_part(iv, "IV")?;
	let iv = <[u8; IV_LEN]>::try_from(iv.as_slice()).map_err(|_| {
		ShareError::JweFormat(format!("the IV must be {IV_LEN} bytes, not {}", iv.len()))
	})?;
	let tag = decode_part(tag, "authentication tag")?;
	let tag = <[u8; TAG_LEN]>::try_from(tag.as_slice()).map_err(|_| {
		ShareError::JweFormat(format!(
			"the authentication tag must be {TAG_LEN} bytes, not {}",
			tag.len()
		))
	})?;
	let mut buffer = decode_part(ciphertext, "ciphertext")?;

	let key: &Key<Aes256Gcm> = key.into();
	Aes256Gcm::new(key)
		.decrypt_in_place_detached(
			&Nonce::<U12>::from(iv),
			protected.as_bytes(),
			&mut buffer,
			&Tag::<U16>::from(tag),
		)
		.map_err(|_| ShareError::Decryption)?;

	let plaintext = if inflate { inflate_raw(&buffer, MAX_INFLATED_BYTES)? } else { buffer };
	Ok(Decrypted { cty: header.cty, plaintext })
}

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, ShareError> {
	B64URL
		.decode(part)
		.map_err(|e| ShareError::JweFormat(format!("the {what} is not valid base64url ({e})")))
}

/// A header value for an error message: quoted, or "missing".
fn shown(value: Option<&str>) -> String {
	value.map_or_else(|| "(missing)".to_owned(), |v| format!("{v:?}"))
}

/// Raw DEFLATE (RFC 1951), without the zlib header the specification rules out.
fn deflate_raw(plaintext: &[u8]) -> Result<Vec<u8>, ShareError> {
	let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
	encoder.write_all(plaintext).map_err(ShareError::Deflate)?;
	encoder.finish().map_err(ShareError::Deflate)
}

/// Inflates raw DEFLATE, stopping one byte past `limit` so that a bomb costs at most `limit`
/// bytes of memory before it is refused.
fn inflate_raw(compressed: &[u8], limit: usize) -> Result<Vec<u8>, ShareError> {
	let mut plaintext = Vec::new();
	DeflateDecoder::new(compressed)
		.take(limit as u64 + 1)
		.read_to_end(&mut plaintext)
		.map_err(ShareError::Inflate)?;
	if plaintext.len() > limit {
		return Err(ShareError::TooLarge { limit });
	}
	Ok(plaintext)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// "Example Encryption" / "Example Decryption" in the links specification
	/// (HL7/smart-health-cards-and-links, input/pagecontent/links-specification.md): the key
	/// from the example payload and the file jose encrypted with it (no `zip`).
	const SPEC_KEY: &str = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q";
	const SPEC_FILE: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiYXBwbGljYXRpb24vc21hcnQtaGVhbHRoLWNhcmQifQ..B9Bd5AW751az-gEx.iah6mxLb5TQe2ZfCwEUs4R1t8WoP0mnFc-TUzN1NIyzUeDwJNOcxv4CY8wV6ys4Dicnr3IhqTvVU1RbR-4eq1GCd4g96faV8_0MbHwXzP246Tz9BDLhQ2zlAjYqvvCi_JuWdyWqGhKeWGX1XibNHFzzVT0FmYensfKF4o0uSeZWQDKVEEhzMSKuALMpUkfwHcmCRfLT-ctANSxq-Zj0IIeT66XbztOomStjlfi-F-FaqBGZfHOARCVvT143CTYELLJCUdD4qUVkrNuLmRZrNuqVpY0g5BjABswkIoDmyoRJAEohuZCamZNA--p-uRqJjRefED1eMrKSppabV2ugaqoFlieujTOE-a3VKib9aC-lFsmLalkwh9ctr_FZqS9H46rqGjGcOxtAXalo1jkMPGupVsE1W-xIH14wbPCYcgfldH9SH7X60462kxD8OFdHpvnnfAvjQnaE4QDqasT5ySpBRtck4GVxs2IRBt62-kOlzoI8lHapLdwIms-Gdt7z38E47ZE3afE4IIbobPGz7wGvjbi3z234ARvGQ4jREgPQb1NRYAEtZlrZNzR6N7ofXD8jF502tw-QWI_Ox0jFP5tynIiMp-hG25ecQ0s4MzPHFC0ZABPamgg3MS-UILl76gMDCHS5Te_JAXZoC1HnkETw5M217SaG5ISAU0F5qETMREfTjZR9E45MDhnw7uY1vo2lffRB3ei1QqGuLh0gUnVU7TUfFYwcOqV15sb0t1lMj0mmyG5v-_dE9H6dYtRKJARltmdfSmc1HisBewx75Xh5ChJQ1hiCEDaZ1wqFjsFJ6SrKgJ7C1N7vx6QKx8YXwFH7ePG2qG39leT5JKZnqAvi9fqc6x-YwfhSjbRKGZoj2o55Fd2fbwtK6CXpiW6AekT7PUcl_7ynTq-DaQ_Yc29WwtmgapcCRNpfcMsoqCD4giu1V3Sj5DQLglwuk1gAMcuV5fo8JpABu2_is83WZ_GJ1WWMUxyZGq6u-EGuZrP96Yewb7-zfnt2lao_LJg1ef5cqDTW7-0MS27wkmLiIi0e-PYvS-UfWVHg1oNbR-MHXMVEQ6gqNg08IgEyPDSFCUbf75HuMILN80bQNtSlFj6FR7uNKHr8sigvKI80k.5flOKKmeqYm0TamwROr8Nw";
	/// The start of the credential the specification shows in the decrypted file.
	const SPEC_JWS_PREFIX: &str = "eyJ6aXAiOiJERUYiLCJhbGciOiJFUzI1NiIsImtpZCI6IjNLZmRnLVh3UC03Z1h5eXd0VWZVQUR3QnVtRE9QS01ReC1pRUxMMTFX";

	const KEY: [u8; 32] = [0x42; 32];
	const FHIR: &str = "application/fhir+json";

	fn spec_key() -> [u8; 32] {
		<[u8; 32]>::try_from(B64URL.decode(SPEC_KEY).unwrap().as_slice()).unwrap()
	}

	fn parts(compact: &str) -> Vec<String> {
		compact.split('.').map(str::to_owned).collect()
	}

	fn header_of(compact: &str) -> serde_json::Value {
		serde_json::from_slice(&B64URL.decode(&parts(compact)[0]).unwrap()).unwrap()
	}

	/// `compact` with its header replaced by `header` (the other parts unchanged).
	fn with_header(compact: &str, header: &str) -> String {
		let mut p = parts(compact);
		p[0] = B64URL.encode(header);
		p.join(".")
	}

	/// `compact` with one bit of part `index` flipped.
	fn flip_bit(compact: &str, index: usize) -> String {
		let mut p = parts(compact);
		let mut bytes = B64URL.decode(&p[index]).unwrap();
		bytes[0] ^= 1;
		p[index] = B64URL.encode(bytes);
		p.join(".")
	}

	fn bundle() -> Vec<u8> {
		let entry = r#"{"resource":{"resourceType":"Observation","status":"final"}}"#;
		format!(r#"{{"resourceType":"Bundle","entry":[{}]}}"#, [entry; 200].join(",")).into_bytes()
	}

	#[test]
	fn decrypts_the_spec_example_file() {
		let file = decrypt(&spec_key(), SPEC_FILE).unwrap();
		assert_eq!(file.cty.as_deref(), Some("application/smart-health-card"));
		let json: serde_json::Value = serde_json::from_slice(&file.plaintext).unwrap();
		let credentials = json["verifiableCredential"].as_array().unwrap();
		assert_eq!(credentials.len(), 1);
		assert!(credentials[0].as_str().unwrap().starts_with(SPEC_JWS_PREFIX));
		assert!(matches!(decrypt(&KEY, SPEC_FILE), Err(ShareError::Decryption)));
	}

	#[test]
	fn round_trips_with_and_without_zip() {
		let plaintext = bundle();
		for deflate in [false, true] {
			let compact = encrypt(&KEY, &plaintext, FHIR, deflate).unwrap();
			let p = parts(&compact);
			assert_eq!(p.len(), 5);
			assert!(p[1].is_empty(), "dir has no encrypted key");
			assert_eq!(B64URL.decode(&p[2]).unwrap().len(), IV_LEN);
			assert_eq!(B64URL.decode(&p[4]).unwrap().len(), TAG_LEN);
			assert!(!compact.contains('='), "base64url without padding");
			let file = decrypt(&KEY, &compact).unwrap();
			assert_eq!(file.cty.as_deref(), Some(FHIR));
			assert_eq!(file.plaintext, plaintext);
			let ciphertext_len = B64URL.decode(&p[3]).unwrap().len();
			if deflate {
				assert!(ciphertext_len < plaintext.len() / 4, "repetitive JSON compresses");
			} else {
				assert_eq!(ciphertext_len, plaintext.len());
			}
		}
		let empty = encrypt(&KEY, b"", FHIR, true).unwrap();
		assert!(decrypt(&KEY, &empty).unwrap().plaintext.is_empty());
	}

	#[test]
	fn writes_the_header_the_spec_shows() {
		let plain = encrypt(&KEY, b"{}", FHIR, false).unwrap();
		let header = String::from_utf8(B64URL.decode(&parts(&plain)[0]).unwrap()).unwrap();
		assert_eq!(header, r#"{"alg":"dir","enc":"A256GCM","cty":"application/fhir+json"}"#);
		let zipped = encrypt(&KEY, b"{}", FHIR, true).unwrap();
		assert_eq!(header_of(&zipped)["zip"], "DEF");
	}

	#[test]
	fn zip_is_raw_deflate() {
		// Decrypt the zipped file as if it had no zip: what is left must be raw DEFLATE (no
		// zlib header), which flate2's raw decoder reads back.
		let plaintext = bundle();
		let compact = encrypt(&KEY, &plaintext, FHIR, true).unwrap();
		let p = parts(&compact);
		let iv = <[u8; IV_LEN]>::try_from(B64URL.decode(&p[2]).unwrap().as_slice()).unwrap();
		let tag = <[u8; TAG_LEN]>::try_from(B64URL.decode(&p[4]).unwrap().as_slice()).unwrap();
		let mut buffer = B64URL.decode(&p[3]).unwrap();
		let key: &Key<Aes256Gcm> = (&KEY).into();
		Aes256Gcm::new(key)
			.decrypt_in_place_detached(
				&Nonce::<U12>::from(iv),
				p[0].as_bytes(),
				&mut buffer,
				&Tag::<U16>::from(tag),
			)
			.unwrap();
		assert_ne!(buffer[0], 0x78, "no zlib header");
		let mut inflated = Vec::new();
		DeflateDecoder::new(buffer.as_slice()).read_to_end(&mut inflated).unwrap();
		assert_eq!(inflated, plaintext);
	}

	#[test]
	fn every_encryption_draws_a_fresh_iv() {
		let a = encrypt(&KEY, b"same", FHIR, false).unwrap();
		let b = encrypt(&KEY, b"same", FHIR, false).unwrap();
		assert_ne!(parts(&a)[2], parts(&b)[2]);
		assert_ne!(a, b);
	}

	#[test]
	fn tampering_anywhere_fails_decryption() {
		let compact = encrypt(&KEY, &bundle(), FHIR, true).unwrap();
		// IV, ciphertext and tag.
		for index in [2, 3, 4] {
			let tampered = flip_bit(&compact, index);
			assert!(matches!(decrypt(&KEY, &tampered), Err(ShareError::Decryption)), "{index}");
		}
		// A header that still passes every check but is not the one encrypted with (the
		// header is the associated data).
		let swapped = with_header(&compact, r#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#);
		assert!(matches!(decrypt(&KEY, &swapped), Err(ShareError::Decryption)));
		let mut wrong_key = KEY;
		wrong_key[31] ^= 0x80;
		assert!(matches!(decrypt(&wrong_key, &compact), Err(ShareError::Decryption)));
		// Truncated ciphertext.
		let mut p = parts(&compact);
		let ciphertext = B64URL.decode(&p[3]).unwrap();
		p[3] = B64URL.encode(&ciphertext[..ciphertext.len() - 1]);
		assert!(matches!(decrypt(&KEY, &p.join(".")), Err(ShareError::Decryption)));
	}

	#[test]
	fn refuses_other_algorithms_and_compressions() {
		let compact = encrypt(&KEY, b"{}", FHIR, false).unwrap();
		let cases = [
			(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#, "alg"),
			(r#"{"enc":"A256GCM"}"#, "alg"),
			(r#"{"alg":"dir","enc":"A128GCM"}"#, "enc"),
			(r#"{"alg":"dir","enc":"A256CBC-HS512"}"#, "enc"),
			(r#"{"alg":"dir","enc":"A256GCM","zip":"GZIP"}"#, "zip"),
			(r#"{"alg":"dir","enc":"A256GCM","crit":["b64"],"b64":false}"#, "crit"),
			(r#"{"alg":"dir","alg":"dir","enc":"A256GCM"}"#, "header"),
			("not json", "header"),
		];
		for (header, refused) in cases {
			let result = decrypt(&KEY, &with_header(&compact, header));
			let ok = match refused {
				"alg" => matches!(result, Err(ShareError::UnsupportedAlg(_))),
				"enc" => matches!(result, Err(ShareError::UnsupportedEnc(_))),
				"zip" => matches!(result, Err(ShareError::UnsupportedZip(_))),
				"crit" => matches!(result, Err(ShareError::UnsupportedCrit(_))),
				_ => matches!(result, Err(ShareError::JweHeader(_))),
			};
			assert!(ok, "{header}: {result:?}");
		}
	}

	#[test]
	fn refuses_malformed_compact_serialisations() {
		let compact = encrypt(&KEY, b"{}", FHIR, false).unwrap();
		let p = parts(&compact);
		let malformed = [
			String::new(),
			p[..4].join("."),
			format!("{compact}.x"),
			// An encrypted key, which `dir` does not have.
			format!("{}.AAAA.{}.{}.{}", p[0], p[2], p[3], p[4]),
			// A 16-byte IV.
			format!("{}..{}.{}.{}", p[0], B64URL.encode([0u8; 16]), p[3], p[4]),
			// A truncated tag.
			format!("{}..{}.{}.{}", p[0], p[2], p[3], B64URL.encode([0u8; 12])),
			// Not base64url.
			format!("{}..{}.{}.***", p[0], p[2], p[3]),
		];
		for bad in &malformed {
			assert!(matches!(decrypt(&KEY, bad), Err(ShareError::JweFormat(_))), "{bad:?}");
		}
		assert!(decrypt(&KEY, &format!("{compact}\n")).is_ok(), "a trailing newline is fine");
	}

	#[test]
	fn inflation_is_capped() {
		let zeros = vec![0u8; 100_000];
		let bomb = deflate_raw(&zeros).unwrap();
		assert!(bomb.len() < 1_000);
		assert_eq!(inflate_raw(&bomb, zeros.len()).unwrap(), zeros);
		assert!(matches!(
			inflate_raw(&bomb, zeros.len() - 1),
			Err(ShareError::TooLarge { limit }) if limit == zeros.len() - 1
		));
		assert!(matches!(inflate_raw(b"\xff\xff\xff", 100), Err(ShareError::Inflate(_))));
	}

	#[test]
	fn debug_shows_no_plaintext() {
		let file = Decrypted { cty: Some(FHIR.into()), plaintext: b"secret diagnosis".to_vec() };
		let shown = format!("{file:?}");
		assert!(!shown.contains("115, 101"), "{shown}");
		assert!(shown.contains("16"));
	}
}
