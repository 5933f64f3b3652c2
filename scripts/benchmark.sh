#!/usr/bin/env bash
# Regenerates every MedChain pallet's weights.rs from its benchmarks, with the node's
# `benchmark pallet` command, and with `overhead` the runtime's base block and extrinsic
# weights (runtime/src/weights/) with `benchmark overhead`.
# Runtime pallets MedChain configures but does not own (the transaction extensions, fees,
# balances, timestamp) get their weights generated into runtime/src/weights/ the same way.
#
# RUNS=N (default 1) measures everything N times, SPREAD seconds apart (default 0), and keeps
# each weight function's slowest run (scripts/weights-max.py) and the slowest overhead: this
# machine's speed drifts from one hour to the next, and from one host CPU to another, by more
# than a weight's margin, so weights from one sitting break when it runs slower
# (docs/performance.md, runtime 113 on another CPU). RUNS_DIR keeps the runs (below).
# Usage: scripts/benchmark.sh [pallet_name ... | overhead]
source "$(dirname "$0")/env.sh"
ensure_tools
cd "$MEDCHAIN_ROOT"

log "building the node with runtime benchmarks"
cargo build "${BUILD_FLAGS[@]}"
mark_built

declare -A CRATE_DIR=(
	[pallet_registry]=pallets/registry
	[pallet_records]=pallets/records
	[pallet_consent]=pallets/consent
	[pallet_appointments]=pallets/appointments
	[pallet_share_links]=pallets/share-links
	[pallet_key_release]=pallets/key-release
)
# Measured here rather than taken from FRAME's defaults, whose `()` weights assume RocksDB on
# other hardware (a write is 100 us there, about 33 here).
RUNTIME_PALLETS=(frame_system_extensions pallet_transaction_payment pallet_balances pallet_timestamp)
pallets=("$@")
[ ${#pallets[@]} -eq 0 ] && pallets=(pallet_registry pallet_records pallet_consent pallet_appointments pallet_share_links pallet_key_release "${RUNTIME_PALLETS[@]}" overhead)

# Runs `benchmark pallet` on every extrinsic of pallet $1, with the rest of the arguments.
measure() {
	local pallet="$1"
	shift
	"$NODE_BIN" benchmark pallet \
		--runtime "$CARGO_TARGET_DIR/release/wbuild/medchain-runtime/medchain_runtime.compact.compressed.wasm" \
		--genesis-builder=runtime \
		--pallet "$pallet" --extrinsic '*' \
		--steps "${STEPS:-50}" --repeat "${REPEAT:-20}" \
		--heap-pages 4096 \
		"$@"
}

# The CLI's proof-size regression can go wrong on a component sampled at two points only (once
# it gave `add_reports` a base of 1.9e17 bytes, which would have let 74 batches into a block):
# an estimate above 1 GB is refused (measure_into measures again).
check_proof_sizes() {
	! grep -nE 'Estimated: +`[0-9]{10,}' "$1"
}

# Each run goes into a directory of its own under RUNS_DIR (default: a temporary one), named
# by its start and the CPU it ran on, and the weights are made from every run found there:
# runs kept from earlier days count too, so weights can come from runs spread over days and
# hosts. MEASURE_ONLY=1 records the runs without writing weights; RUNS=0 writes the weights
# from the kept runs alone.
runs="${RUNS:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
runs_dir="${RUNS_DIR:-$tmp}"
mkdir -p "$runs_dir"
cpu="$(sed -nE 's/^model name\s*: (.*)/\1/p' /proc/cpuinfo | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-')"

# output PALLET: where a pallet's weights go, and the template that writes them.
output() {
	if [[ " ${RUNTIME_PALLETS[*]} " == *" $1 "* ]]; then
		# FRAME's own template names the runtime's weight struct; a pallet of ours uses its
		# crate's weights.rs and template.
		echo "runtime/src/weights/$1.rs"
		return
	fi
	local dir="${CRATE_DIR[$1]:-}"
	[ -n "$dir" ] || { echo "unknown pallet '$1'; known: ${!CRATE_DIR[*]} ${RUNTIME_PALLETS[*]} overhead" >&2; exit 2; }
	echo "$dir/src/weights.rs"
}
for pallet in "${pallets[@]}"; do [ "$pallet" = overhead ] || output "$pallet" >/dev/null; done

# measure_into FILE PALLET: benchmarks PALLET into FILE, again (up to three times) while the
# proof-size regression gives an implausible estimate.
measure_into() {
	local file="$1" pallet="$2" template=()
	[[ " ${RUNTIME_PALLETS[*]} " == *" $pallet "* ]] || template=(--template .maintain/frame-weight-template.hbs)
	for attempt in 1 2 3; do
		measure "$pallet" "${template[@]}" --output "$file"
		check_proof_sizes "$file" && return
		log "$pallet: measuring again (attempt $((attempt + 1)) of 3)"
	done
	die "$file: an implausible estimated proof size three times (above)"
}

for run in $(seq 1 "$runs"); do
	if [ "$run" -gt 1 ] && [ "${SPREAD:-0}" -gt 0 ]; then
		log "run $run of $runs in ${SPREAD} s"
		sleep "$SPREAD"
	fi
	dir="$runs_dir/$(date -u +%Y-%m-%dT%H%M)-$cpu"
	mkdir -p "$dir.partial"
	for pallet in "${pallets[@]}"; do
		if [ "$pallet" = overhead ]; then
			log "run $run/$runs: benchmarking the block and extrinsic overhead"
			(cd "$CARGO_TARGET_DIR/release" && ./medchain-node benchmark overhead --chain dev \
				--warmup "${WARMUP:-10}" --repeat "${OVERHEAD_REPEAT:-100}" \
				--weight-path "$dir.partial")
			continue
		fi
		log "run $run/$runs: benchmarking $pallet"
		measure_into "$dir.partial/$pallet.rs" "$pallet"
	done
	# Complete runs only: an interrupted one never counts.
	mv "$dir.partial" "$dir"
done
[ "${MEASURE_ONLY:-0}" = 1 ] && { log "runs kept in $runs_dir; no weights written (MEASURE_ONLY)"; exit 0; }

# kept FILE: FILE of every complete run in RUNS_DIR.
kept() {
	local path
	for path in "$runs_dir"/*/"$1"; do
		[[ -e "$path" && "$path" != *.partial/* ]] && echo "$path"
	done
	return 0
}

# adopt FILE NAMED: names NAMED (repo-relative) where FILE's recorded command names the kept run
# it was copied from, so the path is the one a reader would give; then formats runtime files,
# whose generated text opens with a blank line that rustfmt (and so CI) refuses. A pallet's run
# wrote one file (`--output`), the overhead's a directory (`--weight-path`).
adopt() {
	sed -i -E "s#$runs_dir/[^/\`]+(\.partial)?(/[a-z_]+\.rs)?#$2#g" "$1"
	if [[ "$1" == runtime/* ]]; then rustfmt --edition 2021 "$1"; fi
}

# The overhead constant a generated file sets, in nanoseconds.
overhead_ns() { sed -nE 's/.*WEIGHT_REF_TIME_PER_NANOS\.saturating_mul\(([0-9_]+)\).*/\1/p' "$1" | tr -d _; }

for pallet in "${pallets[@]}"; do
	if [ "$pallet" = overhead ]; then
		for file in block_weights.rs extrinsic_weights.rs; do
			mapfile -t found < <(kept "$file")
			[ ${#found[@]} -gt 0 ] || die "no run in $runs_dir measured $file"
			slowest="${found[0]}"
			for candidate in "${found[@]}"; do
				if [ "$(overhead_ns "$candidate")" -gt "$(overhead_ns "$slowest")" ]; then
					slowest="$candidate"
				fi
			done
			log "$file: $(for f in "${found[@]}"; do printf '%s ns ' "$(overhead_ns "$f")"; done)kept $slowest"
			cp "$slowest" "runtime/src/weights/$file"
			adopt "runtime/src/weights/$file" runtime/src/weights
		done
		continue
	fi
	dest="$(output "$pallet")"
	mapfile -t found < <(kept "$pallet.rs")
	[ ${#found[@]} -gt 0 ] || die "no run in $runs_dir measured $pallet"
	if [ "${#found[@]}" -eq 1 ]; then
		cp "${found[0]}" "$dest"
	else
		log "$pallet: the slowest of ${#found[@]} runs"
		scripts/weights-max.py "$dest" "${found[@]}"
	fi
	adopt "$dest" "$dest"
done
