#!/usr/bin/env bash
# Runs MedChain: builds the node (and the client) and starts a development chain.
# Extra arguments go to the node, e.g. `scripts/run.sh --rpc-external`.
source "$(dirname "$0")/env.sh"
ensure_tools
cd "$MEDCHAIN_ROOT"

log "building (release, cached in $CARGO_TARGET_DIR)"
cargo build "${BUILD_FLAGS[@]}"

log "starting a MedChain dev node: RPC ws://127.0.0.1:9944, Ctrl-C to stop"
exec "$NODE_BIN" --dev "$@"
