import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { Admin } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { Pool } from 'pg';
import { baseConfig } from '../support/test-env';
import { NO_SERVICE, UNIT_LANE_ENV } from '../support/unit-lane-env';

/** Well under jest's timeout: a unit test that reaches for a service fails on its own error, not on a timeout. */
const FAILS_WITHIN_MS = 10_000;

/** The messages of an error, its causes and, for aggregate errors, the errors it gathers (the Kafka client's). */
function reasons(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const inner = [
    ...(error instanceof AggregateError ? error.errors : []),
    ...(error.cause === undefined ? [] : [error.cause]),
  ];
  return [`${error.message} ${'code' in error ? String(error.code) : ''}`, ...inner.flatMap(reasons)];
}

async function refusal(attempt: () => Promise<unknown>): Promise<{ ms: number; reasons: string }> {
  const started = Date.now();
  const outcome = await attempt().then(
    () => 'connected',
    (error: unknown) => reasons(error).join('; '),
  );
  return { ms: Date.now() - started, reasons: outcome };
}

/**
 * This file runs in the unit lane (jest.config.js; test/foundation/test-lanes.test.ts keeps it there), whose
 * environment points every connection setting at nothing (test/support/unit-lane-env.ts): a unit test that secretly
 * needs a service fails at once with a connection error, whether or not the shared stack is up.
 */
describe('the unit lane reaches no service', () => {
  it('points every connection setting at a closed loopback port', () => {
    for (const [name, value] of Object.entries(UNIT_LANE_ENV)) expect([name, process.env[name]]).toEqual([name, value]);
    expect(baseConfig).toMatchObject({
      kafkaBrokers: [NO_SERVICE],
      clickhouseUrl: UNIT_LANE_ENV.CAIRN_CLICKHOUSE_URL,
      postgresUrl: UNIT_LANE_ENV.CAIRN_POSTGRES_URL,
      redisUrl: UNIT_LANE_ENV.CAIRN_REDIS_URL,
    });
  });

  it('so PostgreSQL, ClickHouse, Redis, Kafka and SMTP clients fail fast with a refused connection', async () => {
    const pool = new Pool({ connectionString: baseConfig.postgresUrl, max: 1 });
    const clickhouse = createClient({ url: baseConfig.clickhouseUrl, log: { level: ClickHouseLogLevel.OFF } });
    const kafka = new Admin({ clientId: 'unit-lane', bootstrapBrokers: [...baseConfig.kafkaBrokers], retries: 0 });
    const smtp = createTransport(UNIT_LANE_ENV.CAIRN_SENDER_SMTP_URL);
    const redisError = () =>
      new Promise((_connected, refused) => {
        const redis = new Redis(baseConfig.redisUrl, { retryStrategy: () => null });
        redis.once('error', (error) => {
          redis.disconnect();
          refused(error);
        });
      });
    try {
      const outcomes = await Promise.all([
        refusal(() => pool.query('SELECT 1')),
        refusal(() => clickhouse.query({ query: 'SELECT 1' })),
        refusal(redisError),
        refusal(() => kafka.listTopics()),
        refusal(() => smtp.verify()),
      ]);
      for (const outcome of outcomes)
        expect(outcome).toEqual({ ms: expect.any(Number), reasons: expect.stringMatching(/ECONNREFUSED/) });
      expect(Math.max(...outcomes.map((outcome) => outcome.ms))).toBeLessThan(FAILS_WITHIN_MS);
    } finally {
      await Promise.allSettled([pool.end(), clickhouse.close(), kafka.close()]);
      smtp.close();
    }
  });
});
