#!/usr/bin/env bash
# Measures MedChain's capacity (docs/performance.md): starts a fresh dev node with a pool large
# enough for a whole workload, runs `medchain-load` against it (every workload, counted from
# finalized blocks), samples the node's memory meanwhile, and writes the report and its charts
# to docs/performance/. Sizes: ACCOUNTS (per role, default 1000) and PER_SENDER (default 10).
source "$(dirname "$0")/env.sh"
ensure_tools
cd "$MEDCHAIN_ROOT"

if ! [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
	log "installing fonts-dejavu-core (text in the charts)"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-dejavu-core >/dev/null
fi

log "building"
cargo build "${BUILD_FLAGS[@]}"

out="${OUT:-docs/performance}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'kill "$node_pid" "$sampler_pid" 2>/dev/null; rm -rf "$work"' EXIT

# The default pool holds 8192 ready transactions and 20 MiB: a workload of 10 000 pre-signed
# extrinsics needs more, so both limits are raised (the flags are documented in
# docs/performance.md).
"$NODE_BIN" --dev --base-path "$work/node" --rpc-port 0 --no-prometheus \
	--pool-limit 100000 --pool-kbytes 1000000 --rpc-max-connections 1000 \
	2>"$work/node.log" &
node_pid=$!
for _ in $(seq 1 120); do
	grep -q "Running JSON-RPC server" "$work/node.log" && break
	sleep 0.5
done
port="$(sed -n 's/.*Running JSON-RPC server: addr=[^,]*:\([0-9]*\).*/\1/p' "$work/node.log" | head -1)"
[ -n "$port" ] || die "the node serves no RPC: $(tail -5 "$work/node.log")"

# The node's resident memory, once a second, for the whole run.
(while kill -0 "$node_pid" 2>/dev/null; do
	awk '/VmRSS/ {print $2}' "/proc/$node_pid/status"
	sleep 1
done) >"$work/rss.txt" &
sampler_pid=$!

log "measuring (${ACCOUNTS:-1000} accounts per role, ${PER_SENDER:-10} calls per sender)"
"$CARGO_TARGET_DIR/release/medchain-load" --url "ws://127.0.0.1:$port" \
	--accounts "${ACCOUNTS:-1000}" --per-sender "${PER_SENDER:-10}" --out "$out" | tee "$out/table.md"

peak="$(sort -n "$work/rss.txt" | tail -1)"
last="$(tail -1 "$work/rss.txt")"
printf '\nNode resident memory: peak %s MiB, at the end %s MiB.\n' \
	"$((peak / 1024))" "$((last / 1024))" | tee -a "$out/table.md"
