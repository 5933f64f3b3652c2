#!/usr/bin/env bash
# Runs MedChain: builds the node and the `medchain` CLI, starts a development chain and runs
# the whole story on it (five users, every flow, the audit trail), printing each step. The
# node and the web dashboard keep running afterwards, with the story's accounts in the
# keystore (password: $MEDCHAIN_PASSWORD, default `medchain-demo`), for you to go on in the
# browser or with the CLI; Ctrl-C stops both. UI_PORT sets the dashboard's port (7878). `WALKTHROUGH=0 scripts/run.sh` only starts the node. Extra arguments go to
# the node, e.g. `scripts/run.sh --rpc-external`.
source "$(dirname "$0")/env.sh"
ensure_tools
cd "$MEDCHAIN_ROOT"

log "building (release, cached in $CARGO_TARGET_DIR)"
cargo build "${BUILD_FLAGS[@]}"
mark_built

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

home="$work/home"
export MEDCHAIN_PASSWORD="${MEDCHAIN_PASSWORD:-medchain-demo}"
log "running the walkthrough against $node_url (keys and files in $home)"
"$CLI_BIN" --node "$node_url" --home "$home" walkthrough --dir "$home" --save-accounts

log "starting the dashboard"
"$CLI_BIN" --node "$node_url" --home "$home" ui --port "${UI_PORT:-7878}" >"$work/ui.log" 2>&1 &
ui_pid=$!
trap 'kill "$ui_pid" "$node_pid" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 60); do
	grep -q "Sign in" "$work/ui.log" 2>/dev/null && break
	kill -0 "$ui_pid" 2>/dev/null || { cat "$work/ui.log"; die "the dashboard stopped"; }
	sleep 0.5
done
cat "$work/ui.log"
cat <<EOT

Open the link above in a browser, then unlock any of the story's accounts with the password
"$MEDCHAIN_PASSWORD": alice (verifier), patient, dr-ada, dr-ben (doctors), st-marys (hospital),
pharmacy. Lock to switch accounts. The link works once: for a new one, run
  $CLI_BIN --node $node_url --home $home ui --port 0
The CLI works on the same keys, e.g.
  $CLI_BIN --node $node_url --home $home --account patient patient audit
The node ($node_url) and the dashboard keep running; Ctrl-C stops both.
EOT
wait "$node_pid"
