import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The lanes that use the stack (integration, fault, browser: jest.config.js) provision it themselves (idempotent;
 * seconds when it is already up), and mark this run so that global-teardown.ts can find what the run's test
 * environments left behind. They share this module, so jest runs it once however many of them run; the unit lane
 * does not run it.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CAIRN_TEST_RUN ??= `r${randomBytes(3).toString('hex')}`;
  if (process.env.CAIRN_SKIP_STACK === '1') return;
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
}
