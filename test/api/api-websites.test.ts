import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { sql } from '../../lib/platform/clickhouse/sql';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

// Websites (docs/api.md#websites) and their insights (docs/kpis.md#website-kpis) from a known stream of page views
// and link clicks, as the aggregator writes them.
const INGEST = 'https://t.cairn.test';
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit({ ingestPublicUrl: INGEST });
});
afterAll(async () => {
  await kit.close();
});

describe('/v1/websites', () => {
  it('registers, lists, changes and deletes a website; its answers carry the script tag', async () => {
    const api = client(kit, (await createWorkspace(kit, 'websites')).key);
    const made = await api('POST', '/v1/websites', { name: 'Shop', origin: 'https://shop.example' });
    expect(made.statusCode).toBe(201);
    const site = made.json();
    expect(site).toMatchObject({
      name: 'Shop',
      origin: 'https://shop.example',
      visitor_id_mode: 'none',
      honor_dnt: true,
    });
    expect(site.workspace_id).toBeUndefined();
    expect(site.script).toBe(`<script src="${INGEST}/w.js" data-website="${site.id}" async></script>`);
    const changed = await api('PATCH', `/v1/websites/${site.id}`, { visitor_id_mode: 'first_party', honor_dnt: false });
    expect([changed.statusCode, changed.json()]).toEqual([
      200,
      expect.objectContaining({ visitor_id_mode: 'first_party', honor_dnt: false, origin: 'https://shop.example' }),
    ]);
    expect(changed.json().script).toBe(
      `<script src="${INGEST}/w.js" data-website="${site.id}" data-honor-dnt="false" async></script>`,
    );
    expect((await api('GET', '/v1/websites')).json().items.map((w: { id: string }) => w.id)).toEqual([site.id]);
    expect((await api('GET', `/v1/websites/${site.id}`)).json().script).toBe(changed.json().script);
    expect((await api('DELETE', `/v1/websites/${site.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/websites/${site.id}`)).statusCode).toBe(404);
  });

  it('names the field of a bad website: 422 origin, 409 a second site on one origin, 400 a field not writable', async () => {
    const api = client(kit, (await createWorkspace(kit, 'websites-bad')).key);
    for (const origin of ['https://shop.example/path', 'https://SHOP.example', 'ftp://shop.example', 'shop.example']) {
      const res = await api('POST', '/v1/websites', { name: 'Shop', origin });
      expect([origin, res.statusCode, res.json().errors?.[0]?.field]).toEqual([origin, 422, 'origin']);
    }
    const made = (await api('POST', '/v1/websites', { name: 'Shop', origin: 'http://127.0.0.1:8088' })).json();
    const again = await api('POST', '/v1/websites', { name: 'Again', origin: 'http://127.0.0.1:8088' });
    expect([again.statusCode, again.json().errors?.[0]?.field]).toEqual([409, 'origin']);
    const patched = await api('PATCH', `/v1/websites/${made.id}`, { origin: 'https://x.example:443' });
    expect([patched.statusCode, patched.json().errors?.[0]?.field]).toEqual([422, 'origin']);
    const mode = await api('POST', '/v1/websites', {
      name: 'S',
      origin: 'https://m.example',
      visitor_id_mode: 'always',
    });
    expect([mode.statusCode, mode.json().errors?.[0]?.field]).toEqual([400, 'visitor_id_mode']);
    const mass = await api('POST', '/v1/websites', { name: 'S', origin: 'https://w.example', workspace_id: made.id });
    expect([mass.statusCode, mass.json().errors?.[0]?.field]).toEqual([400, 'workspace_id']);
  });

  it("answers 404 for another workspace's website and its insights", async () => {
    const a = client(kit, (await createWorkspace(kit, 'site-a')).key);
    const b = client(kit, (await createWorkspace(kit, 'site-b')).key);
    const site = (await a('POST', '/v1/websites', { name: 'A', origin: 'https://a.example' })).json();
    const probes: [string, string, unknown?][] = [
      ['GET', `/v1/websites/${site.id}`],
      ['PATCH', `/v1/websites/${site.id}`, { name: 'stolen' }],
      ['DELETE', `/v1/websites/${site.id}`],
      ['GET', `/v1/insights/websites/${site.id}`],
    ];
    for (const [method, url, body] of probes)
      expect([method, (await b(method as 'GET', url, body)).statusCode]).toEqual([method, 404]);
    expect((await b('GET', '/v1/websites')).json().items).toEqual([]);
    expect((await a('GET', `/v1/websites/${site.id}`)).json().name).toBe('A');
  });
});

/** Page views and clicks of one website: known and anonymous visitors, a replayed view, machine traffic. */
function webStream(ws: string, siteId: string, otherSiteId: string, contact: string, at: number): CairnEvent[] {
  const base = { workspace_id: ws, event_time: at, message_id: '', email_id: '', email_version: 0, contact_id: '' };
  const view = (event_id: string, path: string, visitor: string, more: object = {}): CairnEvent => ({
    type: 'web_page_viewed',
    data: {
      ...base,
      ...{ event_id, website_id: siteId, url: path, page_path: path, visitor_id: visitor, view_id: `${visitor}-view` },
      ...more,
    },
  });
  const known = { contact_id: contact, message_id: 'm1', email_id: 'e1', email_version: 1, journey_id: 'j1' };
  return [
    view('v1', '/spring', 'a', { ...known, country: 'SE', title: 'Spring' }),
    view('v1', '/spring', 'a', { ...known, country: 'SE', title: 'Spring' }),
    view('v2', '/', 'a', { ...known, country: 'SE' }),
    view('v3', '/spring', 'b', { country: 'DE' }),
    view('v4', '/spring', 'c'),
    view('v5', '/', 'd', { machine: true, machine_reason: 'scanner_ua' }),
    view('v6', '/', 'e', { website_id: otherSiteId }),
    {
      type: 'web_link_clicked',
      data: {
        ...base,
        ...{ event_id: 'k1', website_id: siteId, url: 'https://partner.example/x', page_path: '/spring' },
        ...{ visitor_id: 'b', view_id: 'b-view', country: 'DE' },
      },
    },
  ];
}

describe('GET /v1/insights/websites/{id}', () => {
  it('counts page loads, visitors, clicks, popular pages, countries and the timeline; the contact timeline shows the views', async () => {
    const ws = await createWorkspace(kit, 'web-insights');
    const api = client(kit, ws.key);
    const site = (await api('POST', '/v1/websites', { name: 'Shop', origin: 'https://shop.example' })).json();
    const other = (await api('POST', '/v1/websites', { name: 'Blog', origin: 'https://blog.example' })).json();
    const contact = (await api('POST', '/v1/contacts', { email: 'web@shop.example' })).json().id;
    const at = Date.UTC(2026, 11, 5, 14, 30);
    await kit.env.clickhouse.insert('events_ingest', ingestRows(webStream(ws.id, site.id, other.id, contact, at)));

    const insights = (await api('GET', `/v1/insights/websites/${site.id}?interval=hour`)).json();
    // v1 twice is one load; v5 is machine traffic; v6 is the other website's
    expect(insights).toMatchObject({
      pageLoads: 4,
      uniqueVisitors: 3,
      knownVisitors: 1,
      linkClicks: 1,
      machineHits: 1,
    });
    expect(insights.pages).toEqual([
      { path: '/spring', pageLoads: 3, uniqueVisitors: 3 },
      { path: '/', pageLoads: 1, uniqueVisitors: 1 },
    ]);
    expect(insights.countries).toEqual([
      { country: 'SE', pageLoads: 2, uniqueVisitors: 1 },
      { country: 'DE', pageLoads: 1, uniqueVisitors: 1 },
      { country: null, pageLoads: 1, uniqueVisitors: 1 },
    ]);
    expect(insights.timeline).toEqual([{ period: '2026-12-05 14', pageLoads: 4, uniqueVisitors: 3 }]);
    expect(insights.recentLoads.map((l: { eventId: string }) => l.eventId).sort()).toEqual([
      'v1',
      'v2',
      'v3',
      'v4',
      'v5',
    ]);
    expect(insights.recentLoads.find((l: { eventId: string }) => l.eventId === 'v1')).toMatchObject({
      path: '/spring',
      title: 'Spring',
      contactId: contact,
      country: 'SE',
      messageId: 'm1',
    });
    const daily = (await api('GET', `/v1/insights/websites/${site.id}`)).json();
    expect(daily.timeline).toEqual([{ period: '2026-12-05', pageLoads: 4, uniqueVisitors: 3 }]);
    expect((await api('GET', `/v1/insights/websites/${site.id}?from=2001-01-01&to=2001-01-02`)).json().pageLoads).toBe(
      0,
    );
    // the same number recounted from the raw events by distinct event id
    const recount = await kit.env.clickhouse.rows<{ n: string }>(sql`
      SELECT uniqExact(event_id) AS n FROM events_raw WHERE workspace_id = ${ws.id}
        AND event_type = 'web_page_viewed' AND machine = 0 AND detail LIKE ${`%"website_id":"${site.id}"%`}`);
    expect(Number(recount[0]?.n)).toBe(insights.pageLoads);

    const timeline = (await api('GET', `/v1/insights/contacts/${contact}/timeline`)).json();
    expect(timeline.byType).toEqual({ web_page_viewed: 2 });
    expect(timeline.entries.map((e: { url: string }) => e.url).sort()).toEqual(['/', '/spring']);
  });
});
