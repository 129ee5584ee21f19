import type { CairnEvent, EmailEventPayloads, EmailEventType } from '../../lib/contracts/events/event-types';
import { newId } from './test-env';

/** An email event of a journey's tile `mail` (iteration 0), as the sender or ingest would produce it. */
export function journeyEmailEvent<T extends EmailEventType>(
  type: T,
  on: { workspaceId: string; journeyId: string; contactId: string },
  payload: EmailEventPayloads[T] & { machine?: boolean },
): CairnEvent {
  const data = {
    event_id: newId(),
    event_time: Date.now(),
    workspace_id: on.workspaceId,
    contact_id: on.contactId,
    message_id: newId(),
    email_id: newId(),
    email_version: 1,
    journey_id: on.journeyId,
    tile_id: 'mail',
    iteration: 0,
    ...payload,
  };
  return { type, data } as CairnEvent;
}
