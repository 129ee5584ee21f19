/**
 * The one topic layout. Every event topic is keyed by contact_id, so one contact's events stay in order
 * on one partition; address reports are keyed by workspace and address. Tests isolate themselves with a random prefix.
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
  /** deliveries, bounces and complaints of one address, for the sender's suppression writer */
  addressReports: string;
}

export const DEFAULT_PARTITIONS = 4;

export function topicsFor(prefix = 'cairn'): Topics {
  return {
    emailEvents: `${prefix}.email-events`,
    journeyEvents: `${prefix}.journey-events`,
    deadLetter: `${prefix}.dead-letter`,
    forwardRequests: `${prefix}.forward-requests`,
    addressReports: `${prefix}.address-reports`,
  };
}

export function eventTopics(topics: Topics): string[] {
  return [topics.emailEvents, topics.journeyEvents];
}
