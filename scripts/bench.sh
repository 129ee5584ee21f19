#!/usr/bin/env bash
# npm run bench -- <name> [--quick]: runs bench/<name>.bench.ts, which measures Cairn and its baseline in the
# same run and prints one JSON line last. Without a name, lists the benchmarks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/ensure-deps.sh"
if [ $# -eq 0 ] || [ "$1" = "--list" ]; then
  echo "benchmarks (npm run bench -- <name> [--quick]):"
  for f in "$ROOT"/bench/*.bench.ts; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .bench.ts)"
    desc="$(grep -m1 -oP '(?<=^// bench: ).*' "$f" || true)"
    printf '  %-16s %s\n' "$name" "$desc"
  done
  exit 0
fi
name="$1"; shift
file="$ROOT/bench/$name.bench.ts"
[ -f "$file" ] || { echo "no benchmark named '$name'; run 'npm run bench' for the list" >&2; exit 2; }
bash "$ROOT/scripts/stack.sh" up
# HTTP benchmarks drive load with wrk (C, one thread), so the generator takes little of the cores.
if ! command -v wrk >/dev/null; then
  echo "[bench] installing wrk from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq wrk >/dev/null 2>&1; } \
    || { echo "[bench] could not install wrk (root and Debian's package index needed)" >&2; exit 1; }
fi
# Fixed-rate (open-loop) latency phases use bench/loadgen/openloop.c (C, one thread, coordinated-omission
# corrected), built once and rebuilt when the source is newer than the binary.
OPENLOOP_SRC="$ROOT/bench/loadgen/openloop.c"
OPENLOOP="$ROOT/.stack/bin/openloop"
if [ ! -x "$OPENLOOP" ] || [ "$OPENLOOP_SRC" -nt "$OPENLOOP" ]; then
  echo "[bench] building $OPENLOOP" >&2
  mkdir -p "$(dirname "$OPENLOOP")"
  gcc -O2 -Wall -o "$OPENLOOP.tmp.$$" "$OPENLOOP_SRC" || { echo "[bench] could not build openloop (gcc needed)" >&2; exit 1; }
  mv "$OPENLOOP.tmp.$$" "$OPENLOOP"
fi
exec "$ROOT/node_modules/.bin/tsx" "$file" "$@"
