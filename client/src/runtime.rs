//! Calls, storage, view functions and types generated at compile time from the runtime
//! metadata (V16) committed in `client/metadata/medchain.scale`. `scripts/update-metadata.sh`
//! regenerates the file; the end-to-end test fails while it is stale.

#[subxt::subxt(
	runtime_metadata_path = "metadata/medchain.scale",
	derive_for_type(path = "medchain_primitives::Role", derive = "Clone, Copy, PartialEq, Eq")
)]
pub mod medchain {
	// subxt does not track the metadata file: including it makes cargo rebuild on change.
	const _: &[u8] = include_bytes!("../metadata/medchain.scale");
}
