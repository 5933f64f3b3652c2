//! The SMART Health Link itself: `shlink:/` followed by the base64url of a minified JSON payload
//! (links specification, "Construct a SMART Health Link Payload"), optionally after a viewer URL
//! ending in `#` so browsers never send the payload to the viewer's server.
//!
//! Also the manifest id (the random path segment that gives the manifest URL its 256 bits of
//! entropy) and the link id derived from it, which is all the chain ever sees of a link.

use std::fmt;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::{ShareError, B64URL};

/// The URI scheme and separator every SMART Health Link starts with.
pub const SCHEME: &str = "shlink:/";
/// The longest manifest URL (the payload's `url`) the specification allows, in characters.
pub const MAX_URL_CHARS: usize = 128;
/// The longest label the specification allows, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// The protocol version this code implements; an absent `v` means this one.
pub const PROTOCOL_VERSION: u32 = 1;

/// Plain http is only for hosts that never leave the machine (tests and local development).
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The payload's `flag` letters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
	/// `L`: long-term use; the manifest may change over time.
	pub long_term: bool,
	/// `P`: the manifest request needs a passcode.
	pub passcode: bool,
	/// `U`: `url` is the single encrypted file, fetched with GET, with no manifest.
	pub direct: bool,
}

impl Flags {
	/// Reads a `flag` string. Unknown letters are ignored, as the specification requires of
	/// receivers (new flags may be added without a version bump).
	pub fn from_letters(letters: &str) -> Flags {
		Flags {
			long_term: letters.contains('L'),
			passcode: letters.contains('P'),
			direct: letters.contains('U'),
		}
	}

	/// The `flag` string: the set letters in alphabetical order (empty when none is set).
	pub fn letters(&self) -> String {
		[(self.long_term, 'L'), (self.passcode, 'P'), (self.direct, 'U')]
			.into_iter()
			.filter_map(|(set, letter)| set.then_some(letter))
			.collect()
	}

	/// True when no flag is set (the payload then has no `flag`).
	pub fn is_empty(&self) -> bool {
		!(self.long_term || self.passcode || self.direct)
	}
}

/// A decoded SMART Health Link payload.
///
/// Serde reads and writes the specification's JSON payload (`key` as base64url); reading
/// validates it like [`ShLink::parse`]. Unknown properties are ignored, as the specification
/// requires of receivers.
#[derive(Clone, PartialEq, Eq)]
pub struct ShLink {
	/// The manifest URL (or, with the `U` flag, the URL of the single encrypted file).
	pub url: String,
	/// The key every file of the link is encrypted with (JWE `dir`, `A256GCM`).
	pub key: [u8; 32],
	/// Expiry in seconds since the Unix epoch: a hint for receivers, enforced by the server.
	pub exp: Option<u64>,
	pub flags: Flags,
	/// A short description of what is shared, at most 80 characters.
	pub label: Option<String>,
	/// The protocol version; `None` means 1.
	pub v: Option<u32>,
}

impl ShLink {
	/// The bare link, `shlink:/` + base64url (no padding) of the minified JSON payload.
	///
	/// It does not validate: call [`ShLink::validate`] on links built by hand.
	pub fn to_uri(&self) -> String {
		// Serialising strings and integers into JSON cannot fail.
		let json = serde_json::to_vec(&Payload::from(self)).unwrap_or_default();
		format!("{SCHEME}{}", B64URL.encode(json))
	}

	/// The link behind a viewer URL: `viewer` + `#` (added when `viewer` does not already end
	/// with one) + the bare link. The payload is then in the URL's fragment, which browsers do
	/// not send to the viewer's server.
	pub fn with_viewer(&self, viewer: &str) -> String {
		let separator = if viewer.ends_with('#') { "" } else { "#" };
		format!("{viewer}{separator}{}", self.to_uri())
	}

	/// Reads a link: a bare `shlink:/…`, or a viewer URL whose fragment is `shlink:/…`.
	/// Surrounding whitespace (a trailing newline from a QR scanner or a file) is ignored.
	pub fn parse(s: &str) -> Result<ShLink, ShareError> {
		let s = s.trim();
		let encoded = strip_scheme(s)
			.or_else(|| s.split_once('#').and_then(|(_, fragment)| strip_scheme(fragment)))
			.ok_or(ShareError::NotALink)?;
		let json = B64URL.decode(encoded).map_err(ShareError::PayloadEncoding)?;
		let payload: Payload =
			serde_json::from_slice(&json).map_err(|e| ShareError::PayloadJson(e.to_string()))?;
		ShLink::try_from(payload)
	}

	/// Checks what the specification requires of a payload: an https manifest URL (http only
	/// on loopback) of at most 128 characters, a label of at most 80, and never `P` with `U`.
	pub fn validate(&self) -> Result<(), ShareError> {
		check_url(&self.url)?;
		if let Some(label) = &self.label {
			let chars = label.chars().count();
			if chars > MAX_LABEL_CHARS {
				return Err(ShareError::LabelTooLong(chars));
			}
		}
		if self.flags.passcode && self.flags.direct {
			return Err(ShareError::PasscodeWithDirect);
		}
		Ok(())
	}

	/// The protocol version the link declares (1 when it declares none). A receiver should not
	/// fetch a link whose version is above [`PROTOCOL_VERSION`].
	pub fn version(&self) -> u32 {
		self.v.unwrap_or(PROTOCOL_VERSION)
	}
}

impl std::str::FromStr for ShLink {
	type Err = ShareError;

	fn from_str(s: &str) -> Result<Self, ShareError> {
		ShLink::parse(s)
	}
}

/// The key is left out, so a link can be logged without handing out its files.
impl fmt::Debug for ShLink {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("ShLink")
			.field("url", &self.url)
			.field("key", &"…")
			.field("exp", &self.exp)
			.field("flags", &self.flags)
			.field("label", &self.label)
			.field("v", &self.v)
			.finish()
	}
}

impl Serialize for ShLink {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		Payload::from(self).serialize(serializer)
	}
}

impl<'de> Deserialize<'de> for ShLink {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		let payload = Payload::deserialize(deserializer)?;
		ShLink::try_from(payload).map_err(serde::de::Error::custom)
	}
}

/// The JSON payload as the specification writes it. The fields are in the order of the
/// specification's example, so that example re-encodes byte for byte.
#[derive(Serialize, Deserialize)]
struct Payload {
	url: String,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	flag: Option<String>,
	key: String,
	/// A JSON number: generators in JavaScript may write a fraction.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	exp: Option<serde_json::Number>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	label: Option<String>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	v: Option<u32>,
}

impl From<&ShLink> for Payload {
	fn from(link: &ShLink) -> Self {
		Payload {
			url: link.url.clone(),
			flag: (!link.flags.is_empty()).then(|| link.flags.letters()),
			key: B64URL.encode(link.key),
			exp: link.exp.map(serde_json::Number::from),
			label: link.label.clone(),
			v: link.v,
		}
	}
}

impl TryFrom<Payload> for ShLink {
	type Error = ShareError;

	fn try_from(payload: Payload) -> Result<Self, ShareError> {
		let key = B64URL.decode(payload.key.as_bytes()).map_err(ShareError::KeyEncoding)?;
		let key =
			<[u8; 32]>::try_from(key.as_slice()).map_err(|_| ShareError::KeyLength(key.len()))?;
		let link = ShLink {
			url: payload.url,
			key,
			exp: payload.exp.as_ref().map(exp_seconds).transpose()?,
			flags: Flags::from_letters(payload.flag.as_deref().unwrap_or_default()),
			label: payload.label,
			v: payload.v,
		};
		link.validate()?;
		Ok(link)
	}
}

/// `s` after a leading `shlink:/`, which is matched without regard to case (URI schemes are
/// case-insensitive); the payload after it is not.
fn strip_scheme(s: &str) -> Option<&str> {
	match s.get(..SCHEME.len()) {
		Some(prefix) if prefix.eq_ignore_ascii_case(SCHEME) => s.get(SCHEME.len()..),
		_ => None,
	}
}

/// `exp` in whole seconds. A fraction is dropped: the value is only a hint.
fn exp_seconds(exp: &serde_json::Number) -> Result<u64, ShareError> {
	if let Some(seconds) = exp.as_u64() {
		return Ok(seconds);
	}
	match exp.as_f64() {
		// `as` saturates, so a huge value becomes "never" rather than wrapping.
		Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds as u64),
		_ => Err(ShareError::PayloadJson(format!(
			"exp must be a non-negative number of seconds since the epoch, not {exp}"
		))),
	}
}

/// The manifest URL rules. Errors do not repeat the URL: it locates the link's files.
fn check_url(url: &str) -> Result<(), ShareError> {
	let chars = url.chars().count();
	if chars > MAX_URL_CHARS {
		return Err(ShareError::UrlTooLong(chars));
	}
	// The URL parser would quietly drop these; a link should mean exactly what it says.
	if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
		return Err(ShareError::BadUrl("it contains spaces or control characters".into()));
	}
	let parsed = reqwest::Url::parse(url)
		.map_err(|e| ShareError::BadUrl(format!("it is not an absolute URL ({e})")))?;
	// `https://trusted.example@evil.example/` reads as trusted but is not.
	if !parsed.username().is_empty() || parsed.password().is_some() {
		return Err(ShareError::BadUrl("it must not carry a user name or password".into()));
	}
	match parsed.scheme() {
		"https" => Ok(()),
		// The parser lower-cases host names and normalises IP addresses, so this is exact.
		"http" if parsed.host_str().is_some_and(|host| LOOPBACK_HOSTS.contains(&host)) => Ok(()),
		"http" => Err(ShareError::BadUrl(
			"plain http is only allowed on loopback (127.0.0.1, localhost, [::1]); serve the \
			 manifest over https"
				.into(),
		)),
		other => Err(ShareError::BadUrl(format!("it must be an https URL, not {other}:"))),
	}
}

/// A new link key: 32 bytes from the operating system's random source. The specification has
/// the sharing application generate one per link; it encrypts every file of that link.
pub fn random_key() -> [u8; 32] {
	let mut key = [0u8; 32];
	OsRng.fill_bytes(&mut key);
	key
}

/// A new manifest id: 32 bytes from the operating system's random source, base64url without
/// padding (43 characters, 256 bits of entropy, as the specification requires of the manifest
/// URL). It is the last path segment of the manifest URL.
pub fn random_manifest_id() -> String {
	let mut id = [0u8; 32];
	OsRng.fill_bytes(&mut id);
	URL_SAFE_NO_PAD.encode(id)
}

/// The id the chain knows a link by: the SHA-256 of its manifest id (as ASCII). Hashing keeps
/// the manifest URL off the chain, while the host can still map a request to its link.
pub fn link_id(manifest_id: &str) -> [u8; 32] {
	Sha256::digest(manifest_id.as_bytes()).into()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// "Example SMART Health Link Generation" in the links specification
	/// (HL7/smart-health-cards-and-links, input/pagecontent/links-specification.md): the
	/// encoded payload, and the key it carries in hex.
	const SPEC_PAYLOAD: &str = "eyJ1cmwiOiJodHRwczovL2Voci5leGFtcGxlLm9yZy9xci9ZOXh3a1VkdG1OOXd3b0pvTjNmZkpJaFgyVUd2Q0wxSm5sUFZOTDNrRFdNL20iLCJmbGFnIjoiTFAiLCJrZXkiOiJyeFRnWWxPYUtKUEZ0Y0VkMHFjY2VOOHdFVTRwOTRTcUF3SVdRZTZ1WDdRIiwibGFiZWwiOiJCYWNrLXRvLXNjaG9vbCBpbW11bml6YXRpb25zIGZvciBPbGl2ZXIgQnJvd24ifQ";
	const SPEC_KEY_HEX: &str = "af14e062539a2893c5b5c11dd2a71c78df30114e29f784aa03021641eeae5fb4";

	fn uri_of(json: &str) -> String {
		format!("{SCHEME}{}", B64URL.encode(json))
	}

	fn sample() -> ShLink {
		ShLink {
			url: format!("https://shl.example.org/m/{}", random_manifest_id()),
			key: [7u8; 32],
			exp: Some(1_900_000_000),
			flags: Flags { long_term: true, passcode: true, direct: false },
			label: Some("Bloods, March 2025 — Dr Émile Zoé".into()),
			v: Some(1),
		}
	}

	fn with_url(url: &str) -> Result<ShLink, ShareError> {
		let link = ShLink { url: url.into(), ..sample() };
		link.validate().map(|()| link)
	}

	#[test]
	fn parses_the_spec_example_link() {
		let bare = format!("shlink:/{SPEC_PAYLOAD}");
		let viewer = format!("https://viewer.example.org#shlink:/{SPEC_PAYLOAD}");
		let link = ShLink::parse(&bare).unwrap();
		assert_eq!(
			link.url,
			"https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m"
		);
		assert_eq!(hex::encode(link.key), SPEC_KEY_HEX);
		assert_eq!(link.flags, Flags { long_term: true, passcode: true, direct: false });
		assert_eq!(link.label.as_deref(), Some("Back-to-school immunizations for Oliver Brown"));
		assert_eq!(link.exp, None);
		assert_eq!(link.v, None);
		assert_eq!(link.version(), 1);
		assert_eq!(ShLink::parse(&viewer).unwrap(), link);
		// Same fields in the same order as the spec's JSON, so the link re-encodes exactly.
		assert_eq!(link.to_uri(), bare);
		assert_eq!(link.with_viewer("https://viewer.example.org#"), viewer);
		assert_eq!(link.with_viewer("https://viewer.example.org"), viewer);
	}

	#[test]
	fn round_trips_every_field() {
		let link = sample();
		let uri = link.to_uri();
		assert!(uri.starts_with(SCHEME));
		assert!(!uri.contains('='), "base64url without padding");
		assert_eq!(ShLink::parse(&uri).unwrap(), link);
		let viewed = link.with_viewer("https://viewer.example.org/#");
		assert_eq!(ShLink::parse(&viewed).unwrap(), link);

		let minimal =
			ShLink { exp: None, flags: Flags::default(), label: None, v: None, ..sample() };
		let json = B64URL.decode(&minimal.to_uri()[SCHEME.len()..]).unwrap();
		let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
		let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
		assert_eq!(keys.len(), 2, "absent fields are omitted, not null: {json}");
		assert_eq!(json["key"].as_str().unwrap().len(), 43);
		assert_eq!(ShLink::parse(&minimal.to_uri()).unwrap(), minimal);
	}

	#[test]
	fn serde_writes_and_reads_the_payload_json() {
		let link = sample();
		let json = serde_json::to_string(&link).unwrap();
		let from_uri = B64URL.decode(&link.to_uri()[SCHEME.len()..]).unwrap();
		assert_eq!(json.as_bytes(), from_uri.as_slice());
		assert!(json.contains(r#""flag":"LP""#), "{json}");
		assert!(json.contains(r#""exp":1900000000"#), "{json}");
		assert_eq!(serde_json::from_str::<ShLink>(&json).unwrap(), link);

		let bad =
			ShLink { flags: Flags { long_term: false, passcode: true, direct: true }, ..link };
		let bad_json = serde_json::to_string(&bad).unwrap();
		assert!(serde_json::from_str::<ShLink>(&bad_json).is_err());
	}

	#[test]
	fn accepts_surrounding_whitespace_and_any_case_scheme() {
		let link = sample();
		let uri = link.to_uri();
		assert_eq!(ShLink::parse(&format!("  {uri}\n")).unwrap(), link);
		let shouted = format!("SHLINK:/{}", &uri[SCHEME.len()..]);
		assert_eq!(ShLink::parse(&shouted).unwrap(), link);
	}

	#[test]
	fn refuses_what_is_not_a_link() {
		for s in ["", "https://viewer.example.org", "https://viewer.example.org#x", "shlink:"] {
			assert!(matches!(ShLink::parse(s), Err(ShareError::NotALink)), "{s:?}");
		}
		assert!(matches!(ShLink::parse("shlink:/***"), Err(ShareError::PayloadEncoding(_))));
		assert!(matches!(ShLink::parse("shlink:/"), Err(ShareError::PayloadJson(_))));
		let no_url = uri_of(r#"{"key":"rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"}"#);
		assert!(matches!(ShLink::parse(&no_url), Err(ShareError::PayloadJson(_))));
		let not_object = uri_of("[1,2,3]");
		assert!(matches!(ShLink::parse(&not_object), Err(ShareError::PayloadJson(_))));
	}

	#[test]
	fn refuses_passcode_with_direct() {
		let link =
			ShLink { flags: Flags { long_term: false, passcode: true, direct: true }, ..sample() };
		assert_eq!(link.flags.letters(), "PU");
		assert!(matches!(link.validate(), Err(ShareError::PasscodeWithDirect)));
		assert!(matches!(ShLink::parse(&link.to_uri()), Err(ShareError::PasscodeWithDirect)));
	}

	#[test]
	fn flags_are_alphabetical_and_unknown_letters_ignored() {
		let all = Flags { long_term: true, passcode: false, direct: true };
		assert_eq!(all.letters(), "LU");
		assert_eq!(Flags::from_letters("ULX"), all);
		assert!(Flags::default().is_empty());
		assert_eq!(Flags::default().letters(), "");
		let json = r#"{"url":"https://shl.example.org/m/a","flag":"LXU","key":"rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"}"#;
		assert_eq!(ShLink::parse(&uri_of(json)).unwrap().flags, all);
	}

	#[test]
	fn refuses_keys_that_are_not_32_bytes() {
		// 22 characters: 16 bytes.
		let short = r#"{"url":"https://shl.example.org/m/a","key":"AAAAAAAAAAAAAAAAAAAAAA"}"#;
		assert!(matches!(ShLink::parse(&uri_of(short)), Err(ShareError::KeyLength(16))));
		let long = format!(r#"{{"url":"https://shl.example.org/m/a","key":"{}"}}"#, "A".repeat(64));
		assert!(matches!(ShLink::parse(&uri_of(&long)), Err(ShareError::KeyLength(48))));
		let bad = r#"{"url":"https://shl.example.org/m/a","key":"rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7!"}"#;
		assert!(matches!(ShLink::parse(&uri_of(bad)), Err(ShareError::KeyEncoding(_))));
		// A padded key (44 characters) is the same key.
		let padded =
			format!(r#"{{"url":"https://shl.example.org/m/a","key":"{}="}}"#, "A".repeat(43));
		assert_eq!(ShLink::parse(&uri_of(&padded)).unwrap().key, [0u8; 32]);
	}

	#[test]
	fn manifest_url_rules() {
		for ok in [
			"https://shl.example.org/m/abc",
			"http://127.0.0.1:8080/m/abc",
			"http://localhost/m",
			"http://LOCALHOST:9/m",
			"http://[::1]:3000/m",
		] {
			assert!(with_url(ok).is_ok(), "{ok} should be accepted");
		}
		for bad in [
			"http://example.org/m",
			"http://127.0.0.1.example.org/m",
			"http://localhost.example.org/m",
			"ftp://example.org/m",
			"https://user:pw@example.org/m",
			"https://example.org/m x",
			"https://example.org/m\n",
			"/relative/m",
			"not a url",
		] {
			assert!(
				matches!(with_url(bad), Err(ShareError::BadUrl(_))),
				"{bad:?} should be refused"
			);
		}
		let base = "https://example.org/";
		let longest = format!("{base}{}", "a".repeat(MAX_URL_CHARS - base.len()));
		assert!(with_url(&longest).is_ok());
		let too_long = format!("{longest}a");
		assert!(matches!(with_url(&too_long), Err(ShareError::UrlTooLong(129))));
		// Parsing applies the same rules.
		let http =
			r#"{"url":"http://example.org/m","key":"rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"}"#;
		assert!(matches!(ShLink::parse(&uri_of(http)), Err(ShareError::BadUrl(_))));
	}

	#[test]
	fn label_is_at_most_80_characters() {
		let label = |s: String| ShLink { label: Some(s), ..sample() }.validate();
		assert!(label("x".repeat(80)).is_ok());
		assert!(label("é".repeat(80)).is_ok(), "characters, not bytes");
		assert!(matches!(label("x".repeat(81)), Err(ShareError::LabelTooLong(81))));
	}

	#[test]
	fn exp_accepts_fractions_and_refuses_negatives() {
		let key = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q";
		let with_exp = |exp: &str| {
			ShLink::parse(&uri_of(&format!(
				r#"{{"url":"https://shl.example.org/m/a","key":"{key}","exp":{exp}}}"#
			)))
		};
		assert_eq!(with_exp("1700000000").unwrap().exp, Some(1_700_000_000));
		assert_eq!(with_exp("1700000000.5").unwrap().exp, Some(1_700_000_000));
		assert!(matches!(with_exp("-1"), Err(ShareError::PayloadJson(_))));
		assert!(matches!(with_exp("\"soon\""), Err(ShareError::PayloadJson(_))));
	}

	#[test]
	fn unknown_properties_are_ignored() {
		let json = r#"{"url":"https://shl.example.org/m/a","key":"rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q","_x":1,"extension":{}}"#;
		assert!(ShLink::parse(&uri_of(json)).is_ok());
	}

	#[test]
	fn debug_leaves_the_key_out() {
		let shown = format!("{:?}", sample());
		assert!(!shown.contains("7, 7"), "{shown}");
		assert!(shown.contains("shl.example.org"));
	}

	#[test]
	fn manifest_ids_are_fresh_43_character_base64url() {
		let a = random_manifest_id();
		let b = random_manifest_id();
		assert_ne!(a, b);
		for id in [&a, &b] {
			assert_eq!(id.len(), 43);
			assert!(id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
			assert_eq!(URL_SAFE_NO_PAD.decode(id).unwrap().len(), 32);
		}
	}

	#[test]
	fn keys_are_fresh() {
		assert_ne!(random_key(), random_key());
	}

	#[test]
	fn link_id_is_sha256_of_the_manifest_id() {
		// The manifest id in the specification's example manifest URL.
		let id = link_id("I91rhba3VsuGXGchcnr6VHlQFKxfE28kuZ0ssbEuxno");
		assert_eq!(
			hex::encode(id),
			"254b40e77a61fc1468b2656958040d8e42a96fd54132389ab4078fa6cc356b59"
		);
		assert_ne!(link_id("a"), link_id("b"));
	}
}
