import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * npm test provisions the local stack itself (idempotent; seconds when it is already up), and marks this run so
 * that global-teardown.ts can find what the run's test environments left behind.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CAIRN_TEST_RUN ??= `r${randomBytes(3).toString('hex')}`;
  if (process.env.CAIRN_SKIP_STACK === '1') return;
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
}
