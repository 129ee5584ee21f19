import { LANDING_PARAM } from '../../../lib/domain/forms/form-html';
import { UUID_PATTERN } from '../../../lib/contracts/messages/message-schema';
import type { TrackingToken, TrackingTokenCodec } from '../../../lib/contracts/tracking/tracking-token';

const UUID = new RegExp(UUID_PATTERN);
export const isUuid = (value: string): boolean => UUID.test(value);

/** The query parameter that carries a landing token to a Cairn page (docs/pages-and-forms.md#landing-page-links). */
export { LANDING_PARAM };

/**
 * A click's destination as the redirect sends it: a landing-page link (ingest's public origin, path /p/<page id>)
 * gets `cairn_landing`, a token of purpose `landing` minted from the click token's message context (no link, no
 * list); every other destination is returned as stored. The destination is the one recorded for the link
 * (email_links), never the request's, so this adds a parameter and moves nothing.
 */
export function landingLinks(
  publicUrl: string,
  tokens: TrackingTokenCodec,
): (destination: string, token: TrackingToken) => string {
  const origin = new URL(publicUrl).origin;
  const prefix = `${origin}/p/`;
  return (destination, token) => {
    // A prefix test first: nearly every click goes elsewhere and costs no URL parse.
    if (!destination.startsWith(prefix)) return destination;
    const url = new URL(destination);
    const pageId = url.pathname.slice(3);
    if (url.origin !== origin || !url.pathname.startsWith('/p/') || !isUuid(pageId)) return destination;
    const landing = tokens.mint({ ...token, linkId: null, listId: null }, 'landing');
    url.searchParams.set(LANDING_PARAM, landing);
    return url.toString();
  };
}
