import { readdirSync, readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const root = new URL('.', import.meta.url);
const folders = (dir) =>
  readdirSync(new URL(dir, root), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

/**
 * The architecture's zones, generated from the tree so a new service or layer file is covered without editing
 * this file: every folder under services/ is a service (it imports lib/ and itself, never another service), and
 * lib/layers.json says which layers of lib/ each layer may import (README "Architecture";
 * test/foundation/import-graph.test.ts checks the same rules on the whole import graph, type-only imports too).
 */
const services = folders('services/');
const layers = JSON.parse(readFileSync(new URL('lib/layers.json', root), 'utf8'));
const zones = [
  ...services.map((svc) => ({
    target: `./services/${svc}`,
    from: './services',
    except: [`./${svc}`],
    message: 'services import lib/, never each other',
  })),
  { target: './lib', from: './services', message: 'lib/ must not depend on a service' },
  ...Object.entries(layers).flatMap(([layer, { imports }]) =>
    Object.keys(layers)
      .filter((other) => other !== layer && !imports.includes(other))
      .map((other) => ({
        target: `./lib/${layer}`,
        from: `./lib/${other}`,
        message: `lib/${layer} imports ${imports.length ? `only ${imports.map((l) => `lib/${l}`).join(' and ')}` : 'no other layer'} (lib/layers.json)`,
      })),
  ),
];
/** Running code (not its tests, which may use test/support) reaches outside lib/ and its own service not at all. */
const codeZones = ['lib', ...services.map((svc) => `services/${svc}`)].map((target) => ({
  target: `./${target}`,
  from: ['./test', './scripts', './bench'],
  message: 'services and lib/ import lib/ and their own files only, not test/, scripts/ or bench/',
}));

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'coverage/**', 'dashboards/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { import: importPlugin },
    // The import rules resolve paths to files, so they must know TypeScript's extensions.
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-restricted-paths': ['error', { zones }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'no barrel re-exports; import from the file that defines the symbol',
        },
      ],
    },
  },
  {
    files: ['lib/**/*.ts', 'services/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'import/no-restricted-paths': ['error', { zones: [...zones, ...codeZones] }] },
  },
  {
    // Type-aware rules: a promise nobody awaits or handles loses its error (and the side effect's NOTE with it). An
    // intended fire-and-forget says so with `void`, which these rules accept.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
