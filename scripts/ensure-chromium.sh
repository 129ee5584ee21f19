#!/usr/bin/env bash
# Debian's Chromium for the browser lane (test/ui, test/ingest/chromium-email.test.ts), installed by npm test and
# npm run test:browser before jest starts (root only; otherwise those tests skip themselves with a message). Never
# installed while jest loads a test.
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ "$(id -u)" != 0 ]; then exit 0; fi
echo "[test] installing Debian's chromium for the browser test" >&2
DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
  echo "[test] chromium could not be installed; the browser test will be skipped" >&2
