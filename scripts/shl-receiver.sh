#!/usr/bin/env bash
# The independent SMART Health Links receiver (testing/shl-receiver: npm jose + kill-the-clipboard,
# exact versions in its package-lock.json) that the Rust share-link tests run against MedChain's
# share-host. Needs Node.js >= 20.12 and no flags or polyfills (see testing/shl-receiver/README.md).
#
# Usage: scripts/shl-receiver.sh --install   (Node.js/npm via apt if missing; `npm ci` when
#                                            node_modules is missing or older than package-lock.json)
#        scripts/shl-receiver.sh TEST        (installs as above, then runs `node --test
#                                            test/TEST.test.mjs` there: TEST = receive, passcode or
#                                            spec-example; parameters come from the environment)
set -euo pipefail

WHAT="${1:?usage: scripts/shl-receiver.sh --install | receive | passcode | spec-example}"
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../testing/shl-receiver" && pwd)"
log() { echo "shl_receiver: $*" >&2; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() { $SUDO apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2; }

# 1. Node.js and npm (Debian's packages if missing).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  log "installing nodejs and npm with apt-get"
  apt_install nodejs npm
fi
# kill-the-clipboard inflates `zip: DEF` files with DecompressionStream('deflate-raw'): Node 20.12+.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=12)?0:1)' \
  || { log "Node.js $(node --version) is too old: need >= 20.12"; exit 1; }

# 2. The exact dependency tree from package-lock.json (serialised: tests may call this in parallel).
exec 9>"$DIR/.install.lock"
flock 9
if [ ! -f "$DIR/node_modules/.package-lock.json" ] \
   || [ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
  log "npm ci in $DIR"
  (cd "$DIR" && npm ci --no-audit --no-fund >&2)
fi
flock -u 9
[ "$WHAT" = "--install" ] && exit 0

# 3. One test file.
case "$WHAT" in
  receive|passcode|spec-example) ;;
  *) log "unknown test '$WHAT' (receive, passcode, spec-example)"; exit 2 ;;
esac
cd "$DIR" && exec node --test "test/$WHAT.test.mjs"
