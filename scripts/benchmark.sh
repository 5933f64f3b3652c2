#!/usr/bin/env bash
# Regenerates every MedChain pallet's weights.rs from its benchmarks, with the node's
# `benchmark pallet` command, and with `overhead` the runtime's base block and extrinsic
# weights (runtime/src/weights/) with `benchmark overhead`.
# Runtime pallets MedChain configures but does not own (the transaction extensions, fees,
# balances, timestamp) get their weights generated into runtime/src/weights/ the same way.
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
# refuse any estimate above 1 GB and measure again.
check_proof_sizes() {
	if grep -nE 'Estimated: +`[0-9]{10,}' "$1"; then
		die "$1: an implausible estimated proof size (above); run the benchmark again"
	fi
}

for pallet in "${pallets[@]}"; do
	if [ "$pallet" = overhead ]; then
		log "benchmarking the block and extrinsic overhead"
		# Relative paths, so the generated files name the command a reader can rerun.
		(cd "$CARGO_TARGET_DIR/release" && ./medchain-node benchmark overhead --chain dev \
			--warmup "${WARMUP:-10}" --repeat "${OVERHEAD_REPEAT:-100}" \
			--weight-path "$MEDCHAIN_ROOT/runtime/src/weights")
		# The generated files open with a blank line, which rustfmt (and so CI) refuses.
		rustfmt --edition 2021 runtime/src/weights/block_weights.rs runtime/src/weights/extrinsic_weights.rs
		continue
	fi
	if [[ " ${RUNTIME_PALLETS[*]} " == *" $pallet "* ]]; then
		# FRAME's own template names the runtime's weight struct; a pallet of ours uses its
		# crate's weights.rs and template.
		log "benchmarking $pallet (runtime weights)"
		measure "$pallet" --output "runtime/src/weights/$pallet.rs"
		rustfmt --edition 2021 "runtime/src/weights/$pallet.rs"
		check_proof_sizes "runtime/src/weights/$pallet.rs"
		continue
	fi
	dir="${CRATE_DIR[$pallet]:-}"
	[ -n "$dir" ] || { echo "unknown pallet '$pallet'; known: ${!CRATE_DIR[*]} ${RUNTIME_PALLETS[*]} overhead" >&2; exit 2; }
	log "benchmarking $pallet"
	measure "$pallet" --template .maintain/frame-weight-template.hbs --output "$dir/src/weights.rs"
	check_proof_sizes "$dir/src/weights.rs"
done
