import { connectionSchema, loadConfig } from '../../lib/platform/config';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createWebhookSecret } from './webhook-auth';

/**
 * Operator command: prints a new bounce/complaint webhook secret for a workspace (shown once; only its hash
 * is stored). Usage: npx tsx services/ingest/create-webhook-secret.ts <workspace id>
 */
async function main(): Promise<void> {
  const workspaceId = process.argv[2] ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(workspaceId)) throw new Error('usage: create-webhook-secret.ts <workspace id (uuid)>');
  const pool = createPgPool(loadConfig(connectionSchema).postgresUrl, 1);
  try {
    const { rowCount } = await pool.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
    if (!rowCount) throw new Error(`no workspace ${workspaceId}`);
    process.stdout.write(`${await createWebhookSecret(pool, workspaceId)}\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
