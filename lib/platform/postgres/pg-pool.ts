import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../logger';

/**
 * A pool whose idle clients may die (PostgreSQL restarted, a connection killed): pg emits 'error' on the pool
 * then and drops the client, and an 'error' event without a listener would end the process, so one is always
 * attached; the next query opens a new connection.
 */
export function createPgPool(connectionString: string, max = 10, log?: Pick<Logger, 'warn'>): Pool {
  const pool = new Pool({ connectionString, max, idleTimeoutMillis: 30_000, application_name: 'cairn' });
  pool.on('error', (error) => log?.warn({ err: error.message }, 'postgres_idle_client_error'));
  return pool;
}

/** Runs work in one transaction: all of it lands or none of it does. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Creates a database if it does not exist (connects to the server's maintenance database to do it). */
export async function ensureDatabase(connectionString: string): Promise<void> {
  const target = new URL(connectionString);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`unsupported database name ${name}`);
  const admin = new URL(connectionString);
  admin.pathname = '/postgres';
  const pool = new Pool({ connectionString: admin.toString(), max: 1 });
  try {
    const { rowCount } = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount)
      await pool.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
  } finally {
    await pool.end();
  }
}
