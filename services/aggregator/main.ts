import { healthServer } from '../../lib/platform/health-server';
import { createLogger } from '../../lib/platform/logger';
import { runServices } from '../../lib/platform/shutdown';
import { loadAggregatorConfig } from './aggregator.config';
import { buildAggregator } from './aggregator.app';

/** Wires the aggregator from the environment and runs it until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadAggregatorConfig();
  const log = createLogger({ service: 'aggregator', level: config.logLevel });
  try {
    const aggregator = buildAggregator(config, log);
    const health =
      config.healthPort > 0
        ? [healthServer({ host: config.healthHost, port: config.healthPort, services: [aggregator] })]
        : [];
    await runServices([aggregator, ...health], log);
  } catch (error) {
    log.fatal({ err: error }, 'aggregator_start_failed');
    process.exit(1);
  }
}

void main();
