/**
 * Loaded before every test file of the unit lane (jest.config.js). The unit lane neither starts nor checks the
 * stack, so every connection setting points at a closed port on loopback: a test that needs Kafka, ClickHouse,
 * PostgreSQL, Redis or the SMTP sink fails at once with `ECONNREFUSED 127.0.0.1:1` (never quietly using the shared
 * stack, never waiting for one) and belongs in the integration lane. Servers a test starts itself on loopback are
 * unaffected. jest gives each test file its own copy of process.env, so the other lanes keep their settings.
 */
export const NO_SERVICE = '127.0.0.1:1';

export const UNIT_LANE_ENV = {
  CAIRN_KAFKA_BROKERS: NO_SERVICE,
  CAIRN_CLICKHOUSE_URL: `http://${NO_SERVICE}`,
  CAIRN_POSTGRES_URL: `postgres://postgres@${NO_SERVICE}/cairn`,
  CAIRN_REDIS_URL: `redis://${NO_SERVICE}/0`,
  CAIRN_SENDER_SMTP_URL: `smtp://${NO_SERVICE}`,
} as const;

Object.assign(process.env, UNIT_LANE_ENV);
