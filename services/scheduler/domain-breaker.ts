import type { PoolClient } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { tallyBy, tripsOf, writeBreakerAlert, type BreakerCounts, type BreakerSettings } from './journey-breaker';

/**
 * The circuit breaker per sending domain (docs/scheduler.md#circuit-breaker): the journey breaker's counts, summed
 * per sending_domains row of the journey email's From domain over every journey of the workspace, and the same
 * verdict (breakerVerdict, the same settings). A tripped domain is paused; the sender holds its mail.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_INT4 = 2_147_483_647;

/** An engagement the consumer's insert created, with the email version its event named. */
export interface CountedEngagement {
  journey_id: string;
  kind: string;
  email_id: string;
  email_version: number;
}

/** The frozen From of an email version, as sent by a journey of the version's own workspace. */
export interface VersionSender {
  workspaceId: string;
  fromAddress: string;
}

/** (journey, email, version): the key of the From lookup; null when the event names no usable version. */
export function versionKey(row: CountedEngagement): string | null {
  if (!UUID.test(row.email_id) || !Number.isInteger(row.email_version)) return null;
  if (row.email_version < 0 || row.email_version > MAX_INT4) return null;
  return `${row.journey_id.toLowerCase()}/${row.email_id.toLowerCase()}/${row.email_version}`;
}

/**
 * Counts per (workspace, From domain), keyed "<workspace> <domain>": the versions' tallies summed by the sending
 * domain of their From address (normalised as the API stores it). A version without a sender (not found, another
 * workspace's) or whose From is no plain mailbox counts nothing.
 */
export function domainTallies(
  perVersion: ReadonlyMap<string, BreakerCounts>,
  senders: ReadonlyMap<string, VersionSender>,
): Map<string, BreakerCounts> {
  const perDomain = new Map<string, BreakerCounts>();
  for (const [key, counts] of perVersion) {
    const sender = senders.get(key);
    const domain = sender ? sendingDomainOfAddress(sender.fromAddress) : null;
    if (!sender || !domain) continue;
    const at = `${sender.workspaceId} ${domain}`;
    const sum = perDomain.get(at) ?? { sends: 0, hardBounces: 0, complaints: 0 };
    perDomain.set(at, {
      sends: sum.sends + counts.sends,
      hardBounces: sum.hardBounces + counts.hardBounces,
      complaints: sum.complaints + counts.complaints,
    });
  }
  return perDomain;
}

/** The From of each (journey, email version) key, when the version belongs to the journey's workspace. */
async function sendersOf(db: Pick<PoolClient, 'query'>, keys: readonly string[]): Promise<Map<string, VersionSender>> {
  const parts = keys.map((key) => key.split('/'));
  const { rows } = await db.query<{ key: string; workspace_id: string; from_address: string }>(
    `SELECT p.j::text || '/' || p.e::text || '/' || p.v AS key, ev.workspace_id::text, ev.from_address
       FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS p(j, e, v)
       JOIN email_versions ev ON ev.email_id = p.e AND ev.version = p.v
       JOIN journeys jo ON jo.id = p.j AND jo.workspace_id = ev.workspace_id`,
    [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => Number(p[2]))],
  );
  return new Map(rows.map((r) => [r.key, { workspaceId: r.workspace_id, fromAddress: r.from_address }]));
}

/**
 * Adds the engagements just recorded to the hourly counts of their sending domains; returns the domain ids counted.
 * Mail whose From domain is no sending_domains row of the workspace is not counted at domain level.
 *
 * NOTE: counted once per event: the caller passes only the rows its ON CONFLICT DO NOTHING insert created, the same
 * rows countForBreaker counts, in the same transaction. Count rows are locked in domain id order (ORDER BY d.id),
 * after the journeys' (journey-breaker.ts), and the resume route deletes them before it updates the domain row, the
 * order tripDomainBreakers takes: two consumers, or a consumer and a resume, never deadlock.
 */
export async function countForDomainBreaker(
  db: Pick<PoolClient, 'query'>,
  inserted: readonly CountedEngagement[],
): Promise<string[]> {
  const perVersion = tallyBy(inserted, versionKey);
  if (perVersion.size === 0) return [];
  const perDomain = domainTallies(perVersion, await sendersOf(db, [...perVersion.keys()]));
  if (perDomain.size === 0) return [];
  const at = [...perDomain.keys()].map((key) => key.split(' '));
  const counts = [...perDomain.values()];
  const { rows } = await db.query<{ domain_id: string }>(
    `INSERT INTO sending_domain_breaker_counts (domain_id, hour, sends, hard_bounces, complaints)
     SELECT d.id, date_trunc('hour', now()), c.s, c.h, c.c
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[]) AS c(w, dom, s, h, c)
       JOIN sending_domains d ON d.workspace_id = c.w AND d.domain = c.dom
      ORDER BY d.id
     ON CONFLICT (domain_id, hour) DO UPDATE SET sends = sending_domain_breaker_counts.sends + excluded.sends,
       hard_bounces = sending_domain_breaker_counts.hard_bounces + excluded.hard_bounces,
       complaints = sending_domain_breaker_counts.complaints + excluded.complaints
     RETURNING domain_id::text`,
    [
      at.map((p) => p[0]),
      at.map((p) => p[1]),
      counts.map((c) => c.sends),
      counts.map((c) => c.hardBounces),
      counts.map((c) => c.complaints),
    ],
  );
  return [...new Set(rows.map((r) => r.domain_id))].sort();
}

export interface PausedDomain {
  domainId: string;
  workspaceId: string;
  domain: string;
  reason: string;
}

/**
 * Pauses each sending domain among `domainIds` whose window trips the breaker, with its workspace alert, in the
 * caller's transaction. Returns the domains paused (for the log).
 *
 * NOTE: a pause is written once: the UPDATE sets paused_at only while it is null, and only the transaction whose
 * UPDATE returned the row writes its alert (key sending_domain_paused:<domain id>:<paused_at>, ON CONFLICT DO
 * NOTHING), so a redelivered batch or a second replica pauses nothing twice. A resume deletes the domain's counts.
 */
export async function tripDomainBreakers(
  db: Pick<PoolClient, 'query'>,
  domainIds: readonly string[],
  settings: BreakerSettings,
): Promise<PausedDomain[]> {
  if (domainIds.length === 0) return [];
  const { rows } = await db.query<{ id: string; sends: string; hard_bounces: string; complaints: string }>(
    `SELECT b.domain_id::text AS id, sum(b.sends)::text AS sends, sum(b.hard_bounces)::text AS hard_bounces, sum(b.complaints)::text AS complaints
       FROM sending_domain_breaker_counts b JOIN sending_domains d ON d.id = b.domain_id AND d.paused_at IS NULL
      WHERE b.domain_id = ANY($1::uuid[]) AND b.hour > now() - make_interval(hours => $2::int)
      GROUP BY b.domain_id ORDER BY b.domain_id`,
    [domainIds, settings.windowHours],
  );
  const paused: PausedDomain[] = [];
  for (const { id, trip } of tripsOf(rows, settings)) {
    const updated = await db.query<{ workspace_id: string; domain: string; paused_at: string }>(
      `UPDATE sending_domains SET paused_at = now(), paused_reason = $2, pause_rates = $3
        WHERE id = $1 AND paused_at IS NULL
        RETURNING workspace_id::text, domain, paused_at::text`,
      [id, trip.reason, JSON.stringify(trip.rates)],
    );
    const row = updated.rows[0];
    if (!row) continue;
    await writeBreakerAlert(
      db,
      {
        key: `sending_domain_paused:${id}:${row.paused_at}`,
        workspaceId: row.workspace_id,
        kind: 'sending_domain_paused',
        title: `Sending domain ${row.domain} paused: ${trip.reason}`,
      },
      { sending_domain_id: id, domain: row.domain, reason: trip.reason, rates: trip.rates },
    );
    paused.push({ domainId: id, workspaceId: row.workspace_id, domain: row.domain, reason: trip.reason });
  }
  return paused;
}
