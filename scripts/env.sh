# Shared by MedChain's scripts: one target dir, one cargo profile, one feature set, so the run
# command, the test command and CI compile the dependency graph and the wasm runtime once.
# Source it; it installs what the build needs when it is missing.

set -euo pipefail

MEDCHAIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/medchain/target}"
# The target dir is outside the workspace: tell the wasm builder where Cargo.lock is, so the
# runtime's wasm is built with the locked versions.
export WASM_BUILD_WORKSPACE_HINT="$MEDCHAIN_ROOT"
# The node benchmarks its pallets (weights.rs) and the pallets' benchmark tests need the
# feature too, so everything is built with it.
MEDCHAIN_FEATURES="medchain-node/runtime-benchmarks"
CARGO_FLAGS=(--release --workspace --locked --features "$MEDCHAIN_FEATURES")
# `cargo build` and `cargo test` resolve dev-dependencies' features differently unless both
# build every target; building them all keeps one set of artifacts for run, test and CI.
BUILD_FLAGS=("${CARGO_FLAGS[@]}" --all-targets)
NODE_BIN="$CARGO_TARGET_DIR/release/medchain-node"
CLI_BIN="$CARGO_TARGET_DIR/release/medchain"

# Records that the target dir's workspace artifacts were just built from this checkout, so
# that .ci/run can tell whether they match the files it is about to test (see there).
mark_built() {
	printf '%s\n' "$MEDCHAIN_ROOT" >"$CARGO_TARGET_DIR/.medchain-built-from"
}

log() { printf '\033[1m==> [%s] %s\033[0m\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

ensure_tools() {
	if ! command -v protoc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
		log "installing protobuf-compiler and a C++ compiler (litep2p generates code with protoc; wasm-opt is C++)"
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler g++ curl >/dev/null
	fi
	if ! command -v rustup >/dev/null 2>&1; then
		echo "rustup is required: install it from your distribution or rustup.rs" >&2
		exit 1
	fi
	# rust-toolchain.toml names the toolchain; make sure its targets and components are there.
	(
		cd "$MEDCHAIN_ROOT"
		local installed
		installed="$(rustup target list --installed)"
		for target in wasm32-unknown-unknown wasm32v1-none; do
			grep -qx "$target" <<<"$installed" || rustup target add "$target"
		done
		installed="$(rustup component list --installed)"
		for component in rust-src clippy rustfmt; do
			grep -q "^$component" <<<"$installed" || rustup component add "$component"
		done
	)
	# The test command runs the suite with cargo-nextest (binaries side by side).
	if ! cargo nextest --version >/dev/null 2>&1; then
		log "installing cargo-nextest (runs the test binaries side by side)"
		cargo install --locked cargo-nextest
	fi
}

# The dashboard's browser tests drive Debian's Chromium through its ChromeDriver; nothing
# downloads a browser at run time.
ensure_browser() {
	# zbarimg decodes the share link's QR code from a screenshot.
	if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 ||
		! command -v zbarimg >/dev/null 2>&1; then
		log "installing chromium, chromium-driver and zbar-tools (the dashboard's browser tests)"
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver zbar-tools >/dev/null
	fi
}
