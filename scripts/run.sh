#!/usr/bin/env bash
# Runs MedChain: builds the node and the `medchain` CLI, starts a development chain and runs
# the whole story on it (five users, every flow, the audit trail), printing each step. The
# node keeps running afterwards (RPC ws://127.0.0.1:9944) for you to go on with the CLI;
# Ctrl-C stops it. `WALKTHROUGH=0 scripts/run.sh` only starts the node. Extra arguments go to
# the node, e.g. `scripts/run.sh --rpc-external`.
source "$(dirname "$0")/env.sh"
ensure_tools
cd "$MEDCHAIN_ROOT"

log "building (release, cached in $CARGO_TARGET_DIR)"
cargo build "${BUILD_FLAGS[@]}"

if [ "${WALKTHROUGH:-1}" = "0" ]; then
	log "starting a MedChain dev node: RPC ws://127.0.0.1:9944, Ctrl-C to stop"
	exec "$NODE_BIN" --dev "$@"
fi

work="$(mktemp -d -t medchain-run.XXXXXX)"
log "starting a MedChain dev node (data and log in $work)"
"$NODE_BIN" --dev --base-path "$work/node" "$@" 2>"$work/node.log" &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 120); do
	grep -q "Running JSON-RPC server" "$work/node.log" 2>/dev/null && break
	kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; die "the node stopped"; }
	sleep 0.5
done
rpc_port="$(sed -n 's/.*Running JSON-RPC server: addr=[^,]*:\([0-9]*\).*/\1/p' "$work/node.log" | head -1)"
node_url="ws://127.0.0.1:${rpc_port:-9944}"

log "running the walkthrough against $node_url"
"$CLI_BIN" --node "$node_url" walkthrough --dir "$work/story"

log "the node keeps running at $node_url; try: $CLI_BIN --help   (Ctrl-C stops it)"
wait "$node_pid"
