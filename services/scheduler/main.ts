import { healthServer } from '../../lib/platform/health-server';
import { createLogger } from '../../lib/platform/logger';
import { MetricsListener } from '../../lib/platform/metrics/metrics-listener';
import { runServices } from '../../lib/platform/shutdown';
import { buildScheduler } from './scheduler.app';
import { loadSchedulerConfig } from './scheduler.config';

/** Wires the journey engine from the environment and runs it until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadSchedulerConfig();
  const log = createLogger({ service: 'scheduler', level: config.logLevel });
  try {
    const scheduler = buildScheduler(config, log);
    const health =
      config.healthPort > 0
        ? [healthServer({ host: config.healthHost, port: config.healthPort, services: [scheduler] })]
        : [];
    const metrics =
      config.metricsPort > 0
        ? [new MetricsListener(scheduler.metrics.registry, { host: config.metricsHost, port: config.metricsPort })]
        : [];
    await runServices([scheduler, ...health, ...metrics], log);
  } catch (error) {
    log.fatal({ err: error }, 'scheduler_start_failed');
    process.exit(1);
  }
}

void main();
