import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const DEMO_DIR = join(ROOT, '.stack', 'demo');
/** The services of the last run, so the next run (or `--stop`) can end a `--keep` run's processes. */
const REGISTRY = join(DEMO_DIR, 'services.json');

export interface RunningService {
  name: string;
  child: ChildProcess;
  logFile: string;
}

interface Registered {
  name: string;
  pid: number;
}

function register(services: RunningService[]): void {
  const entries: Registered[] = services.flatMap((s) => (s.child.pid ? [{ name: s.name, pid: s.child.pid }] : []));
  writeFileSync(REGISTRY, JSON.stringify(entries));
}

/**
 * Starts services/<name>/main.ts as its own process (`node --import tsx`, one process per service, so its pid is
 * the service's), output appended to .stack/demo/<name>.log. Detached: it outlives the demo when `--keep` asks.
 */
export function startService(
  name: string,
  env: Record<string, string>,
  others: RunningService[] = [],
  logMode: 'w' | 'a' = 'w',
): RunningService {
  mkdirSync(DEMO_DIR, { recursive: true });
  const logFile = join(DEMO_DIR, `${name}.log`);
  const fd = openSync(logFile, logMode);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', name, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const service = { name, child, logFile };
  register([...others, service]);
  return service;
}

export async function waitHealthy(url: string, service: RunningService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null)
      throw new Error(`${service.name} exited (${service.child.exitCode}); see ${service.logFile}`);
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

/** SIGTERM (the service stops its parts in order), SIGKILL after a deadline. */
export async function stopService(service: RunningService, deadlineMs = 15_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}

/** Lets the demo exit while its services keep running (`--keep`). */
export function detach(services: RunningService[]): void {
  for (const service of services) service.child.unref();
}

const isOurs = (entry: Registered): boolean => {
  try {
    return readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').includes(join('services', entry.name, 'main.ts'));
  } catch {
    return false;
  }
};

/** Ends the services an earlier run left running (by the pids it recorded, each checked to still be that service). */
export async function stopEarlierServices(deadlineMs = 15_000): Promise<string[]> {
  if (!existsSync(REGISTRY)) return [];
  const entries = (JSON.parse(readFileSync(REGISTRY, 'utf8')) as Registered[]).filter(isOurs);
  for (const entry of entries) process.kill(entry.pid, 'SIGTERM');
  const deadline = Date.now() + deadlineMs;
  while (entries.some(isOurs) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  for (const entry of entries.filter(isOurs)) process.kill(entry.pid, 'SIGKILL');
  writeFileSync(REGISTRY, '[]');
  return entries.map((entry) => entry.name);
}
