import type { Logger } from './logger';

/** Every long-lived component: started once, stopped in reverse order, stop() safe to call twice. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  healthcheck(): Promise<boolean>;
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops services in reverse start order; each step has its own try/catch and a hard deadline. */
export async function stopAll(services: readonly Service[], log: Logger, deadlineMs = 15000): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await withDeadline(service.stop(), deadlineMs, `stop ${service.name}`);
      log.info({ component: service.name }, 'service_stopped');
    } catch (err) {
      log.error({ component: service.name, err }, 'service_stop_failed');
    }
  }
}

/** Starts services in order and wires SIGTERM/SIGINT to a single orderly stop. */
export async function runServices(services: readonly Service[], log: Logger): Promise<() => Promise<void>> {
  const started: Service[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopAll(started, log);
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutdown_requested');
      void stop().then(() => process.exit(0));
    });
  }
  for (const service of services) {
    await service.start();
    started.push(service);
    log.info({ component: service.name }, 'service_started');
  }
  return stop;
}

/** Turns a stop function into one that runs once however often it is called. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= stop());
}
