# Shared by the scripts that run independent npm code in the tests (shl-receiver.sh,
# fhir-validator.sh). Source it after setting DIR (the npm tree's folder) and log(); then call
#   ensure_node MINOR   Node.js 20.MINOR or later (apt's nodejs and npm when missing), and
#   npm_tree            `npm ci` from package-lock.json when node_modules is missing or older,
#                       serialised with flock because tests may call it in parallel.

ensure_node() {
	local minor="$1"
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		log "installing nodejs and npm with apt-get"
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >&2
	fi
	node -e "const [a,b]=process.versions.node.split('.').map(Number); process.exit(a>20||(a===20&&b>=$minor)?0:1)" ||
		{ log "Node.js $(node --version) is too old: need >= 20.$minor"; exit 1; }
}

npm_tree() {
	exec 9>"$DIR/.install.lock"
	flock 9
	if [ ! -f "$DIR/node_modules/.package-lock.json" ] ||
		[ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
		log "npm ci in $DIR"
		(cd "$DIR" && npm ci --no-audit --no-fund >&2)
	fi
	flock -u 9
}
