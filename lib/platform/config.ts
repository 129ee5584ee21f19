/**
 * Config: one schema per service over process.env, parsed once at start, every error reported together,
 * frozen and passed in. Nothing deep in the code reads process.env.
 */
export interface FieldSpec<T> {
  env: string;
  doc: string;
  parse: (raw: string) => T;
  default?: T;
  secret?: boolean;
}

export type ConfigOf<S extends Record<string, FieldSpec<unknown>>> = {
  readonly [K in keyof S]: S[K] extends FieldSpec<infer T> ? T : never;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function field<T>(parse: (raw: string) => T) {
  return (env: string, doc: string, options: { default?: T; secret?: boolean } = {}): FieldSpec<T> => ({
    env,
    doc,
    parse,
    ...options,
  });
}

export const str = field((raw) => raw);

export const int = field((raw) => {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error('must be an integer');
  return Number.parseInt(raw, 10);
});

/** A fraction from 0 to 1 (a rate: 0.003 is 0.3%). */
export const rate = field((raw) => {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new Error('must be a number from 0 to 1');
  return value;
});

export const bool = field((raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error('must be true or false');
});

export const url = field((raw) => {
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new Error('must be a URL');
  }
});

export const list = field((raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/**
 * Secret values that were printed in this repository's compose file and docs before issue 20: anyone who read them
 * could mint workspaces, forge tracking tokens or sign webhooks, so no deployment may run with one
 * (docs/security.md, "ClickHouse users and deployment secrets").
 */
const PUBLISHED_SECRETS = new Set([
  'change-me',
  'changeme',
  'cairn-dev-webhook-secret',
  'cairn-dev-inbound-secret',
  'Y2Fpcm4tZGV2LXRyYWNraW5nLWtleS0wMDAwMDAwMDA=',
]);

/** A secret setting holding a published value, whole or as one item of a list (tracking keys are "<id>:<secret>"). */
function publishedSecret(raw: string): boolean {
  return raw.split(',').some((item) => {
    const value = item.trim();
    return PUBLISHED_SECRETS.has(value) || PUBLISHED_SECRETS.has(value.replace(/^\d{1,3}:/, ''));
  });
}

export function loadConfig<S extends Record<string, FieldSpec<unknown>>>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) problems.push(`${spec.env} is required (${spec.doc})`);
      else out[key] = spec.default;
      continue;
    }
    if (spec.secret && publishedSecret(raw)) {
      problems.push(
        `${spec.env} holds a value published in Cairn's repository; generate a secret of your own (${spec.doc})`,
      );
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      problems.push(`${spec.env} ${(err as Error).message} (${spec.doc})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** Shared connection settings; each service's schema spreads the ones it needs. */
export const connectionSchema = {
  kafkaBrokers: list('CAIRN_KAFKA_BROKERS', 'Kafka bootstrap brokers, comma-separated', {
    default: ['127.0.0.1:9092'],
  }),
  topicPrefix: str('CAIRN_TOPIC_PREFIX', 'prefix of every Kafka topic name', { default: 'cairn' }),
  clickhouseUrl: url('CAIRN_CLICKHOUSE_URL', 'ClickHouse HTTP endpoint', { default: 'http://127.0.0.1:8123' }),
  clickhouseDatabase: str('CAIRN_CLICKHOUSE_DATABASE', 'ClickHouse database holding Cairn tables', {
    default: 'cairn',
  }),
  clickhouseUser: str('CAIRN_CLICKHOUSE_USER', 'ClickHouse user', { default: 'default' }),
  clickhousePassword: str('CAIRN_CLICKHOUSE_PASSWORD', 'ClickHouse password', { default: '', secret: true }),
  postgresUrl: str('CAIRN_POSTGRES_URL', 'PostgreSQL connection string', {
    default: 'postgres://postgres@127.0.0.1:5432/cairn',
    secret: true,
  }),
  redisUrl: str('CAIRN_REDIS_URL', 'Redis connection string', { default: 'redis://127.0.0.1:6379/0', secret: true }),
  queuePrefix: str(
    'CAIRN_QUEUE_PREFIX',
    "Redis key prefix of Cairn's queues (the scheduler, the sender and the API's test sends share it) and of the API's rate-limit counters",
    { default: 'cairn' },
  ),
  logLevel: str('CAIRN_LOG_LEVEL', 'pino log level', { default: 'info' }),
};

/**
 * The poison rule of every Kafka consumer (lib/platform/kafka/poison.ts), one setting for all services that consume:
 * a message that fails alone with a data error this many times goes to the dead-letter topic; outages never do.
 */
export const poisonAttempts = int(
  'CAIRN_KAFKA_POISON_ATTEMPTS',
  'times a Kafka message may fail alone with a data error (cannot parse, out of range) before it is dead-lettered; outages are retried without end',
  { default: 3 },
);

/** Markdown rows for the README's configuration reference. */
export function describeSchema(schema: Record<string, FieldSpec<unknown>>): string[] {
  return Object.values(schema).map((spec) => {
    const fallback = spec.secret ? '(secret)' : JSON.stringify(spec.default ?? '(required)');
    return `| \`${spec.env}\` | ${spec.doc} | ${fallback} |`;
  });
}
