#!/usr/bin/env bash
# Adds a random value for each NAME missing from FILE (KEY=VALUE lines, mode 600); never changes a value already
# there. NAMEs ending in TRACKING_KEYS get a tracking key ring "1:<base64 of 32 bytes>" (lib/contracts/tracking), those
# ending in ENCRYPTION_KEY 32 bytes in base64 (lib/platform/crypto/sealed-secret.ts), the others 48 hex digits (192 bits). Prints the names it added.
# Usage: scripts/secrets-env.sh FILE NAME...
set -euo pipefail

file="$1"; shift
touch "$file" && chmod 600 "$file"
for name in "$@"; do
  grep -q "^$name=" "$file" && continue
  if [[ "$name" == *TRACKING_KEYS ]]; then value="1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  elif [[ "$name" == *ENCRYPTION_KEY ]]; then value="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  else value="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"; fi
  printf '%s=%s\n' "$name" "$value" >>"$file"
  echo "$name"
done
