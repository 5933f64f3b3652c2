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
source "$(dirname "${BASH_SOURCE[0]}")/npm-tree.sh"

# kill-the-clipboard inflates `zip: DEF` files with DecompressionStream('deflate-raw'): Node 20.12+.
ensure_node 12
# The exact dependency tree from package-lock.json.
npm_tree
[ "$WHAT" = "--install" ] && exit 0

# One test file.
case "$WHAT" in
  receive|passcode|spec-example) ;;
  *) log "unknown test '$WHAT' (receive, passcode, spec-example)"; exit 2 ;;
esac
cd "$DIR" && exec node --test "test/$WHAT.test.mjs"
