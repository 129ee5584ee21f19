#!/usr/bin/env bash
# Installs node_modules from the lockfile when missing or stale, so `npm test` and `npm run demo` work on a
# fresh clone with no manual step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stamp="$ROOT/node_modules/.cairn-lock-hash"
want="$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[deps] installing node modules from package-lock.json" >&2
  # npm install, not npm ci: this npm leaves other platforms' optional packages out of the lockfile, and
  # ci then refuses the lockfile as out of sync. install still installs the locked versions.
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi
