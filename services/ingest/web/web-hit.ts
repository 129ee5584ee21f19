import { httpUrl } from '../../../lib/domain/forms/form-origins';

/**
 * One hit of the tracking script (docs/web-tracking.md#the-collect-endpoint), read from the body of
 * `POST /w/collect`: a small JSON object sent as text/plain. `readWebHit` is its one decoder: every field checked,
 * the page's URL on the website's origin, or the first problem naming its field.
 */
export interface WebHit {
  websiteId: string;
  kind: 'page_view' | 'link_click';
  /** the page's URL, parsed; on the website's origin */
  page: URL;
  /** a click's destination (origin and path), '' for a view */
  href: string;
  title: string | null;
  referrerHost: string | null;
  viewId: string;
  hitId: string;
  visitorId: string;
  token: string;
}

export interface HitProblem {
  field: string;
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** the script's random ids: 128 bits in hex; anything of the same alphabet and a sane length is taken */
const RANDOM_ID = /^[0-9A-Za-z_-]{16,64}$/;
const TOKEN = /^[0-9A-Za-z_-]{0,600}$/;
const HOST = /^[0-9a-z.:[\]-]{1,255}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const MAX_URL = 2_000;

const problem = (field: string, message: string): HitProblem => ({ field, message });
const text = (body: Record<string, unknown>, name: string): string | null => {
  const value = body[name];
  return typeof value === 'string' ? value : value === undefined ? '' : null;
};

function parsedBody(raw: unknown): { values: Record<string, unknown> } | HitProblem {
  if (typeof raw !== 'string' || raw === '') return problem('body', 'a JSON object is expected');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return problem('body', 'is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return problem('body', 'a JSON object is expected');
  return { values: Object.fromEntries(Object.entries(value)) };
}

/** An http(s) URL of at most MAX_URL characters, or why not. */
function checkedUrl(raw: string | null, field: string): URL | HitProblem {
  if (raw === null || raw === '' || raw.length > MAX_URL)
    return problem(field, `an http(s) URL of at most ${MAX_URL} characters`);
  const url = httpUrl(raw);
  return typeof url === 'string' ? problem(field, url) : url;
}

/** The ids and strings of a hit, or the first field that is wrong. */
function idsOf(body: Record<string, unknown>): Pick<WebHit, 'viewId' | 'hitId' | 'visitorId' | 'token'> | HitProblem {
  const [viewId, hitId, visitorId, token] = [
    text(body, 'view'),
    text(body, 'hit'),
    text(body, 'visitor'),
    text(body, 'token'),
  ];
  if (viewId === null || !RANDOM_ID.test(viewId)) return problem('view', 'a random id of 16..64 characters');
  if (hitId === null || !RANDOM_ID.test(hitId)) return problem('hit', 'a random id of 16..64 characters');
  if (visitorId === null || (visitorId !== '' && !RANDOM_ID.test(visitorId)))
    return problem('visitor', 'a random id of 16..64 characters, or none');
  if (token === null || !TOKEN.test(token)) return problem('token', 'a web token, or none');
  return { viewId, hitId, visitorId, token };
}

/** The hit, or its first problem. That the page is on the website's origin is checked once the website is known. */
export function readWebHit(raw: unknown): WebHit | HitProblem {
  const parsed = parsedBody(raw);
  if ('field' in parsed) return parsed;
  const body = parsed.values;
  const websiteId = text(body, 'website')?.toLowerCase() ?? '';
  if (!UUID.test(websiteId)) return problem('website', 'the id of a registered website');
  const kind = text(body, 'kind');
  if (kind !== 'page_view' && kind !== 'link_click') return problem('kind', 'page_view or link_click');
  const page = checkedUrl(text(body, 'url'), 'url');
  if (!(page instanceof URL)) return page;
  let href = '';
  if (kind === 'link_click') {
    const target = checkedUrl(text(body, 'href'), 'href');
    if (!(target instanceof URL)) return target;
    href = `${target.origin}${target.pathname}`;
  }
  const ids = idsOf(body);
  if ('field' in ids) return ids;
  const title = text(body, 'title');
  const referrer = text(body, 'referrer')?.toLowerCase() ?? '';
  return {
    ...{ websiteId, kind, page, href, ...ids },
    title: title ? title.replace(CONTROL, ' ').slice(0, 200) : null,
    referrerHost: HOST.test(referrer) ? referrer : null,
  };
}
