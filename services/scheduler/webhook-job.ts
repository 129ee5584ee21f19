import type { WebhookPayload } from './step-effects';

export const WEBHOOK_QUEUE = 'journey-webhooks';

/** A launch-workflow webhook on the journey-webhooks queue: the outbox row's payload and its once key. */
export type WebhookJob = WebhookPayload & { once_key: string };

/**
 * What the webhook worker needs of a job, read and checked field by field
 * (docs/conventions.md#messages-between-processes).
 */
export interface DecodedWebhookJob {
  url: string;
  workspace_id: string;
  once_key: string;
  body: object;
  journey_id: string;
  tile_id: string;
  iteration: number;
  /** the contact whose step made the webhook (its tile_failed event); null in jobs queued before it was carried */
  contact_id: string | null;
}

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Decodes a job read back from Redis; null when it does not match. Jobs queued by an older build carry no
 * top-level contact_id: the body's (null when the journey targets accounts) stands in.
 */
export function decodeWebhookJob(data: unknown): DecodedWebhookJob | null {
  if (
    typeof data !== 'object' ||
    data === null ||
    !('url' in data) ||
    !('workspace_id' in data) ||
    !('once_key' in data) ||
    !('body' in data)
  )
    return null;
  const { url, workspace_id, once_key, body } = data;
  if (!text(url) || !text(workspace_id) || !text(once_key) || typeof body !== 'object' || body === null) return null;
  if (!('journey_id' in body) || !('tile_id' in body) || !('iteration' in body)) return null;
  const { journey_id, tile_id, iteration } = body;
  if (!text(journey_id) || !text(tile_id) || typeof iteration !== 'number' || !Number.isInteger(iteration)) return null;
  const carried = 'contact_id' in data ? data.contact_id : 'contact_id' in body ? body.contact_id : null;
  return {
    url,
    workspace_id,
    once_key,
    body,
    journey_id,
    tile_id,
    iteration,
    contact_id: text(carried) ? carried : null,
  };
}
