import type { FromSchema } from 'json-schema-to-ts';
import { defineMessage, fields } from '../../lib/contracts/messages/message-schema';
import { webhookProperties } from './outbox-messages';

export const WEBHOOK_QUEUE = 'journey-webhooks';

/**
 * A launch-workflow webhook on the journey-webhooks queue: the outbox row's payload and its once key. Jobs queued
 * by an older build carry no top-level contact_id (the body's stands in, contactOf) and no `v` (read as v1,
 * docs/messages.md#versions).
 */
const webhookJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'url', 'workspace_id', 'once_key', 'body'],
  properties: { ...webhookProperties, url: fields.id, once_key: fields.id },
} as const;

export type WebhookJob = FromSchema<typeof webhookJobSchema>;

export const webhookJobMessage = defineMessage('webhook job', 1, webhookJobSchema, { unversionedIsV1: true });

/** The contact whose step made the webhook (its tile_failed event); null when the journey targets accounts. */
export function contactOf(job: WebhookJob): string | null {
  const carried = job.contact_id ?? job.body.contact_id;
  return typeof carried === 'string' && carried.length > 0 ? carried : null;
}
