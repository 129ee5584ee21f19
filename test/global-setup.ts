import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium for test/ingest/chromium-email.test.ts, installed before any test loads (root only). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM) || process.getuid?.() !== 0) return;
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: 'ignore',
      timeout: 600_000,
    });
  } catch {
    // the Chromium test skips itself with a message
  }
}

/**
 * npm test provisions the local stack itself (idempotent; seconds when it is already up), and marks this run so
 * that global-teardown.ts can find what the run's test environments left behind.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CAIRN_TEST_RUN ??= `r${randomBytes(3).toString('hex')}`;
  if (process.env.CAIRN_SKIP_STACK === '1') return;
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  ensureChromium();
}
