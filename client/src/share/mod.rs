//! SMART Health Links (HL7 SMART Health Cards and Links IG, STU1), without the chain (the
//! patient's side is [`crate::roles::links`], the host's `medchain share-host`):
//!
//! - [`link`]: the `shlink:/` URI and its JSON payload (manifest URL, key, flags, label, expiry),
//!   the random manifest id that makes the manifest URL unguessable, and the link id the chain
//!   knows the link by (a hash of that id, so the chain never shows where the link is served);
//! - [`jwe`]: the compact JWE (`alg: dir`, `enc: A256GCM`, optionally `zip: DEF`) every shared
//!   file and embedded manifest entry is encrypted with, under the link's key;
//! - [`bundle`]: the FHIR R4 bundle a link carries;
//! - [`host`]: a patient's requests to a share host (its account, the signed upload);
//! - [`qr`]: a link as a QR code;
//! - [`receive`]: opening a link as its recipient.
//!
//! The key travels only inside the link: whoever serves the manifest and files sees ciphertext.

pub mod bundle;
pub mod host;
pub mod jwe;
pub mod link;
pub mod qr;
pub mod receive;

pub use jwe::Decrypted;
pub use link::{Flags, ShLink};

use base64::{
	alphabet,
	engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};

/// Base64url as the specification writes it (no padding), but reading padded input too: some
/// generators pad, and padding carries no information.
const B64URL: GeneralPurpose = GeneralPurpose::new(
	&alphabet::URL_SAFE,
	GeneralPurposeConfig::new()
		.with_encode_padding(false)
		.with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What can be wrong with a SMART Health Link or one of its encrypted files, each saying what
/// to do about it. Messages never include the link's key or its manifest URL (both are
/// capabilities, and errors end up in logs).
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
	#[error(
		"not a SMART Health Link: it must start with shlink:/ (optionally after a viewer URL \
		 ending in #)"
	)]
	NotALink,
	#[error(
		"the SMART Health Link payload is not valid base64url ({0}): copy the whole link, \
		 without spaces or line breaks"
	)]
	PayloadEncoding(base64::DecodeError),
	#[error("the SMART Health Link payload is not the JSON object the specification defines: {0}")]
	PayloadJson(String),
	#[error("the link's key is not valid base64url ({0}): the link is damaged")]
	KeyEncoding(base64::DecodeError),
	#[error(
		"the link's key is {0} bytes; SMART Health Links use 32-byte keys (43 base64url \
		 characters): the link is damaged or was not made for SMART Health Links"
	)]
	KeyLength(usize),
	#[error(
		"the manifest url is {0} characters long; SMART Health Links allow at most 128: use a \
		 shorter host name or path"
	)]
	UrlTooLong(usize),
	#[error("the manifest url is not allowed: {0}")]
	BadUrl(String),
	#[error("the label is {0} characters long; SMART Health Links allow at most 80: shorten it")]
	LabelTooLong(usize),
	#[error(
		"flags P (passcode) and U (direct file) cannot be combined: a U link is fetched with a \
		 plain GET that carries no passcode; drop one of them"
	)]
	PasscodeWithDirect,
	#[error("not a compact JWE: {0}")]
	JweFormat(String),
	#[error("the JWE protected header is not valid JSON of the expected shape: {0}")]
	JweHeader(String),
	#[error(
		"JWE alg {0} is not supported: SMART Health Link files use \"dir\" (the link's key \
		 encrypts the file directly)"
	)]
	UnsupportedAlg(String),
	#[error("JWE enc {0} is not supported: SMART Health Link files use \"A256GCM\"")]
	UnsupportedEnc(String),
	#[error("JWE zip {0} is not supported: only \"DEF\" (raw DEFLATE) is defined")]
	UnsupportedZip(String),
	#[error(
		"the JWE marks extensions as critical ({0}) that SMART Health Links do not define; \
		 refusing it"
	)]
	UnsupportedCrit(String),
	#[error(
		"the file cannot be decrypted: the link's key is wrong, or the file was altered or \
		 truncated"
	)]
	Decryption,
	#[error("the file cannot be encrypted: it is larger than AES-GCM allows (64 GiB)")]
	Encryption,
	#[error("compressing the file failed: {0}")]
	Deflate(std::io::Error),
	#[error("the decrypted file is not valid raw DEFLATE data ({0}): the sender's zip is broken")]
	Inflate(std::io::Error),
	#[error(
		"the file is larger than {limit} bytes once decompressed; refusing it (it may be a \
		 zip bomb)"
	)]
	TooLarge { limit: usize },
	#[error("the link does not fit in a QR code ({0}): use a shorter label or host URL")]
	Qr(String),
}
