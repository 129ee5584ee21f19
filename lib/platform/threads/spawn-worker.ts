import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `<dir>/<name>.worker` in a worker thread. In production the caller is compiled JavaScript (npm run build)
 * and so is the worker's entry; in development and tests it is TypeScript run through tsx, which the worker
 * registers before loading its entry. `callerFile` is the caller's __filename, which tells the two apart.
 */
export function spawnWorker(callerFile: string, dir: string, name: string, options: WorkerOptions): Worker {
  if (callerFile.endsWith('.js')) return new Worker(join(dir, `${name}.worker.js`), options);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(join(dir, `${name}.worker.ts`))});`, {
    ...options,
    eval: true,
  });
}
