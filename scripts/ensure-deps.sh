#!/usr/bin/env bash
# Sourced by npm test, npm run demo and npm run bench (`. scripts/ensure-deps.sh`): installs node_modules from
# the committed lockfile when missing or stale, then puts the project's Node.js first on PATH.
#
# Cairn runs on Node.js 24 LTS. Machines whose system Node is older (20 reached end of life in April 2026) get
# it from the npm registry: the `node` devDependency installs the official Node 24 binary under
# node_modules/.bin, and everything these scripts start (jest, tsx, the services) runs on it.
set -euo pipefail
CAIRN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CAIRN_NODE_MAJOR=24
# chdb (current ClickHouse embedded in Node, for the tests that check the current SQL dialect) is installed beside
# the lockfile, not in it: its macOS and arm64 packages are not on the registry our machines reach, and npm ci
# refuses a lockfile that lacks a dependency's optional packages. `npm install --no-save` leaves the lockfile as is.
CAIRN_CHDB_VERSION=3.4.0
_stamp="$CAIRN_ROOT/node_modules/.cairn-lock-hash"
_want="$(sha256sum "$CAIRN_ROOT/package-lock.json" | cut -c1-16)-chdb-$CAIRN_CHDB_VERSION"
if [ "$(cat "$_stamp" 2>/dev/null)" != "$_want" ] || [ ! -x "$CAIRN_ROOT/node_modules/.bin/node" ]; then
  _full=1
elif [ ! -f "$CAIRN_ROOT/node_modules/chdb/package.json" ]; then
  # A plain `npm install` (adding a dependency) prunes chdb, which is not in the lockfile: put it back.
  (cd "$CAIRN_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error "chdb@$CAIRN_CHDB_VERSION" >&2)
fi
if [ -n "${_full:-}" ]; then
  echo "[deps] installing node modules from package-lock.json (npm ci)" >&2
  # npm ci installs exactly the lockfile and never rewrites it (git status stays clean). The lockfile is
  # committed as npm writes it, with every platform's optional packages, so ci accepts it on any machine.
  (cd "$CAIRN_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  (cd "$CAIRN_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error "chdb@$CAIRN_CHDB_VERSION" >&2)
  echo "$_want" >"$_stamp"
fi
export PATH="$CAIRN_ROOT/node_modules/.bin:$PATH"
hash -r
_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$_major" != "$CAIRN_NODE_MAJOR" ]; then
  echo "[deps] FAILED: node on PATH is $(node --version), Cairn needs Node.js $CAIRN_NODE_MAJOR (node_modules/.bin/node)" >&2
  exit 1
fi
unset _stamp _want _major _full
