#!/usr/bin/env bash
# The long runtime fuzzing campaign (runtime/tests/fuzz.rs, docs/reliability.md): random MedChain
# call sequences against the native runtime until CALLS calls ran (one million by default),
# then its figures. Usage: scripts/fuzz.sh [CALLS]; MEDCHAIN_FUZZ_SEED picks another seed,
# MEDCHAIN_FUZZ_LEN the longest case.
source "$(dirname "$0")/env.sh"
cd "$MEDCHAIN_ROOT"

export MEDCHAIN_FUZZ_CALLS="${1:-${MEDCHAIN_FUZZ_CALLS:-1000000}}"

# Only the build takes the shared cargo lock: a campaign runs for a long time and must not
# block everyone else's builds meanwhile.
log "building the fuzzer"
# The test suite's exact flags (all targets), so nothing is compiled twice.
bin="$(flock /tmp/medchain-cargo.lock cargo test "${BUILD_FLAGS[@]}" --no-run \
	--message-format=json | grep -o '"executable":"[^"]*/fuzz-[^"]*"' | cut -d'"' -f4 | tail -1)"
[ -x "$bin" ] || die "the fuzz test binary was not built"

log "fuzzing the runtime: $MEDCHAIN_FUZZ_CALLS calls (seed ${MEDCHAIN_FUZZ_SEED:-default})"
# From the runtime crate's directory, as `cargo test` runs it (proptest finds its regressions
# file relative to it).
cd runtime
"$bin" --exact campaign --nocapture
