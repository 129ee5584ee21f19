import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { baseConfig } from '../support/test-env';

/** The server's maintenance database: this test needs a connection, not a schema. */
const maintenance = Object.assign(new URL(baseConfig.postgresUrl), { pathname: '/postgres' }).toString();
import { waitFor } from '../support/wait-for';

// An idle client killed by the server (PostgreSQL restarted, an operator's pg_terminate_backend) used to surface
// as an 'error' event with no listener, which ends a Node process; the pool now reports it and carries on.
describe('createPgPool', () => {
  it('survives an idle client killed by the server and serves the next query on a new connection', async () => {
    const warnings: string[] = [];
    const pool = createPgPool(maintenance, 2, {
      warn: (_fields: object, message?: string) => void warnings.push(String(message)),
    });
    const admin = createPgPool(maintenance, 1);
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await waitFor(
        async () => warnings,
        (seen) => seen.includes('postgres_idle_client_error'),
      );
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await Promise.all([pool.end(), admin.end()]);
    }
  });
});
