#!/usr/bin/env bash
# npm run test:unit | test:integration | test:fault | test:browser: one lane of jest.config.js with only what it
# needs. unit neither starts nor checks the stack; integration, fault and browser bring it up in jest's global setup
# (test/global-setup.ts; CAIRN_SKIP_STACK=1 skips that when it is known to be up); browser also installs Chromium.
# No lint or type check (npm test runs those and every lane). Further arguments go to jest:
#   npm run test:unit -- lib/domain/email    npm run test:integration -- test/api/api-flow.test.ts
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
lane="${1:-}"
case "$lane" in
  unit | integration | fault | browser) shift ;;
  *) echo "usage: scripts/test-lane.sh unit|integration|fault|browser [jest arguments]" >&2; exit 2 ;;
esac
started=$SECONDS
. scripts/ensure-deps.sh
if [ "$lane" = browser ]; then bash scripts/ensure-chromium.sh; fi
# The Kafka client is an ES module; jest loads ES modules from CommonJS tests through Node's vm modules.
export NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}"
# The lane goes last: --selectProjects takes a list and would read test paths after it as more project names.
node_modules/.bin/jest "$@" --selectProjects "$lane"
echo "[test:$lane] done in $((SECONDS - started)) s" >&2
