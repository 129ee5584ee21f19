#!/usr/bin/env bash
# npm test: dependencies, local stack, lint, type check, then every test (unit and integration).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
started=$SECONDS
bash scripts/ensure-deps.sh
bash scripts/stack.sh up
bash scripts/ensure-chromium.sh
echo "[test] lint" >&2
node_modules/.bin/eslint --max-warnings 0 .
echo "[test] type check" >&2
node_modules/.bin/tsc --noEmit -p tsconfig.json
echo "[test] jest" >&2
CAIRN_SKIP_STACK=1 node_modules/.bin/jest "$@"
echo "[test] done in $((SECONDS - started)) s" >&2
