import type { EmailEvent, WebActivity } from '../../../lib/contracts/events/event-types';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import { deterministicEventId } from '../event-factory';
import { messageContextOf } from '../forms/form-events';
import type { WebHit } from './web-hit';
import type { Website } from './website-directory';

export type WebEventType = 'web_page_viewed' | 'web_link_clicked';

/** What ingest knows of the hit besides its body: the machine-traffic reason, user agent and country. */
export interface HitContext {
  machineReason: string | null;
  userAgent: string | null;
  country: string | null;
}

/**
 * A web_page_viewed or web_link_clicked event of the hit: the web token's contact and message when it verified,
 * else an anonymous visitor. The visitor is the first-party id only when the website's mode allows one, else the
 * page load. NOTE: the event id derives from the website, the page load and the script's hit id, so a hit sent
 * twice (a retried keepalive request) is one event, which the aggregator counts once.
 */
export function webEvent(
  site: Website,
  hit: WebHit,
  web: TrackingToken | null,
  context: HitContext,
): EmailEvent<WebEventType> {
  const type: WebEventType = hit.kind === 'page_view' ? 'web_page_viewed' : 'web_link_clicked';
  const c = messageContextOf(web);
  const referrerHost = hit.referrerHost && hit.referrerHost !== new URL(site.origin).host ? hit.referrerHost : null;
  const activity: WebActivity = {
    ...{ website_id: site.id, url: type === 'web_page_viewed' ? hit.page.pathname : hit.href },
    ...{ page_path: hit.page.pathname, title: hit.title, referrer_host: referrerHost, view_id: hit.viewId },
    visitor_id: site.visitorIdMode === 'first_party' && hit.visitorId !== '' ? hit.visitorId : hit.viewId,
    ...{ machine_reason: context.machineReason, user_agent: context.userAgent, country: context.country },
  };
  const data = {
    event_id: deterministicEventId(type, site.id, hit.viewId, hit.hitId),
    ...{ event_time: Date.now(), workspace_id: site.workspaceId, contact_id: web?.contactId ?? '' },
    ...{ message_id: c.messageId, email_id: c.emailId, email_version: c.emailVersion },
    ...{ journey_id: c.journeyId || null, tile_id: c.tileId || null, iteration: c.iteration },
    machine: context.machineReason !== null,
    ...activity,
  };
  return type === 'web_page_viewed' ? { type, data } : { type, data };
}
