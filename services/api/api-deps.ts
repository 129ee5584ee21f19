import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import type { Logger } from '../../lib/platform/logger';
import type { ApiConfig } from './api.config';
import type { UiAssets } from './ui-assets';

/** What buildApi (app.ts) is given; the route plugins (routes/) take it, or the part they need, as their options. */
export interface ApiDeps {
  config: ApiConfig;
  pool: Pool;
  redis: Redis;
  /** every read: insights, segments, engagement (a read-only user in production) */
  clickhouse: ClickHouse;
  /** contact erasure's deletes and KPI rebuilds (default: clickhouse) */
  clickhouseErasure?: ClickHouse;
  log: Logger;
  /**
   * Serve the Swagger UI at /docs (default). Jest on Node 20 cannot load the UI's ESM dependencies, so the
   * in-process tests serve only /docs/json; test/api/api-docs.test.ts checks the UI on the real process.
   */
  docsUi?: boolean;
  /** the insights pages' files (default: the built bundle, or one made from the sources on first use) */
  uiAssets?: () => Promise<UiAssets>;
}

/**
 * A route plugin's instance once its JSON schemas type the requests (`withTypeProvider<JsonSchemaToTsProvider>()`),
 * so a route registered by a function of its own keeps the types of its body, query and params.
 */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  JsonSchemaToTsProvider
>;
