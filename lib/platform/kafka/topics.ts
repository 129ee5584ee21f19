/**
 * The one topic layout. Every event topic is keyed by contact_id, so one contact's events stay in order
 * on one partition. Tests isolate themselves with a random prefix.
 */
export interface Topics {
  /** send, blocked, bounce, open, click, forward, unsubscribe, subscription_submitted, complaint, ... */
  emailEvents: string;
  /** journey tile events: inflow, processed, blocked, failed, path_taken */
  journeyEvents: string;
  /** undecodable messages with their original topic/partition/offset and error in headers */
  deadLetter: string;
  /** forward-to-a-friend requests for the sender */
  forwardRequests: string;
}

export const DEFAULT_PARTITIONS = 4;

export function topicsFor(prefix = 'cairn'): Topics {
  return {
    emailEvents: `${prefix}.email-events`,
    journeyEvents: `${prefix}.journey-events`,
    deadLetter: `${prefix}.dead-letter`,
    forwardRequests: `${prefix}.forward-requests`,
  };
}

export function eventTopics(topics: Topics): string[] {
  return [topics.emailEvents, topics.journeyEvents];
}
