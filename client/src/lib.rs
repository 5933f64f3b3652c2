//! # MedChain client
//!
//! The library patients, clinicians and integrators use to work with a MedChain node:
//!
//! - [`roles`]: one API per role (patient, doctor, hospital, pharmacy, verifier) over a
//!   [`roles::Session`], wrapping every call and query of the MedChain pallets;
//! - [`crypto`]: keys from one BIP39 phrase, the password-protected keystore, chunked record
//!   encryption and the HPKE key envelopes that go on chain;
//! - [`share`]: SMART Health Links (HL7 STU1) to share records with someone who has no account:
//!   the `shlink:/` link, the JWE its files are encrypted with, the share host's protocol;
//! - [`fhir`]: the FHIR R4 resources of a patient's export and of what a link shares;
//! - [`storage`]: UnixFS import byte-identical to Kubo's `ipfs add`, an embedded blockstore,
//!   CARv1 export/import and a Kubo RPC backend;
//! - [`chain`]: the subxt connection, with calls and types generated at compile time from the
//!   runtime metadata in `metadata/medchain.scale` ([`runtime`]);
//! - [`walkthrough`]: the whole story end to end, as `medchain walkthrough` runs it.
//!
//! Plaintext never leaves the client: files are encrypted before they are stored, titles are
//! sealed with the record's key, and the chain sees only CIDs, sizes and envelopes.

pub mod chain;
pub mod crypto;
pub mod error;
pub mod fhir;
pub mod roles;
pub mod runtime;
pub mod share;
pub mod storage;
pub mod walkthrough;

pub use error::ClientError;
