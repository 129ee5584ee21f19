/**
 * The lint-rules test (test/foundation/lint-rules.test.ts) writes probe files into the source tree for a few seconds
 * (the layer and type-aware rules apply by path), in directories named with this prefix. Every other reader of the
 * tree that runs beside it (the size, doc-reference and import-graph walkers, the production build through
 * tsconfig.build.json's exclude) leaves them out, or a probe written or deleted mid-walk would fail it.
 */
export const LINT_PROBE_PREFIX = 'zz_lint_probe_';

/** Whether a directory name is one of the lint-rules test's probe directories. */
export const isLintProbe = (name: string): boolean => name.startsWith(LINT_PROBE_PREFIX);
