#!/usr/bin/env bash
# Writes .env beside docker-compose.yml with a fresh random value for every secret the compose file requires
# (each `${NAME:?...}` in it; docker compose reads .env and refuses to start while one is missing). Run it once
# before the first `docker compose up`; running it again keeps every value and adds only new ones.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mapfile -t names < <(grep -o '\${[A-Z0-9_]*:?' "$ROOT/docker-compose.yml" | sed 's/^\${//; s/:?$//' | sort -u)
added="$(bash "$ROOT/scripts/secrets-env.sh" "$ROOT/.env" "${names[@]}")"
if [ -n "$added" ]; then echo "added to $ROOT/.env:"; echo "$added" | sed 's/^/  /'; else echo "$ROOT/.env already has every secret"; fi
echo "Grafana: http://localhost:3000, user admin, password CAIRN_GRAFANA_ADMIN_PASSWORD in .env"
