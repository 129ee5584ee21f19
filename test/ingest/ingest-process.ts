import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'node:http';

const ROOT = join(__dirname, '..', '..');

/** GET url → status code, or 0 when nothing answers. */
export function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** A child process (e.g. the ingest server, a baseline server) stopped with SIGTERM, then SIGKILL. */
export class ChildServer {
  private child: ChildProcess | undefined;

  constructor(
    private readonly args: string[],
    private readonly env: Record<string, string>,
    readonly healthUrl: string,
    /** tsx for TypeScript sources; process.execPath (plain node) for the production build */
    private readonly command = join(ROOT, 'node_modules', '.bin', 'tsx'),
  ) {}

  async start(timeoutMs = 30_000): Promise<void> {
    this.child = spawn(this.command, this.args, {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await probe(this.healthUrl)) === 200) return;
      if (this.child.exitCode !== null) throw new Error(`${this.args.join(' ')} exited with ${this.child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.healthUrl} not healthy after ${timeoutMs} ms`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Where ingestProcess(port) serves /metrics: its own listener, on port + 10. */
export const ingestMetricsUrl = (port: number): string => `http://127.0.0.1:${port + 10}/metrics`;

/** The ingest service as its own process (tsx services/ingest/main.ts) with the given environment. */
export function ingestProcess(port: number, env: Record<string, string>): ChildServer {
  const ports = { CAIRN_INGEST_PORT: String(port), CAIRN_INGEST_METRICS_PORT: String(port + 10) };
  return new ChildServer(['services/ingest/main.ts'], { ...ports, ...env }, `http://127.0.0.1:${port}/healthz`);
}

/** Reads one counter/gauge value (sum over label sets matching `labels`) from a Prometheus text page. */
export function metricValue(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels) && !line.startsWith('#'))
    .filter(
      (line) => line.slice(name.length, name.length + 1) === '{' || line.slice(name.length, name.length + 1) === ' ',
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
