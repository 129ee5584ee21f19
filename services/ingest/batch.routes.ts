import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyPrincipal, keyFromHeaders, verifyApiKey } from '../../lib/domain/auth/api-keys';
import { type CairnEvent, isEventType, SERVICE_RECORDED_EVENT_TYPES } from '../../lib/contracts/events/event-types';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import { addressReportOfEvent } from '../../lib/contracts/suppression/address-report';
import type { IngestDeps } from './ingest-deps';
import { authenticateFirst, refuse } from './authenticate-first';
import { followAllowedSql } from '../../lib/domain/contacts/following';

const MAX_ITEMS = 50_000;

interface ItemError {
  index: number;
  error: string;
}

/**
 * A JSON array (or one object), or NDJSON: one event per line. A bad line is that item's error only, and so is a
 * line longer than maxLineBytes, which is never parsed. Linear in the body: one split, each line parsed once.
 */
export function splitBatch(
  body: string,
  contentType: string,
  maxLineBytes = Infinity,
): { items: unknown[]; errors: ItemError[] } | { error: string } {
  const trimmed = body.trimStart();
  if (!/ndjson|jsonl/i.test(contentType) && (trimmed.startsWith('[') || trimmed.startsWith('{'))) {
    try {
      const value: unknown = JSON.parse(body);
      return { items: Array.isArray(value) ? value : [value], errors: [] };
    } catch {
      if (trimmed.startsWith('[')) return { error: 'body is not valid JSON' };
    }
  }
  const items: unknown[] = [];
  const errors: ItemError[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    // A character is 1 to 3 UTF-8 bytes (4 for a surrogate pair, two characters): count bytes only when in doubt.
    if (line.length > maxLineBytes || (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes)) {
      errors.push({ index: items.length, error: `line is longer than ${maxLineBytes} bytes` });
      items.push(undefined);
      continue;
    }
    try {
      items.push(JSON.parse(line));
    } catch {
      errors.push({ index: items.length, error: 'line is not valid JSON' });
      items.push(undefined);
    }
  }
  return { items, errors };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tile, link and path ids: the journey graph's tile id rule (link ids are 12 base64url characters). */
const NAME_ID = /^[A-Za-z0-9_-]{1,64}$/;
const UUID_FIELDS = ['event_id', 'contact_id', 'message_id', 'email_id', 'journey_id', 'lead_id'] as const;
const NAME_FIELDS = ['tile_id', 'link_id', 'path_id'] as const;
/** ISO 3166-1 alpha-2, as ingest's own lookup writes it: the geography insight groups by this text. */
const COUNTRY = /^[A-Z]{2}$/;

/**
 * NOTE: ids become Kafka keys and stored ids: entity ids must be UUIDs and tile/link/path ids names, as the API
 * requires of them, so no NUL, CR, LF or other bytes reach Kafka or ClickHouse through an id.
 */
export function idProblem(fields: Record<string, unknown>): string | null {
  const bad = (name: string, value: unknown, rule: RegExp): boolean =>
    value != null && !(typeof value === 'string' && rule.test(value));
  for (const name of UUID_FIELDS) if (bad(name, fields[name], UUID)) return `data.${name} must be a UUID`;
  for (const name of NAME_FIELDS)
    if (bad(name, fields[name], NAME_ID)) return `data.${name} must match ${NAME_ID.source}`;
  const lists = fields.list_ids;
  if (lists != null && !(Array.isArray(lists) && lists.every((id) => typeof id === 'string' && UUID.test(id)))) {
    return 'data.list_ids must be an array of UUIDs';
  }
  return null;
}

/** The event times a client may send (CAIRN_INGEST_EVENT_TIME_MAX_AGE_DAYS, _MAX_SKEW_S), as of now. */
export interface EventTimeWindow {
  maxAgeMs: number;
  maxSkewMs: number;
}

/**
 * NOTE: a client-supplied event_time must lie within the window around the time ingest receives it: a time no
 * store can hold stalled a partition for every tenant (issue 20 defect 8), and a time years away would land in a
 * month the retention job drops or a KPI day nobody looks at. A non-number is left to the Avro check, which names it.
 */
export function eventTimeProblem(value: unknown, window: EventTimeWindow, now = Date.now()): string | null {
  if (typeof value !== 'number') return null;
  if (Number.isInteger(value) && value >= now - window.maxAgeMs && value <= now + window.maxSkewMs) return null;
  const days = Math.round(window.maxAgeMs / 86_400_000);
  return `data.event_time must be epoch milliseconds within ${days} days before and ${Math.round(window.maxSkewMs / 1000)} s after the time of the request`;
}

/** Fills ids and times the client may omit; the workspace always comes from the API key, never the body. */
function toEvent(item: unknown, workspaceId: string, window: EventTimeWindow): CairnEvent | string {
  if (!item || typeof item !== 'object') return 'item must be an object {type, data}';
  const { type, data } = item as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || !isEventType(type)) return `unknown event type ${JSON.stringify(type)?.slice(0, 60)}`;
  if (SERVICE_RECORDED_EVENT_TYPES.has(type))
    return `event type ${type} is recorded by Cairn itself and cannot be posted`;
  if (!data || typeof data !== 'object' || Array.isArray(data)) return 'data must be an object';
  const fields = data as Record<string, unknown>;
  const problem = idProblem(fields);
  if (problem) return problem;
  if (fields.country != null && !(typeof fields.country === 'string' && COUNTRY.test(fields.country)))
    return 'data.country must be two capital letters (ISO 3166-1 alpha-2) or null';
  const time = eventTimeProblem(fields.event_time, window);
  if (time) return time;
  return {
    type,
    data: { event_id: randomUUID(), event_time: Date.now(), ...fields, workspace_id: workspaceId },
  } as CairnEvent;
}

interface OwnContact {
  follows: boolean;
  /** lower-cased: where a bounce or complaint posted for the contact is reported to the suppression writer */
  email: string | null;
}

/**
 * The contacts among `ids` that belong to the workspace (another workspace's ids are as unknown as made-up ones),
 * each with whether it allows following and its address.
 */
async function ownContacts(deps: IngestDeps, workspaceId: string, ids: string[]): Promise<Map<string, OwnContact>> {
  if (ids.length === 0) return new Map();
  const { rows } = await deps.pool.query<{ id: string; allow_follow_email: boolean; email: string | null }>(
    `SELECT c.id::text, ${followAllowedSql('c')} AS allow_follow_email, lower(c.email) AS email
       FROM contacts c WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`,
    [workspaceId, ids],
  );
  return new Map(rows.map((row) => [row.id, { follows: row.allow_follow_email, email: row.email }]));
}

/** Engagement a Do Not Allow following contact's events must not record. */
const ENGAGEMENT_TYPES: ReadonlySet<string> = new Set(['open', 'click']);

/**
 * Every item as an event (with its contact's address), or its error; an event whose contact is not the workspace's
 * is rejected, and so is an open or click of a contact that does not allow following.
 */
async function toEvents(
  deps: IngestDeps,
  items: unknown[],
  failed: Set<number>,
  workspaceId: string,
): Promise<({ event: CairnEvent; address: string | null } | string | null)[]> {
  const window = {
    maxAgeMs: deps.config.eventTimeMaxAgeDays * 86_400_000,
    maxSkewMs: deps.config.eventTimeMaxSkewSeconds * 1000,
  };
  const events = items.map((item, index) => (failed.has(index) ? null : toEvent(item, workspaceId, window)));
  // A missing contact_id is left to the Avro schema check, which names it.
  const contactOf = (event: CairnEvent | string | null): string | null =>
    event && typeof event !== 'string' && typeof event.data.contact_id === 'string'
      ? event.data.contact_id.toLowerCase()
      : null;
  const own = await ownContacts(deps, workspaceId, [
    ...new Set(events.map(contactOf).filter((id): id is string => id !== null)),
  ]);
  return events.map((event) => {
    const contact = contactOf(event);
    if (typeof event === 'string' || event === null) return event;
    if (contact === null) return { event, address: null };
    const found = own.get(contact);
    // NOTE: an erased contact has no row, so nothing is recorded for it even before the policy's next reload.
    if (found === undefined)
      return deps.following.erased(contact)
        ? 'data.contact_id was erased: nothing is recorded for it'
        : 'data.contact_id is not a contact of this workspace';
    // NOTE: as on the tracking routes, no open or click of a Do Not Allow following contact is recorded.
    if (!found.follows && ENGAGEMENT_TYPES.has(event.type))
      return `data.contact_id does not allow following: its ${event.type} events are not recorded`;
    return { event, address: found.email };
  });
}

export async function registerBatchRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const auth = authenticateFirst<ApiKeyPrincipal>(async (request, reply) => {
    const principal = await verifyApiKey(deps.pool, keyFromHeaders(request.headers));
    if (!principal) return refuse(reply, 401, 'API key missing or wrong');
    if (!principal.scopes.includes('write')) return refuse(reply, 403, 'API key lacks the write scope');
    return principal;
  });
  app.post(
    '/v1/events',
    { onRequest: auth.onRequest },
    async (request: FastifyRequest<{ Body: unknown }>, reply: FastifyReply) => {
      const principal = auth.principal(request);
      const split = splitBatch(
        typeof request.body === 'string' ? request.body : '',
        request.headers['content-type'] ?? '',
        deps.config.maxLineBytes,
      );
      if ('error' in split) return reply.code(400).send({ error: split.error });
      if (split.items.length === 0 || split.items.length > MAX_ITEMS) {
        return reply.code(400).send({ error: `expected 1 to ${MAX_ITEMS} events` });
      }
      const rejected = [...split.errors];
      const events = await toEvents(deps, split.items, new Set(rejected.map((e) => e.index)), principal.workspaceId);
      const sends: Promise<void>[] = [];
      let accepted = 0;
      events.forEach((item, index) => {
        if (item === null) return;
        if (typeof item === 'string') return void rejected.push({ index, error: item });
        const { event, address } = item;
        try {
          const value = deps.codec.encode(event);
          sends.push(
            deps.sink.publish({ topic: topicForEvent(deps.topics, event.type), key: event.data.contact_id, value }),
          );
          accepted++;
          // A bounce or complaint posted here goes to the suppression writer (services/sender) as a webhook's does.
          const report = address ? addressReportOfEvent(event, address) : null;
          if (report) sends.push(deps.sink.publishAddressReport(report));
        } catch (error) {
          rejected.push({ index, error: (error as Error).message.slice(0, 300) });
        }
      });
      if (accepted === 0) return reply.code(400).send({ accepted: 0, rejected });
      try {
        await Promise.all(sends);
      } catch (error) {
        deps.log.error({ err: error }, 'batch_not_durable');
        return reply
          .code(503)
          .send({ error: 'events could not be made durable; retry (event ids make it idempotent)' });
      }
      rejected.sort((a, b) => a.index - b.index);
      return reply.code(200).send({ accepted, rejected });
    },
  );
}
