//! # MedChain client
//!
//! The subxt-based client library (one API per role, end-to-end encryption, IPFS storage) and
//! the `medchain` CLI are built here next. The crate already exists so that the workspace
//! resolves subxt and subxt-signer once, together with the node's own RPC stack: adding them
//! later would change the features of crates the node shares with them and rebuild the node.
