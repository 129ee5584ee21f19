import type { EmailEvent } from '../../lib/contracts/events/event-types';
import type { LeadScoresPayload } from './outbox-messages';
import { tileEventId } from './tile-rules';

/** A crossing as the contract's `lead_score_crossed`; its id is derived from (model, version, contact). */
export function crossingEvent(
  payload: LeadScoresPayload,
  crossing: LeadScoresPayload['crossings'][number],
): EmailEvent<'lead_score_crossed'> {
  const { model_id, model_version, contact_id } = crossing;
  return {
    type: 'lead_score_crossed',
    data: {
      event_id: tileEventId('lead_score_crossed', `${model_id}:${model_version}:${contact_id}`),
      event_time: crossing.event_time,
      workspace_id: payload.workspace_id,
      contact_id,
      message_id: '',
      email_id: '',
      email_version: 0,
      journey_id: null,
      tile_id: null,
      iteration: 0,
      machine: false,
      model_id,
      model_version,
      score_milli: crossing.score_milli,
      threshold_milli: crossing.threshold_milli,
      crossing_event_id: crossing.crossing_event_id,
    },
  };
}
