import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * The insights pages' files (services/api/ui: a small TypeScript front-end with Chart.js and dagre), keyed by
 * their path under /ui/: index.html and assets/*. `npm run build` bundles them once into dist/services/api/public
 * (scripts/build.sh), so the production image serves files and needs no bundler; run from the sources (tsx,
 * tests, the demo) the API bundles them with esbuild on the first request and keeps the result in memory.
 */
export interface UiAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

export type UiAssets = ReadonlyMap<string, UiAsset>;

const SOURCE_DIR = join(__dirname, 'ui');
/** beside the compiled API: dist/services/api/public */
export const BUILT_DIR = join(__dirname, 'public');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Bundles the front-end with esbuild (a dev dependency): relative path → bytes. */
export async function bundleUi(sourceDir = SOURCE_DIR): Promise<Map<string, Buffer>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: join(sourceDir, 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    outdir: join(sourceDir, 'bundle'),
    write: false,
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const files = new Map<string, Buffer>();
  for (const file of result.outputFiles) files.set(`assets/${basename(file.path)}`, Buffer.from(file.contents));
  files.set('index.html', await readFile(join(sourceDir, 'index.html')));
  files.set('assets/favicon.svg', await readFile(join(sourceDir, 'favicon.svg')));
  return files;
}

/** npm run build: the bundle written to `outDir` (dist/services/api/public), one file per asset. */
export async function writeUiBundle(outDir: string, sourceDir = SOURCE_DIR): Promise<string[]> {
  const files = await bundleUi(sourceDir);
  for (const [path, body] of files) {
    await mkdir(dirname(join(outDir, path)), { recursive: true });
    await writeFile(join(outDir, path), body);
  }
  return [...files.keys()];
}

async function readBuilt(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([['index.html', await readFile(join(dir, 'index.html'))]]);
  for (const name of await readdir(join(dir, 'assets')))
    files.set(`assets/${name}`, await readFile(join(dir, 'assets', name)));
  return files;
}

function toAssets(files: Map<string, Buffer>): UiAssets {
  const assets = new Map<string, UiAsset>();
  for (const [path, body] of files) {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(path, { body, contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', etag });
  }
  return assets;
}

/** The pages' files, loaded once (the built folder if there is one, else a fresh bundle); a failure is retried on the next call. */
export function uiAssetLoader(builtDir = BUILT_DIR): () => Promise<UiAssets> {
  let loading: Promise<UiAssets> | undefined;
  return () => {
    if (!loading) {
      const built = existsSync(join(builtDir, 'index.html'));
      loading = (built ? readBuilt(builtDir) : bundleUi()).then(toAssets, (error: unknown) => {
        loading = undefined;
        throw new Error(
          `the insights pages are not built (no ${builtDir}) and could not be bundled here: ${(error as Error).message}; run npm run build`,
        );
      });
    }
    return loading;
  };
}
