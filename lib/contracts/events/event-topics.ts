import type { Topics } from '../../platform/kafka/topics';
import { type EventType, isJourneyEventType } from './event-types';

/** The topic an event is produced to: journey tile events on one topic, email events on the other. */
export function topicForEvent(topics: Topics, type: EventType): string {
  return isJourneyEventType(type) ? topics.journeyEvents : topics.emailEvents;
}
