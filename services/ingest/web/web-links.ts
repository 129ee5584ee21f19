import type { TrackingToken, TrackingTokenCodec } from '../../../lib/contracts/tracking/tracking-token';
import type { StoredSubmission } from '../../../lib/domain/forms/submission.repository';

/** The query parameter that carries a web token to a registered website (docs/web-tracking.md#identity). */
export const WEB_TOKEN_PARAM = 'cairn_wt';

/** Whether `destination` is on `origin`: the origin itself, or followed by a path, query or fragment. */
function onOrigin(destination: string, origin: string): boolean {
  if (!destination.startsWith(origin)) return false;
  const next = destination.charAt(origin.length);
  return next === '' || next === '/' || next === '?' || next === '#';
}

/**
 * A click's destination on one of the workspace's registered websites (`origins`) with `cairn_wt`, a token of
 * purpose `web` minted from the click token's message context (no link, no list); any other destination as stored.
 * The destination is the one recorded for the link (email_links), so this adds a parameter and moves nothing.
 */
export function withWebToken(
  tokens: TrackingTokenCodec,
  destination: string,
  token: TrackingToken,
  origins: readonly string[],
): string {
  // A string test first: most clicks go elsewhere and cost no URL parse.
  if (!origins.some((origin) => onOrigin(destination, origin))) return destination;
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return destination;
  }
  if (!origins.includes(url.origin)) return destination;
  url.searchParams.set(WEB_TOKEN_PARAM, tokens.mint({ ...token, linkId: null, listId: null }, 'web'));
  return url.toString();
}

/**
 * The identity a form submission carries to a registered website (docs/web-tracking.md#identity): the message
 * context the submission kept when a tracked landing-page link led to it, else the submission itself (message id
 * the submission's, email id and version the form's, no journey). sentAt 0: no message was sent, so the thank-you
 * page's first hit is not "too soon after the send".
 */
export function submitterToken(stored: StoredSubmission): TrackingToken {
  const viaMessage = stored.messageId !== '';
  return {
    workspaceId: stored.workspaceId,
    contactId: stored.contactId,
    messageId: viaMessage ? stored.messageId : stored.submissionId,
    emailId: viaMessage ? stored.emailId : stored.formId,
    emailVersion: viaMessage ? stored.emailVersion : stored.formVersion,
    journeyId: viaMessage ? stored.journeyId || null : null,
    tileId: viaMessage ? stored.tileId || null : null,
    iteration: viaMessage ? stored.iteration : 0,
    sentAt: 0,
  };
}
