import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * docs/conventions.md#benchmarks: the last line a benchmark prints is one JSON object with Cairn, its baseline and the
 * ratio.
 */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  baseline: string;
  baseline_value: number;
  [extra: string]: unknown;
}

export const isQuick = process.argv.includes('--quick');

export function report(result: BenchResult): void {
  const ratio = result.baseline_value > 0 ? result.value / result.baseline_value : 0;
  const line = {
    ...result,
    value: round(result.value),
    baseline_value: round(result.baseline_value),
    ratio: round(ratio, 3),
    quick: isQuick,
    machine: { nproc: cpus().length, mem_gib: round(totalmem() / 2 ** 30, 1) },
    date: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every Linux build we run on). */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) used so far by a process and all its descendants, from /proc. Reading it before
 * and after a fixed-rate phase gives CPU per request, steadier on a shared VM than throughput.
 */
export function processTreeCpuSeconds(pid: number): number {
  let ticks = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    try {
      const stat = readFileSync(`/proc/${next}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${next}/task`)) {
        const children = readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return ticks / USER_HZ;
}

/**
 * CPU seconds the hypervisor gave to other guests while this VM's vCPUs wanted to run (steal, summed over
 * CPUs, /proc/stat). On a shared VM a latency phase with steal in it has stalls the code under test did not
 * cause: a bench prints it next to its percentiles. 0 where the kernel does not account steal.
 */
export function stealSeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    return Number(cpu[8] ?? 0) / USER_HZ;
  } catch {
    return 0;
  }
}
