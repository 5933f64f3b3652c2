#!/usr/bin/env bash
# How the execution of the same blocks varies over hours on this machine.
#
# Every INTERVAL seconds until DURATION has passed, each BLOCK is executed by `benchmark block`
# in a fresh process (its parent first, which takes the runtime's compilation), REPEAT times;
# then `benchmark pallet` measures each of BENCH's extrinsics (`pallet:extrinsic`, default the
# batched reads and transfers) as the weights were generated, and `benchmark machine` scores
# the CPU and memory. Each line of the output is one measurement, tab-separated, so a run can
# be read while it goes on:
#   time  block  share-of-weight(%)  load-average(1 min)  steal(%)  others
# where steal is the share of the CPU time the hypervisor took while the block ran, and others
# the cores other processes kept busy meanwhile (0 to 2 on this machine: above 0.2, the figure
# measures a machine shared with other work).
#   time  bench  pallet:extrinsic  model(µs, median slopes)  load-average  -  -
#   time  machine  metric  score  -  -  -
# A weight is a promise of execution time: a block executed beyond it, in any probe, is a
# promise broken at that hour, and the spread of one block across the probes is the margin a
# weight generated in one sitting would need.
#
# Usage: scripts/block-drift.sh BASE_PATH OUT BLOCK... (the node stopped; CHAIN, default `dev`;
# INTERVAL, default 300; DURATION, default 7200; REPEAT, default 3; BENCH).
source "$(dirname "$0")/env.sh"
[ $# -ge 3 ] || die "usage: $0 BASE_PATH OUT BLOCK..."
base="$1" out="$2"
shift 2
[ -x "$NODE_BIN" ] || die "$NODE_BIN is not built: run scripts/test.sh or cargo build first"
for block in "$@"; do
	[ "$block" -gt 1 ] 2>/dev/null || die "block '$block': name blocks from 2 (a block's parent is executed first)"
done

# CPU time stolen by the hypervisor, all CPU time and the busy part of it (neither idle nor
# waiting for the disk), in clock ticks since boot.
cpu_times() {
	awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print $9, total, total - $5 - $6 }' /proc/stat
}
load1() { cut -d' ' -f1 /proc/loadavg; }

# probe BLOCK: one fresh process executing BLOCK's parent and BLOCK REPEAT times.
probe() {
	local block="$1" before after load started own share
	before="$(cpu_times)" load="$(load1)" started="$(date +%s.%N)"
	# The benchmark's own CPU time (user and system seconds) goes to $work/own.
	{ TIMEFORMAT='%U %S' && time "$NODE_BIN" benchmark block --chain "${CHAIN:-dev}" --base-path "$base" \
		--from "$((block - 1))" --to "$block" --repeat "${REPEAT:-3}" >"$work/out" 2>&1 </dev/null; } 2>"$work/own" ||
		die "benchmark block $block failed: $(tail -3 "$work/out")"
	after="$(cpu_times)" own="$(cat "$work/own")"
	share="$(sed -nE "s/.*Block $block with .* used +([0-9.]+)% of its weight.*/\1/p" "$work/out")"
	[ -n "$share" ] || die "no result for block $block: $(tail -3 "$work/out")"
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date +%H:%M:%S)" "$block" "$share" "$load" \
		"$(awk -v b="$before" -v a="$after" -v own="$own" -v t0="$started" -v t1="$(date +%s.%N)" \
			-v hz="$(getconf CLK_TCK)" 'BEGIN { split(b, x, " "); split(a, y, " "); split(own, o, " ");
			others = ((y[3] - x[3]) / hz - o[1] - o[2]) / (t1 - t0);
			printf "%.1f\t%.2f", 100 * (y[1] - x[1]) / (y[2] - x[2] + 1e-9), others < 0 ? 0 : others }')"
}

# bench PALLET:EXTRINSIC: the median-slopes model `benchmark pallet` fits, "base n:slope ...".
bench() {
	local load result model
	load="$(load1)"
	result="$("$NODE_BIN" benchmark pallet --genesis-builder=runtime --heap-pages 4096 \
		--runtime "$CARGO_TARGET_DIR/release/wbuild/medchain-runtime/medchain_runtime.compact.compressed.wasm" \
		--pallet "${1%%:*}" --extrinsic "${1#*:}" --steps 10 --repeat 10 2>&1 </dev/null)" ||
		die "benchmark pallet $1 failed: $(tail -3 <<<"$result")"
	# The first "Time ~=" after "Median Slopes Analysis", and its "+ component slope" lines.
	model="$(awk '/Median Slopes Analysis/ { m = 1 } m && /Time ~=/ { printf "%s", $3; t = 1; next }
		t && /^ +\+/ { printf " %s:%s", $2, $3; next } t { exit }' <<<"$result")"
	[ -n "$model" ] || die "no model for $1: $(tail -3 <<<"$result")"
	printf '%s\tbench\t%s\t%s\t%s\t-\t-\n' "$(date +%H:%M:%S)" "$1" "$model" "$load"
}

# The CPU and memory scores of `benchmark machine` (its disk scores measure another device
# than the database's page cache the blocks read from).
machine() {
	local scratch
	scratch="$(mktemp -d)"
	"$NODE_BIN" benchmark machine --chain "${CHAIN:-dev}" --base-path "$scratch" --allow-fail 2>&1 </dev/null |
		sed -nE 's/^\| (CPU|Memory) +\| ([^|]+[^ |]) +\| ([0-9.]+ [KMG]iBs).*/\2\t\3/p' |
		while IFS=$'\t' read -r metric score; do
			printf '%s\tmachine\t%s\t%s\t-\t-\t-\n' "$(date +%H:%M:%S)" "$metric" "$score"
		done
	rm -rf "$scratch"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
end=$(($(date +%s) + ${DURATION:-7200}))
while [ "$(date +%s)" -lt "$end" ]; do
	started=$(date +%s)
	for block in "$@"; do probe "$block" >>"$out"; done
	for call in ${BENCH:-pallet_records:record_reads pallet_balances:transfer_keep_alive}; do bench "$call" >>"$out"; done
	machine >>"$out"
	sleep $((${INTERVAL:-300} - ($(date +%s) - started) > 0 ? ${INTERVAL:-300} - ($(date +%s) - started) : 0))
done
