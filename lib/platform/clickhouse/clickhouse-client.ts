import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Sql } from './sql';

export interface ClickHouseOptions {
  url: string;
  database: string;
  user?: string;
  password?: string;
}

/** Thin wrapper over @clickhouse/client that only accepts SQL built by the binding helper. */
export class ClickHouse {
  readonly client: ClickHouseClient;

  constructor(readonly options: ClickHouseOptions) {
    this.client = createClient({
      url: options.url,
      database: options.database,
      username: options.user ?? 'default',
      password: options.password ?? '',
      request_timeout: 60_000,
      compression: { request: false, response: false },
      // Errors reach callers as rejections; the client's own console logging would duplicate them.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  async exec(statement: Sql): Promise<void> {
    await this.client.command({ query: statement.text });
  }

  async rows<T>(query: Sql): Promise<T[]> {
    const result = await this.client.query({ query: query.text, format: 'JSONEachRow' });
    return result.json<T>();
  }

  async insert(table: string, values: readonly object[]): Promise<void> {
    if (values.length === 0) return;
    await this.client.insert({ table, values: values as object[], format: 'JSONEachRow' });
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** A client on the server's default database, for creating and dropping databases. */
export function serverClient(options: ClickHouseOptions): ClickHouse {
  return new ClickHouse({ ...options, database: 'default' });
}
