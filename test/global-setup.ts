import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** npm test provisions the local stack itself (idempotent; seconds when it is already up). */
export default function globalSetup(): void {
  if (process.env.CAIRN_SKIP_STACK === '1') return;
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
}
