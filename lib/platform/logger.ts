import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One root logger per process; services bind children to {service, topic, partition, jobId}.
 * Secrets, authorization headers and recipient addresses are redacted wherever they appear.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'email',
  '*.email',
  'to',
  '*.to',
  'recipient',
  '*.recipient',
  'postgresUrl',
  'redisUrl',
  'clickhousePassword',
  'clickhouseErasurePassword',
];

export function createLogger(options: {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
