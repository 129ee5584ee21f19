#!/usr/bin/env bash
# npm test: dependencies, local stack, Chromium, lint (type-aware), format check (prettier), type check, then every
# test lane (unit, integration, fault, browser: jest.config.js) in one jest run, so the lanes share its two workers.
# One lane alone: scripts/test-lane.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
started=$SECONDS
. scripts/ensure-deps.sh
echo "[test] node $(node --version)" >&2
bash scripts/stack.sh up
bash scripts/ensure-chromium.sh
echo "[test] lint and format" >&2
node_modules/.bin/eslint --max-warnings 0 .
node_modules/.bin/prettier --check --log-level warn . || {
  echo "[test] FAILED: files above are not formatted; npm run format formats them" >&2
  exit 1
}
echo "[test] type check" >&2
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/tsc --noEmit -p services/api/ui/tsconfig.json
echo "[test] jest" >&2
# The Kafka client is an ES module; jest loads ES modules from CommonJS tests through Node's vm modules.
export NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}"
CAIRN_SKIP_STACK=1 node_modules/.bin/jest "$@"
echo "[test] done in $((SECONDS - started)) s" >&2
