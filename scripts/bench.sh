#!/usr/bin/env bash
# Measures MedChain's capacity (docs/performance.md), writing everything to docs/performance/:
#  1. the 1-validator dev chain: a fresh node with a pool large enough for a whole workload,
#     `medchain-load chain` (every workload, counted from finalized blocks) while the node's
#     memory is sampled, then `benchmark block` re-executing every block of each
#     workload to compare their real execution time with their weight, a second node
#     syncing the chain, timing the same blocks again with the database commit, and
#     `benchmark storage` measuring ParityDB reads and writes on the state the run left;
#  2. the 4-validator `local` network on loopback, the same workloads submitted to all four
#     nodes, with the finality lag of every block;
#  3. `medchain-load client`: upload speed against the crypto bound, and peak memory;
#  4. only when STEPS names it, `grown`: part 1's load and `benchmark block` on a dev chain whose
#     maps start with GROWN_ENTRIES (default 200 000) entries each, the size of a grown chain's
#     (scripts/grow-state.py), to see what the same blocks cost when their writes spread thinly.
# Sizes: ACCOUNTS (per role, default 1000), LOCAL_ACCOUNTS (the network's, default ACCOUNTS),
# PER_SENDER (default 10), FILE_MIB (default 1024).
# STEPS="dev local client" (the default) picks the parts to run; SYNC=0 leaves out part 1's
# import by a second node and `benchmark storage` (STORAGE=1 keeps the latter).
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
mark_built

out="${OUT:-docs/performance}"
accounts="${ACCOUNTS:-1000}"
per_sender="${PER_SENDER:-10}"
# Four validators share the machine's cores, so the network gets fewer senders by default.
local_accounts="${LOCAL_ACCOUNTS:-$accounts}"
steps="${STEPS:-dev local client}"
LOAD="$CARGO_TARGET_DIR/release/medchain-load"
mkdir -p "$out"
work="$(mktemp -d)"
pids=()
# Under errexit a failing kill (every node already stopped) would fail the whole run.
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The default pool holds 8192 ready transactions and 20 MiB: a workload of 10 000 pre-signed
# extrinsics needs more, so both limits are raised (documented in docs/performance.md).
POOL=(--pool-limit 100000 --pool-kbytes 1000000 --rpc-max-connections 1000)

# free_port: a TCP port on loopback nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_node NAME ARGS...: starts a node on loopback with its data in $work/NAME; sets $pid
# and $port (its RPC port). It serves no metrics unless ARGS give a --prometheus-port.
start_node() {
	local name="$1" metrics=(--no-prometheus)
	shift
	[[ " $* " == *" --prometheus-port "* ]] && metrics=()
	"$NODE_BIN" --base-path "$work/$name" --rpc-port 0 "${metrics[@]}" --no-telemetry \
		--no-mdns --name "$name" "${POOL[@]}" "$@" 2>"$work/$name.log" &
	pid=$!
	pids+=("$pid")
	# A genesis of millions of keys (the grown chain) takes minutes before RPC is served.
	for _ in $(seq 1 1200); do
		grep -q "Running JSON-RPC server" "$work/$name.log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	port="$(sed -n 's/.*Running JSON-RPC server: addr=[^,]*:\([0-9]*\).*/\1/p' "$work/$name.log" | head -1)"
	[ -n "$port" ] || die "$name serves no RPC: $(tail -5 "$work/$name.log")"
}

# sample_rss PID FILE: the process's resident memory (KiB), once a second, while it runs.
sample_rss() {
	(while kill -0 "$1" 2>/dev/null; do
		awk '/VmRSS/ {print $2}' "/proc/$1/status"
		sleep 1
	done) >"$2" &
	pids+=("$!")
}

# memory_line LABEL FILE...: peak and final resident memory of the sampled nodes.
memory_line() {
	local label="$1" peak=0 last=0 f p l
	shift
	for f in "$@"; do
		p="$(sort -n "$f" | tail -1)"
		l="$(tail -1 "$f")"
		[ "${p:-0}" -gt "$peak" ] && peak="$p"
		[ "${l:-0}" -gt "$last" ] && last="$l"
	done
	printf '\n%s resident memory: peak %s MiB, at the end %s MiB (the largest node).\n' \
		"$label" "$((peak / 1024))" "$((last / 1024))"
}

# bench_blocks BASE_PATH CHAIN...: `benchmark block` on the database at BASE_PATH (of the
# chain the CHAIN arguments name: --dev, or --chain SPEC) for every block listed in
# $work/blocks.txt (number, workload), in one process that executes the chain's blocks in
# order as a node imports them; prints their execution against their weight as a Markdown
# table.
bench_blocks() {
	local base="$1" first last
	shift
	first="$(sort -n "$work/blocks.txt" | head -1 | cut -d' ' -f1)"
	last="$(sort -n "$work/blocks.txt" | tail -1 | cut -d' ' -f1)"
	# The block before the first is executed too and left out: the first call into the
	# runtime compiles it (over a second here), which would otherwise count in its average.
	"$NODE_BIN" benchmark block "$@" --base-path "$base" --from "$((first > 1 ? first - 1 : 1))" \
		--to "$last" --repeat 3 </dev/null >"$work/block.log" 2>&1 ||
		die "benchmark block failed: $(tail -5 "$work/block.log")"
	python3 - "$work/blocks.txt" "$work/block.log" <<-'EOF'
		import re, sys
		measured = {}
		for line in open(sys.argv[2]):
		    m = re.search(r"Block (\d+) with +(\d+) tx used +([\d.]+)% of its weight \( *([\d,.]+) of +([\d,.]+) ns", line)
		    if m:
		        measured[m.group(1)] = m
		print("\n| workload | block | extrinsics | weight (ms) | executed (ms) | of weight |")
		print("|---|---:|---:|---:|---:|---:|")
		for entry in open(sys.argv[1]):
		    number, name = entry.rstrip("\n").split(" ", 1)
		    m = measured.get(number) or sys.exit(f"no result for block {number} from benchmark block")
		    used, weight = (float(x.replace(",", "")) / 1e6 for x in m.group(4, 5))
		    print(f"| {name} | {number} | {m.group(2)} | {weight:.1f} | {used:.1f} | {m.group(3)}% |")
	EOF
}

# cpu_seconds PID: the CPU time (user + system, in seconds) the process has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

# thread_cpu PID: the process's threads that used the most CPU so far, one line each
# (seconds, thread name).
thread_cpu() {
	for stat in /proc/"$1"/task/*/stat; do
		# The name is in parentheses and may hold spaces: fields are counted after it.
		sed 's/^[0-9]* (\(.*\)) [A-Z] /\1\t/' "$stat" 2>/dev/null
	done | awk -F'\t' -v hz="$(getconf CLK_TCK)" '{split($2, f, " "); printf "%.1f\t%s\n", (f[11] + f[12]) / hz, $1}' |
		sort -rn | head -6
}

# workload_blocks REPORT: every block in which a workload of the load's report landed, into
# $work/blocks.txt (what bench_blocks reads), ordered by workload. All of them, not only the
# fullest: a workload's blocks of equal weight do not cost the same (a later block of 32-read
# batches ran 15 points above the first three, docs/performance.md).
workload_blocks() {
	python3 - "$1" >"$work/blocks.txt" <<-'EOF'
		import json, sys
		report = json.load(open(sys.argv[1]))
		for name, blocks in report["blocks"].items():
		    for b in sorted(blocks, key=lambda b: b["number"]):
		        if sum(b["succeeded"].values()) > 0:
		            print(b["number"], name)
	EOF
}

# measure_chain NAME CHAIN...: with the node $pid just started on $work/NAME (of the chain
# the CHAIN arguments name), every workload while its memory is sampled; then, with the node
# stopped, every block of each workload re-executed on its own database: their real execution
# time against the weight they were charged. Everything goes to $out/NAME.
measure_chain() {
	local name="$1" node="$pid"
	shift
	mkdir -p "$out/$name"
	sample_rss "$node" "$work/rss-$name.txt"
	"$LOAD" chain --url "ws://127.0.0.1:$port" --accounts "$accounts" --per-sender "$per_sender" \
		--out "$out/$name" | tee "$out/$name/table.md"
	memory_line "Node" "$work/rss-$name.txt" | tee -a "$out/$name/table.md"
	kill "$node"
	wait "$node" 2>/dev/null || true
	log "benchmark block ($name): every block of each workload"
	workload_blocks "$out/$name/report.json"
	bench_blocks "$work/$name" "$@" | tee "$out/$name/blocks.md"
}

if [[ " $steps " == *" dev "* ]]; then
	log "dev chain: $accounts accounts per role, $per_sender calls per sender"
	start_node dev --dev
	measure_chain dev --dev
	# SYNC=0 stops here: the load and its blocks, without the import by a second node and
	# `benchmark storage` (about 15 minutes more with 1 000 accounts; STORAGE=1 keeps the latter).
	if [ "${SYNC:-1}" = 1 ]; then
		# `benchmark block` executes a block but never commits it; a node importing it does both.
		# The dev node starts again as a plain peer serving its database, and a fresh node syncs the
		# chain from it, with its import-time histogram sampled every 50 ms to time each block
		# (scripts/block-import.py; its logs stay at the default level: debug or trace logging makes
		# the runtime format every extrinsic). Twice: without a trie cache (as cold as the weights
		# assume) and with the node's default cache. (`import-blocks` would be simpler, but it polls
		# its queue in a busy loop that takes one of the two cores.)
		log "sync: the same blocks imported by a second node, commit included"
		"$NODE_BIN" key generate-node-key --file "$work/dev.key" 2>"$work/dev.peer"
		p2p="$(free_port)"
		start_node dev --chain dev --node-key-file "$work/dev.key" --listen-addr "/ip4/127.0.0.1/tcp/$p2p"
		source_pid=$pid
		best="$(curl -s -H 'Content-Type: application/json' \
			-d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' "http://127.0.0.1:$port" |
			python3 -c 'import json, sys; print(int(json.load(sys.stdin)["result"]["number"], 16))')"
		imports=()
		# Where the machine's two cores went while each node synced: the importing node's CPU time
		# against the sync's wall time, its busiest threads, and the serving node's share.
		printf '| sync | wall (s) | importing node, CPU (s) | its busiest threads (s) | serving node, CPU (s) |\n' \
			>"$out/dev/import-cpu.md"
		printf '|---|---:|---:|---|---:|\n' >>"$out/dev/import-cpu.md"
		# synced: whether node $name has imported block $best (its last sample's count).
		synced() { [ "$(tail -1 "$work/$name.samples" 2>/dev/null | cut -d' ' -f1)" = "$best" ]; }
		for cache in "no trie cache" "default trie cache"; do
			name="sync-${cache// /-}"
			size=(--trie-cache-size 0)
			[ "$cache" = "default trie cache" ] && size=()
			metrics="$(free_port)"
			python3 scripts/block-import.py sample "http://127.0.0.1:$metrics/metrics" "$work/$name.samples" &
			sampler=$!
			pids+=("$sampler")
			began="$(date +%s.%N)"
			served="$(cpu_seconds "$source_pid")"
			start_node "$name" --chain dev "${size[@]}" --prometheus-port "$metrics" \
				--listen-addr /ip4/127.0.0.1/tcp/0 \
				--bootnodes "/ip4/127.0.0.1/tcp/$p2p/p2p/$(tail -1 "$work/dev.peer")"
			for _ in $(seq 1 1200); do
				synced && break
				sleep 0.5
			done
			synced || die "$name did not sync to #$best"
			printf '| %s | %.0f | %.0f | %s | %.0f |\n' "$cache" \
				"$(awk -v a="$(date +%s.%N)" -v b="$began" 'BEGIN {print a - b}')" "$(cpu_seconds "$pid")" \
				"$(thread_cpu "$pid" | awk -F'\t' '{printf "%s%s %s", sep, $2, $1; sep = ", "}')" \
				"$(awk -v a="$(cpu_seconds "$source_pid")" -v b="$served" 'BEGIN {print a - b}')" >>"$out/dev/import-cpu.md"
			kill "$sampler" "$pid"
			wait "$pid" 2>/dev/null || true
			imports+=("$cache=$work/$name.samples")
		done
		kill "$source_pid"
		wait "$source_pid" 2>/dev/null || true
		cat "$out/dev/import-cpu.md"
		# The same blocks, executed by `benchmark block` on the synced node's database once it is
		# at rest: whether a slower import comes from the copy or from what ran beside the import.
		log "benchmark block on the synced copy, at rest"
		bench_blocks "$work/sync-no-trie-cache" --dev >"$out/dev/blocks-synced.md"
		python3 scripts/block-import.py "$out/dev/blocks.md" "synced copy at rest=$out/dev/blocks-synced.md" \
			"${imports[@]}" | tee "$out/dev/import.md"
	fi
	# STORAGE=1 measures the database with SYNC=0 too: what `DbWeight` is generated from.
	if [ "${STORAGE:-${SYNC:-1}}" = 1 ]; then
		# What a database read and write cost on this machine, on the state the run left, against
		# the `DbWeight` the runtime charges (docs/performance.md compares them).
		log "benchmark storage: ParityDB reads and writes on the run's state"
		# Writes are measured in batches (one storage root and commit per batch), about as many as
		# a full block of record calls makes (the tool's default is 100 000). STORAGE_BATCH may
		# list several sizes: the price of a write falls as the batch grows. The first size's
		# figures are the ones written as weights.
		: >"$out/dev/storage.txt"
		weights="$out/dev"
		for batch in ${STORAGE_BATCH:-10000}; do
			# Reads are the same at every size: measured with the first only.
			reads=()
			[ "$weights" = "$out/dev" ] || reads=(--skip-read)
			# No proof recorder: a standalone chain records no storage proof when it imports a
			# block, and the recorder alone made a read 32 % dearer here (docs/performance.md).
			if "$NODE_BIN" benchmark storage --dev --base-path "$work/dev" --database paritydb \
				--state-version 1 --warmups 1 --batch-size "$batch" "${reads[@]}" --disable-pov-recorder \
				--weight-path "$weights" --log parity-db=debug </dev/null >"$work/storage.log" 2>&1; then
				grep -E "Reading|Writing|Time summary|Average" "$work/storage.log" |
					sed -E 's/^.* (Reading|Writing|Time summary)/\1/' | tee -a "$out/dev/storage.txt"
				# ParityDB's commit only queues a change set, but it waits while more than 16 MiB
				# are queued: a write measured here would then include that wait.
				printf 'ParityDB commits: %s queued, %s waited for the queue to drain\n' \
					"$(grep -c 'Queued commit' "$work/storage.log")" \
					"$(grep -c 'Waiting, queue size' "$work/storage.log")" | tee -a "$out/dev/storage.txt"
			else
				log "benchmark storage (batch $batch) failed: $(tail -3 "$work/storage.log")"
			fi
			weights="$work"
		done
		# STORAGE_REGIONS="20000 200000" also prices writes that stay within the first N keys in
		# key order, a region of the trie: a block writes a few maps, not the whole state, and
		# the smaller the region, the cheaper a write (docs/performance.md). scripts/state-keys.py,
		# run against a node on this state, names the storage items each region holds.
		[ -z "${STORAGE_REGIONS:-}" ] || : >"$out/dev/storage-regions.txt"
		for keys in ${STORAGE_REGIONS:-}; do
			"$NODE_BIN" benchmark storage --dev --base-path "$work/dev" --database paritydb \
				--state-version 1 --warmups 1 --batch-size 10000 --skip-read --disable-pov-recorder \
				--keys-limit "$keys" --weight-path "$work" </dev/null >"$work/storage.log" 2>&1 || {
				log "benchmark storage (first $keys keys) failed: $(tail -3 "$work/storage.log")"
				continue
			}
			printf 'first %s keys: %s\n' "$keys" "$(grep -A3 'Time summary' "$work/storage.log" | grep Average)" |
				tee -a "$out/dev/storage-regions.txt"
		done
	fi
fi

if [[ " $steps " == *" local "* ]]; then
	log "4-validator local network on loopback: $local_accounts accounts per role"
	urls=()
	rss=()
	bootnode=""
	for name in alice bob charlie dave; do
		peer="$("$NODE_BIN" key generate-node-key --file "$work/$name.key" 2>&1 | tail -1)"
		p2p="$(free_port)"
		args=(--chain local "--$name" --node-key-file "$work/$name.key"
			--listen-addr "/ip4/127.0.0.1/tcp/$p2p")
		[ -n "$bootnode" ] && args+=(--bootnodes "$bootnode")
		start_node "$name" "${args[@]}"
		# Alice is the others' bootnode.
		[ -n "$bootnode" ] || bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$peer"
		urls+=(--url "ws://127.0.0.1:$port")
		sample_rss "$pid" "$work/rss-$name.txt"
		rss+=("$work/rss-$name.txt")
	done
	mkdir -p "$out/local"
	"$LOAD" chain "${urls[@]}" --connections 2 --accounts "$local_accounts" --per-sender "$per_sender" \
		--out "$out/local" | tee "$out/local/table.md"
	memory_line "Validator" "${rss[@]}" | tee -a "$out/local/table.md"
fi

if [[ " $steps " == *" grown "* ]]; then
	entries="${GROWN_ENTRIES:-200000}"
	log "grown dev chain: every map the workloads write starts with $entries entries"
	mkdir -p "$out/grown"
	# One entry of each map, for grow-state.py to copy: a small load on a fresh dev node.
	start_node sample --dev
	"$LOAD" chain --url "ws://127.0.0.1:$port" --accounts 10 --per-sender 1 --out "$work/sample-load" \
		>/dev/null
	"$NODE_BIN" export-chain-spec --chain dev --raw --output "$work/dev-raw.json"
	python3 scripts/grow-state.py "http://127.0.0.1:$port" "$work/dev-raw.json" "$work/grown.json" \
		"$entries" | tee "$out/grown/maps.txt"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	# The dev chain's validator, on the grown spec (what --dev sets, but the spec's path).
	"$NODE_BIN" key generate-node-key --file "$work/grown.key" 2>/dev/null
	start_node grown --chain "$work/grown.json" --alice --force-authoring \
		--node-key-file "$work/grown.key"
	measure_chain grown --chain "$work/grown.json"
fi

if [[ " $steps " == *" client "* ]]; then
	log "client: upload speed and memory (${FILE_MIB:-1024} MiB)"
	mkdir -p "$out/client"
	"$LOAD" client --file-mib "${FILE_MIB:-1024}" --out "$out/client"
fi
