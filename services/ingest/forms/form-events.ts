import { randomUUID } from 'node:crypto';
import type { EmailContext, EmailEvent } from '../../../lib/contracts/events/event-types';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import type { MessageContext, StoredSubmission } from '../../../lib/domain/forms/submission.repository';
import { deterministicEventId } from '../event-factory';

/** The message context of a verified landing token, or the empty context of a visit no message led to. */
export function messageContextOf(landing: TrackingToken | null): MessageContext {
  return {
    messageId: landing?.messageId ?? '',
    emailId: landing?.emailId ?? '',
    emailVersion: landing?.emailVersion ?? 0,
    journeyId: landing?.journeyId ?? '',
    tileId: landing?.tileId ?? '',
    iteration: landing?.iteration ?? 0,
  };
}

function emailContextOf(
  eventId: string,
  eventTime: number,
  workspaceId: string,
  contactId: string,
  c: MessageContext,
): EmailContext {
  return {
    ...{ event_id: eventId, event_time: eventTime, workspace_id: workspaceId, contact_id: contactId },
    ...{ message_id: c.messageId, email_id: c.emailId, email_version: c.emailVersion },
    ...{ journey_id: c.journeyId || null, tile_id: c.tileId || null, iteration: c.iteration, machine: false },
  };
}

/** A page served: the landing token's contact and message when it had one, else an anonymous visitor. */
export function pageVisitedEvent(
  page: { workspaceId: string; pageId: string; version: number },
  landing: TrackingToken | null,
  hit: { machineReason: string | null; userAgent: string | null; country: string | null },
): EmailEvent<'page_visited'> {
  const context = emailContextOf(
    randomUUID(),
    Date.now(),
    page.workspaceId,
    landing?.contactId ?? '',
    messageContextOf(landing),
  );
  return {
    type: 'page_visited',
    data: {
      ...context,
      ...{ machine: hit.machineReason !== null, machine_reason: hit.machineReason },
      ...{ user_agent: hit.userAgent, country: hit.country, visitor_id: randomUUID() },
      ...{ page_id: page.pageId, page_version: page.version },
    },
  };
}

/**
 * form_submitted and, when the submission created a lead, lead_generated (origin landing_page when a landing
 * token carried a message's context, else form), made from the stored row only.
 * NOTE: the ids derive from the submission id and the time is the row's, so a replay publishes the very same
 * events and the aggregator counts each once.
 */
export function submissionEvents(s: StoredSubmission): (EmailEvent<'form_submitted'> | EmailEvent<'lead_generated'>)[] {
  const context = (type: string) =>
    emailContextOf(deterministicEventId(type, s.submissionId), s.createdAt, s.workspaceId, s.contactId, s);
  const submitted: EmailEvent<'form_submitted'> = {
    type: 'form_submitted',
    data: {
      ...context('form_submitted'),
      ...{ machine_reason: null, user_agent: s.userAgent, country: s.country },
      ...{ submission_id: s.submissionId, form_id: s.formId, form_version: s.formVersion },
      ...{ page_id: s.pageId, page_version: s.pageVersion },
      ...{ contact_outcome: s.contactOutcome, lead_outcome: s.leadOutcome },
      confirmation_pending: s.confirmationPending,
    },
  };
  if (s.leadOutcome !== 'created' || !s.leadId) return [submitted];
  const origin = s.messageId ? 'landing_page' : 'form';
  return [submitted, { type: 'lead_generated', data: { ...context('lead_generated'), lead_id: s.leadId, origin } }];
}
