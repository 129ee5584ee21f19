import type { EmailEvent, JourneyEvent } from '../../lib/contracts/events/event-types';
import type { EventsPayload, LeadsPayload, TileEventGroup } from './outbox-messages';
import { onceKey, tileEventId } from './tile-rules';

// The Avro events the outbox relay publishes for rows of tile events and create-lead tiles' leads
// (docs/scheduler.md#exactly-once: each id derived from the key its row was written under).

/** The Avro contract's tile event for one contact of a group; its id is derived from the event's key. */
export function tileEvent(
  payload: EventsPayload,
  [type, tileId, tileType, iteration, detail]: TileEventGroup,
  contactId: string,
): JourneyEvent {
  const key = onceKey({ journeyId: payload.journey_id, tileId, iteration, subjectId: contactId });
  const base = {
    event_id: tileEventId(type, key),
    event_time: payload.event_time,
    workspace_id: payload.workspace_id,
    contact_id: contactId,
    journey_id: payload.journey_id,
    tile_id: tileId,
    tile_type: tileType,
    iteration,
  };
  if (type === 'tile_blocked') return { type, data: { ...base, reason: detail } };
  if (type === 'tile_path_taken') return { type, data: { ...base, path_id: detail } };
  // detail: the goal's event, with '|exited' when its exit criterion moved the contact out (journey-goal.ts)
  if (type === 'goal_reached') {
    const [goalEvent = '', exited] = detail.split('|');
    return { type, data: { ...base, goal_event: goalEvent, exited: exited === 'exited' } };
  }
  // detail: '<delay minutes>|<source>' (send-time.ts)
  if (type === 'send_time_delayed') {
    const [minutes = '0', source = ''] = detail.split('|');
    return { type, data: { ...base, reason: 'send_time', delay_minutes: Number(minutes), source } };
  }
  // detail: 'quiet_hours|<release, epoch ms>' or 'entry_pacing' (email-send.ts, entry-batch.ts)
  if (type === 'contact_held') {
    const [reason = '', until] = detail.split('|');
    return { type, data: { ...base, reason, until: until ? Number(until) : null } };
  }
  if (type === 'tile_failed') {
    const [code = '', ...message] = detail.split('|');
    return { type, data: { ...base, error_code: code, error_message: message.join('|') || null } };
  }
  return { type, data: base } as JourneyEvent;
}

/**
 * A create-lead tile's lead as the contract's `lead_generated` (v2, origin `tile`): no message led to it, so
 * message_id and email_id are '' and email_version 0; its id is derived from the lead's once key.
 */
export function leadEvent(payload: LeadsPayload, lead: LeadsPayload['leads'][number]): EmailEvent<'lead_generated'> {
  return {
    type: 'lead_generated',
    data: {
      event_id: tileEventId('lead_generated', lead.once_key),
      event_time: payload.event_time,
      workspace_id: payload.workspace_id,
      contact_id: lead.contact_id,
      message_id: '',
      email_id: '',
      email_version: 0,
      journey_id: payload.journey_id,
      tile_id: lead.tile_id,
      iteration: lead.iteration,
      lead_id: lead.lead_id,
      origin: 'tile',
    },
  };
}
