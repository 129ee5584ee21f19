import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { ApiConfig } from '../api.config';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { utcDay, warmupCap, warmupDay, warmupProblem } from '../../../lib/domain/email/warmup';
import { verifySendingDomain } from '../sending-domain-checks';
import {
  domainOrProblem,
  insertKey,
  listDomains,
  loadDomain,
  recordsOf,
  resolverOf,
  sealingKeyOf,
  type DomainRow,
  type KeyRow,
} from '../sending-domains';
import {
  createDomainSchema,
  deleteDomainSchema,
  getDomainSchema,
  listDomainsSchema,
  resumeDomainSchema,
  rotateDomainSchema,
  verifyDomainSchema,
  warmupSchema,
} from './sending-domains.schemas';

interface Deps {
  pool: Pool;
  config: ApiConfig;
}

/**
 * Sending domains (docs/api.md#sending-domains): changes take the admin scope, as API keys do; reads the read
 * scope. One function per route, in the order they are documented.
 */
export async function sendingDomainRoutes(untyped: FastifyInstance, deps: Deps): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  createRoute(app, deps);
  app.get('/v1/sending-domains', { schema: listDomainsSchema }, async (req) => ({
    items: (await listDomains(deps.pool, workspaceOf(req))).map((domain) => shown(deps.config, domain)),
  }));
  app.get('/v1/sending-domains/:id', { schema: getDomainSchema }, async (req) =>
    shown(deps.config, await loadDomain(deps.pool, workspaceOf(req), req.params.id)),
  );
  app.post('/v1/sending-domains/:id/verify', { config: { scope: 'admin' }, schema: verifyDomainSchema }, async (req) =>
    shown(deps.config, await verifySendingDomain(deps.pool, resolverOf(deps.config), workspaceOf(req), req.params.id)),
  );
  rotateRoute(app, deps);
  warmupRoute(app, deps);
  resumeRoute(app, deps);
  app.delete(
    '/v1/sending-domains/:id',
    { config: { scope: 'admin' }, schema: deleteDomainSchema },
    async (req, reply) => {
      const { rowCount } = await deps.pool.query('DELETE FROM sending_domains WHERE workspace_id = $1 AND id = $2', [
        workspaceOf(req),
        req.params.id,
      ]);
      if (!rowCount) throw notFound('sending domain');
      return reply.code(204).send(null);
    },
  );
}

/** What every answer shows: the row, the live selectors and the records to publish; never a private key. */
function shown(config: ApiConfig, { row: full, keys }: { row: DomainRow; keys: KeyRow[] }) {
  const iso = (at: Date | null): string | null => at?.toISOString() ?? null;
  const { warmup, warmup_started_on, sent_today, paused_at, paused_reason, pause_rates, ...row } = full;
  return {
    ...row,
    warmup: warmupShown(warmup, warmup_started_on, sent_today),
    paused: paused_at
      ? { paused_at: paused_at.toISOString(), reason: paused_reason ?? '', rates: pause_rates ?? {} }
      : null,
    verified_at: iso(row.verified_at),
    last_check_at: iso(row.last_check_at),
    created_at: row.created_at.toISOString(),
    selectors: keys.map((k) => ({ selector: k.selector, state: k.state })),
    records: recordsOf(config, row.domain, keys),
  };
}

function createRoute(app: TypedApp, { pool, config }: Deps): void {
  app.post('/v1/sending-domains', { config: { scope: 'admin' }, schema: createDomainSchema }, async (req, reply) => {
    const workspaceId = workspaceOf(req);
    const sealingKey = sealingKeyOf(config);
    const domain = domainOrProblem(req.body.domain);
    const id = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        'INSERT INTO sending_domains (workspace_id, domain) VALUES ($1, $2) RETURNING id',
        [workspaceId, domain],
      );
      const domainId = (rows[0] as { id: string }).id;
      await insertKey(client, sealingKey, domainId, 'active');
      return domainId;
    });
    return reply.code(201).send(shown(config, await loadDomain(pool, workspaceId, id)));
  });
}

/** A domain's warm-up as its answers show it (docs/api.md#sending-domains), or null when it has none. */
function warmupShown(caps: number[] | null, startedOn: string | null, sentToday: number) {
  if (!caps || !startedOn) return null;
  const today = utcDay(new Date());
  const day = Math.max(warmupDay(startedOn, today), 1);
  return { caps, started_on: startedOn, day, cap_today: warmupCap(caps, startedOn, today), sent_today: sentToday };
}

function warmupRoute(app: TypedApp, { pool, config }: Deps): void {
  app.put('/v1/sending-domains/:id/warmup', { config: { scope: 'admin' }, schema: warmupSchema }, async (req) => {
    const workspaceId = workspaceOf(req);
    const { caps } = req.body;
    const problem = caps === null ? null : warmupProblem(caps);
    if (problem) throw new ApiProblem(422, 'not a warm-up schedule', [{ field: 'body.caps', message: problem }]);
    // a new schedule starts today (UTC) from day 1, whatever an earlier one had reached
    const { rowCount } = await pool.query(
      `UPDATE sending_domains SET warmup = $3::int[],
              warmup_started_on = CASE WHEN $3::int[] IS NULL THEN NULL ELSE $4::date END
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, req.params.id, caps, utcDay(new Date())],
    );
    if (!rowCount) throw notFound('sending domain');
    return shown(config, await loadDomain(pool, workspaceId, req.params.id));
  });
}

function rotateRoute(app: TypedApp, { pool, config }: Deps): void {
  app.post(
    '/v1/sending-domains/:id/rotate',
    { config: { scope: 'admin' }, schema: rotateDomainSchema },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const sealingKey = sealingKeyOf(config);
      // NOTE: one next key at a time (the partial unique index of sql/postgres/0200): a second rotation while one
      // is under way is a 409, so at most two selectors are ever published.
      await inTransaction(pool, async (client) => {
        const { row } = await loadDomain(client, workspaceId, req.params.id, true);
        await insertKey(client, sealingKey, row.id, 'next');
      });
      return shown(config, await loadDomain(pool, workspaceId, req.params.id));
    },
  );
}

/**
 * Resuming a sending domain the circuit breaker paused (docs/scheduler.md#circuit-breaker): the admin scope, like
 * every change to a domain. The mail that waited is sent as the sender's cache and recheck come round; the breaker's
 * counts are deleted, so the window that tripped it does not pause it again at once.
 */
function resumeRoute(app: TypedApp, { pool, config }: Deps): void {
  app.post(
    '/v1/sending-domains/:id/resume',
    { config: { scope: 'admin' }, schema: resumeDomainSchema },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const id = req.params.id;
      await inTransaction(pool, async (client) => {
        // NOTE: the counts are deleted before the domain row is updated, the order the engagement consumer takes
        // them in (services/scheduler/domain-breaker.ts), so a resume and a consumer never deadlock.
        await client.query(
          `DELETE FROM sending_domain_breaker_counts b USING sending_domains d
            WHERE b.domain_id = $2 AND d.id = b.domain_id AND d.workspace_id = $1`,
          [workspaceId, id],
        );
        const { rowCount } = await client.query(
          `UPDATE sending_domains SET paused_at = NULL, paused_reason = NULL, pause_rates = NULL
            WHERE workspace_id = $1 AND id = $2 AND paused_at IS NOT NULL`,
          [workspaceId, id],
        );
        if (rowCount) return;
        const exists = await client.query('SELECT 1 FROM sending_domains WHERE workspace_id = $1 AND id = $2', [
          workspaceId,
          id,
        ]);
        if (!exists.rowCount) throw notFound('sending domain');
        throw new ApiProblem(409, 'the sending domain is not paused; only a paused one can be resumed', [
          { field: 'paused', message: 'null' },
        ]);
      });
      return shown(config, await loadDomain(pool, workspaceId, id));
    },
  );
}
