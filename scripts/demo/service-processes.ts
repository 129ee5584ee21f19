import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface RunningService {
  name: string;
  child: ChildProcess;
  logFile: string;
}

/** Starts services/<name>/main.ts as its own process, its output in .stack/demo/<name>.log. */
export function startService(name: string, env: Record<string, string>): RunningService {
  const dir = join(ROOT, '.stack', 'demo');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(TSX, [join(ROOT, 'services', name, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { name, child, logFile };
}

export async function waitHealthy(url: string, service: RunningService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited (${service.child.exitCode}); see ${service.logFile}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service.name} not healthy at ${url} after ${timeoutMs} ms; see ${service.logFile}`);
}

/** SIGTERM (the services stop in order), SIGKILL after a deadline. */
export async function stopService(service: RunningService, deadlineMs = 15_000): Promise<void> {
  if (service.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}
