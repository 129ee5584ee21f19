#!/usr/bin/env bash
# npm run demo: dependencies, local stack, migrations, then the end-to-end demo on the local stack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/ensure-deps.sh
bash scripts/stack.sh up
exec node_modules/.bin/tsx scripts/demo.ts "$@"
