import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { keyFromHeaders, verifyApiKey } from '../../lib/auth/api-keys';
import { type CairnEvent, isEventType } from '../../lib/events/event-types';
import { topicForEvent } from '../../lib/kafka/topics';
import type { IngestDeps } from './app';

const MAX_ITEMS = 50_000;

interface ItemError {
  index: number;
  error: string;
}

/** A JSON array (or one object), or NDJSON: one event per line. A bad line is that item's error only. */
export function splitBatch(body: string, contentType: string): { items: unknown[]; errors: ItemError[] } | { error: string } {
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
    try {
      items.push(JSON.parse(line));
    } catch {
      errors.push({ index: items.length, error: 'line is not valid JSON' });
      items.push(undefined);
    }
  }
  return { items, errors };
}

/** Fills ids and times the client may omit; the workspace always comes from the API key, never the body. */
function toEvent(item: unknown, workspaceId: string): CairnEvent | string {
  if (!item || typeof item !== 'object') return 'item must be an object {type, data}';
  const { type, data } = item as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || !isEventType(type)) return `unknown event type ${JSON.stringify(type)?.slice(0, 60)}`;
  if (!data || typeof data !== 'object' || Array.isArray(data)) return 'data must be an object';
  const fields = data as Record<string, unknown>;
  return {
    type,
    data: { event_id: randomUUID(), event_time: Date.now(), ...fields, workspace_id: workspaceId },
  } as CairnEvent;
}

export function registerBatchRoutes(app: FastifyInstance, deps: IngestDeps): void {
  app.post('/v1/events', async (request: FastifyRequest<{ Body: unknown }>, reply: FastifyReply) => {
    const principal = await verifyApiKey(deps.pool, keyFromHeaders(request.headers));
    if (!principal) return reply.code(401).send({ error: 'API key missing or wrong' });
    if (!principal.scopes.includes('write')) return reply.code(403).send({ error: 'API key lacks the write scope' });
    const split = splitBatch(typeof request.body === 'string' ? request.body : '', request.headers['content-type'] ?? '');
    if ('error' in split) return reply.code(400).send({ error: split.error });
    if (split.items.length === 0 || split.items.length > MAX_ITEMS) {
      return reply.code(400).send({ error: `expected 1 to ${MAX_ITEMS} events` });
    }
    const rejected = [...split.errors];
    const failed = new Set(rejected.map((e) => e.index));
    const sends: Promise<void>[] = [];
    split.items.forEach((item, index) => {
      if (failed.has(index)) return;
      const event = toEvent(item, principal.workspaceId);
      if (typeof event === 'string') return void rejected.push({ index, error: event });
      try {
        const value = deps.codec.encode(event);
        sends.push(deps.sink.publish({ topic: topicForEvent(deps.topics, event.type), key: event.data.contact_id, value }));
      } catch (error) {
        rejected.push({ index, error: (error as Error).message.slice(0, 300) });
      }
    });
    if (sends.length === 0) return reply.code(400).send({ accepted: 0, rejected });
    try {
      await Promise.all(sends);
    } catch (error) {
      deps.log.error({ err: error }, 'batch_not_durable');
      return reply.code(503).send({ error: 'events could not be made durable; retry (event ids make it idempotent)' });
    }
    rejected.sort((a, b) => a.index - b.index);
    return reply.code(200).send({ accepted: sends.length, rejected });
  });
}
