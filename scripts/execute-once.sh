#!/usr/bin/env bash
# Each block executed once, as a node importing it does, against its weight.
#
# `benchmark block` prints the average of its repeats; a node executes each block once. For
# every BLOCK this runs `benchmark block` RUNS times in a fresh process with one repeat (its
# parent block executed first, to take the runtime's compilation), then once with 20 repeats,
# and prints a Markdown table: the block's extrinsics, its weight, the average of 20 and each
# single execution, as a share of the weight.
#
# Usage: scripts/execute-once.sh BASE_PATH RUNS BLOCK... (the node stopped; CHAIN, default
# `dev`, names its chain spec).
source "$(dirname "$0")/env.sh"
[ $# -ge 3 ] || die "usage: $0 BASE_PATH RUNS BLOCK..."
base="$1" runs="$2"
shift 2
[ -x "$NODE_BIN" ] || die "$NODE_BIN is not built: run scripts/test.sh or cargo build first"

# execute BLOCK REPEAT: `benchmark block` on BLOCK's parent and BLOCK; prints BLOCK's line.
execute() {
	local out
	out="$("$NODE_BIN" benchmark block --chain "${CHAIN:-dev}" --base-path "$base" \
		--from "$(($1 - 1))" --to "$1" --repeat "$2" 2>&1 </dev/null)" ||
		die "benchmark block $1 failed: $(tail -3 <<<"$out")"
	grep -E "Block $1 with " <<<"$out" || die "no result for block $1: $(tail -3 <<<"$out")"
}

# share LINE: the share of its weight the line reports (a number, in per cent).
share() { sed -E 's/.*used +([0-9.]+)% of its weight.*/\1/' <<<"$1"; }

for block in "$@"; do
	[ "$block" -gt 1 ] 2>/dev/null || die "block '$block': name blocks from 2 (a block's parent is executed first)"
done

printf '| block | extrinsics | weight (ms) | average of 20 | each executed once (%s fresh processes) |\n' "$runs"
printf '|---:|---:|---:|---:|---|\n'
for block in "$@"; do
	singles=()
	for _ in $(seq 1 "$runs"); do
		line="$(execute "$block" 1)"
		singles+=("$(share "$line")%")
	done
	line="$(execute "$block" 20)"
	extrinsics="$(sed -E 's/.*with +([0-9]+) tx.*/\1/' <<<"$line")"
	weight="$(sed -E 's/.* of +([0-9,]+) ns.*/\1/' <<<"$line" | tr -d ,)"
	printf '| %s | %s | %s | %s%% | %s |\n' "$block" "$extrinsics" \
		"$(awk -v w="$weight" 'BEGIN {printf "%.2f", w / 1e6}')" "$(share "$line")" \
		"$(IFS=' '; echo "${singles[*]}")"
done
