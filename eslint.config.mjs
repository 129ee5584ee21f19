import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const services = ['ingest', 'aggregator', 'scheduler', 'sender', 'api'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'coverage/**', 'dashboards/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { import: importPlugin },
    // The import rules resolve paths to files, so they must know TypeScript's extensions.
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Services import lib/, never each other (GUIDE section 2); lib/ imports no service.
      'import/no-restricted-paths': ['error', {
        zones: [
          ...services.map((svc) => ({
            target: `./services/${svc}`,
            from: './services',
            except: [`./${svc}`],
            message: 'services import lib/, never each other',
          })),
          { target: './lib', from: './services', message: 'lib/ must not depend on a service' },
        ],
      }],
      'no-restricted-syntax': ['error', {
        selector: "ExportAllDeclaration",
        message: 'no barrel re-exports; import from the file that defines the symbol',
      }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
