import type { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/platform/logger';
import { spawnWorker } from '../../lib/platform/threads/spawn-worker';

export interface RelayThreadSettings {
  postgresUrl: string;
  redisUrl: string;
  queuePrefix: string;
  kafkaBrokers: string[];
  topicPrefix: string;
  webhookAttempts: number;
  webhookBackoffMs: number;
  logLevel: string;
  pollMs: number;
}

export type ToRelayThread = 'nudge' | 'stop';

/**
 * The outbox relay (outbox-relay.ts) in a worker thread of its own. A thread that dies is replaced: the relay
 * keeps nothing the outbox does not (rows are deleted in the transaction that published them).
 */
export function startRelayThread(settings: RelayThreadSettings, log: Logger): { nudge(): void; stop(): Promise<void> } {
  let stopping = false;
  let worker: Worker;
  let stopped: Promise<void> | undefined;
  const spawn = (): Worker => {
    const thread = spawnWorker(__filename, __dirname, 'outbox-relay', { workerData: settings });
    thread.on('error', (error) => log.error({ err: error.message }, 'relay_thread_error'));
    thread.on('exit', (code) => {
      if (stopping) return;
      log.warn({ code }, 'relay_thread_exited');
      worker = spawn();
    });
    return thread;
  };
  worker = spawn();
  return {
    nudge: () => worker.postMessage('nudge' satisfies ToRelayThread),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        stopping = true;
        worker.once('exit', () => resolve());
        worker.once('message', (message) => message === 'stopped' && void worker.terminate());
        worker.postMessage('stop' satisfies ToRelayThread);
      })),
  };
}
