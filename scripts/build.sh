#!/usr/bin/env bash
# npm run build: the production build. TypeScript compiled to CommonJS JavaScript under dist/ (services, lib and
# the migration runner), with the files they read at run time beside them (Avro schemas, SQL migrations), so
# every service starts with plain `node dist/services/<name>/main.js`, no TypeScript tooling at run time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/dist}"
cd "$ROOT"
TSC="$ROOT/node_modules/.bin/tsc"
rm -rf "$OUT"
"$TSC" -p tsconfig.build.json --outDir "$OUT"
# Run-time assets, at the same relative paths as in the source tree.
(cd "$ROOT" && find lib services -name '*.avsc' -print0 | xargs -0 -I{} install -D -m 0644 {} "$OUT/{}")
mkdir -p "$OUT/sql" && cp -R "$ROOT/sql/." "$OUT/sql/"
# The insights pages (/ui): bundled here with esbuild (a dev dependency), so the production image, which keeps
# only production dependencies, serves ready files from dist/services/api/public.
node -e 'const [assets, out, src] = process.argv.slice(1); require(assets).writeUiBundle(out, src).then((files) => console.error(`[build] insights pages: ${files.join(", ")}`), (e) => { console.error(e); process.exit(1); });' \
  "$OUT/services/api/ui-assets.js" "$OUT/services/api/public" "$ROOT/services/api/ui"
echo "[build] $(find "$OUT" -name '*.js' | wc -l) files in $OUT" >&2
