import { healthServer } from '../../lib/platform/health-server';
import { createLogger } from '../../lib/platform/logger';
import { runServices } from '../../lib/platform/shutdown';
import { buildSender } from './sender.app';
import { loadSenderConfig } from './sender.config';

/** Wires the sender from the environment and runs it until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadSenderConfig();
  const log = createLogger({ service: 'sender', level: config.logLevel });
  try {
    const sender = buildSender(config, log);
    const health =
      config.healthPort > 0
        ? [healthServer({ host: config.healthHost, port: config.healthPort, services: [sender] })]
        : [];
    await runServices([sender, ...health], log);
  } catch (error) {
    log.fatal({ err: error }, 'sender_start_failed');
    process.exit(1);
  }
}

void main();
