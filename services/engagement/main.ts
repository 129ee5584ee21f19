import { createLogger } from '../../lib/platform/logger';
import { runServices } from '../../lib/platform/shutdown';
import { buildEngagement } from './engagement.app';
import { loadEngagementConfig } from './engagement.config';

/** Wires the engagement service from the environment and runs it until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadEngagementConfig();
  const log = createLogger({ service: 'engagement', level: config.logLevel });
  try {
    await runServices([buildEngagement(config, log)], log);
  } catch (error) {
    log.fatal({ err: error }, 'engagement_start_failed');
    process.exit(1);
  }
}

void main();
