import { connectionSchema, loadConfig } from '../lib/platform/config';
import { createLogger } from '../lib/platform/logger';
import { migrateAll } from '../lib/platform/migrations/run-migrations';

const config = loadConfig(connectionSchema);
const log = createLogger({ service: 'migrate', level: config.logLevel });

migrateAll(config, log)
  .then((applied) => log.info(applied, 'migrations_done'))
  .catch((err: Error) => {
    log.error({ err }, 'migrations_failed');
    process.exitCode = 1;
  });
