import { sql } from '../../lib/platform/clickhouse/sql';
import { startAggregator } from '../aggregator/aggregator-harness';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { BROWSER_UA, httpRequest, ingestConfig, startIngest, type HttpResult } from './ingest-support';

// Redirect URLs end to end (docs/redirect-urls.md): made through the API, followed on ingest, counted through Kafka
// and the aggregator in ClickHouse, and the insights (docs/kpis.md#redirect-url-kpis) equal a recount of the raw
// events. A code redirects only to its own destination; anything else is a 404 that records nothing.
const PUBLIC_URL = 'https://go.cairn.test';
const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
let api: ApiKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let aggregator: Awaited<ReturnType<typeof startAggregator>>;

beforeAll(async () => {
  api = await startApiKit({ ingestPublicUrl: PUBLIC_URL });
  ingest = await startIngest(
    ingestConfig(api.env, {
      CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL,
      CAIRN_INGEST_TRUST_PROXY: 'true',
      CAIRN_INGEST_BAD_TOKENS_PER_IP: '5',
    }),
  );
  aggregator = await startAggregator(api.env);
}, 60_000);

afterAll(async () => {
  await aggregator?.stop();
  await ingest?.cleanup();
  await api?.close();
});

/** A hit on ingest from client address `ip` (ingest trusts X-Forwarded-For here, as behind a proxy). */
const hit = (path: string, ip: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> =>
  httpRequest(ingest.url(), {
    method,
    url: path,
    headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': ip, ...headers },
  });

const pathOf = (shortUrl: string): string => {
  const url = new URL(shortUrl);
  expect(url.origin).toBe(PUBLIC_URL);
  return url.pathname;
};

interface RawCounts {
  n_clicks: string;
  n_human: string;
  n_machine: string;
}

it('redirects only to its destination, counts every hit once with its country, and the insights equal the recount', async () => {
  const workspace = await createWorkspace(api, 'redirects-e2e');
  const ws = client(api, workspace.key);
  const destination = 'https://shop.example.com/spring?utm_source=flyer';
  const made = (await ws('POST', '/v1/redirect-urls', { name: 'Flyer', destination })).json();
  const path = pathOf(made.short_url);

  // first (their events, were there any, would reach ClickHouse before the good ones: one key, one partition):
  // unknown, malformed, disabled, another path: 404, nothing recorded, no redirect anywhere
  const disabled = (
    await ws('POST', '/v1/redirect-urls', { name: 'Old', destination: 'https://old.example.com/' })
  ).json();
  expect((await ws('DELETE', `/v1/redirect-urls/${disabled.id}`)).statusCode).toBe(204);
  for (const bad of [
    '/r/Zz9Zz9Zz',
    '/r/Zz9Zz9Zy',
    '/r/abc',
    `/r/${made.code}x!`,
    `/r/${made.code}/x`,
    pathOf(disabled.short_url),
  ]) {
    const answer = await hit(bad, '129.187.254.49');
    expect([bad, answer.statusCode, answer.headers.location]).toEqual([bad, 404, undefined]);
  }
  // the same address guessing on: refused with 429 once its bad-code budget (5) is spent, even for a good code
  const refused = await hit(path, '129.187.254.49');
  expect(refused.statusCode).toBe(429);
  expect(refused.headers['retry-after']).toMatch(/^\d+$/);

  // the request's own query string and extra path never travel on: the stored destination, exactly
  const answers = [
    await hit(path, '8.8.8.8'),
    await hit(`${path}?next=https://evil.example.net/&utm_source=x`, '193.0.6.139', { 'user-agent': MOBILE_UA }),
    await hit(path, '193.0.6.139', { 'user-agent': MOBILE_UA }),
    await hit(path, '10.1.2.3'),
    await hit(path, '8.8.4.4', {}, 'HEAD'),
    await hit(path, '200.160.4.6', { 'user-agent': 'curl/8.5.0' }),
  ];
  for (const answer of answers) {
    expect(answer.statusCode).toBe(302);
    expect(answer.headers.location).toBe(destination);
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cache-control']).toContain('no-store');
  }

  const raw = async (): Promise<RawCounts | undefined> =>
    (
      await api.env.clickhouse.rows<RawCounts>(sql`
        SELECT uniqExact(event_id) AS n_clicks, uniqExactIf(event_id, machine = 0) AS n_human,
               uniqExactIf(event_id, machine = 1) AS n_machine
        FROM events_raw WHERE workspace_id = ${workspace.id}`)
    )[0];
  const counted = await waitFor(raw, (row) => Number(row?.n_clicks) === answers.length, 30_000);
  expect(counted).toEqual({ n_clicks: '6', n_human: '4', n_machine: '2' });

  const rows = await api.env.clickhouse.rows<Record<string, string>>(sql`
    SELECT workspace_id, contact_id, url, machine_reason, visitParamExtractString(detail, 'country') AS country,
           visitParamExtractString(detail, 'user_agent_class') AS device
    FROM events_raw WHERE event_type = 'redirect_clicked' AND visitParamExtractString(detail, 'redirect_url_id') = ${made.id}
    ORDER BY event_time_ms, country`);
  expect(new Set(rows.map((r) => [r.workspace_id === rows[0]?.workspace_id, r.contact_id, r.url].join('|')))).toEqual(
    new Set([`true||${destination}`]),
  );
  expect(rows.map((r) => [r.country, r.device, r.machine_reason]).sort()).toEqual(
    [
      ['US', 'desktop', ''],
      ['NL', 'mobile', ''],
      ['NL', 'mobile', ''],
      ['', 'desktop', ''],
      ['US', 'desktop', 'head'],
      ['BR', 'unknown', 'scanner_ua'],
    ].sort(),
  );

  const insights = (await ws('GET', `/v1/insights/redirect-urls/${made.id}`)).json();
  expect(insights).toMatchObject({ clicks: 6, humanClicks: 4, machineClicks: 2 });
  const recount = await api.env.clickhouse.rows<{ country: string; n: string }>(sql`
    SELECT visitParamExtractString(detail, 'country') AS country, uniqExact(event_id) AS n FROM events_raw
    WHERE event_type = 'redirect_clicked' AND machine = 0 AND visitParamExtractString(detail, 'redirect_url_id') = ${made.id}
    GROUP BY country`);
  const byCountry = Object.fromEntries(recount.map((r) => [r.country || null, Number(r.n)]));
  expect(
    Object.fromEntries(
      insights.countries.map((c: { country: string | null; humanClicks: number }) => [c.country, c.humanClicks]),
    ),
  ).toEqual(byCountry);
  expect(insights.countries[0]).toEqual({ country: 'NL', humanClicks: 2 });
  expect(insights.days).toHaveLength(1);
  expect(insights.days[0]).toMatchObject({ clicks: 6, humanClicks: 4, machineClicks: 2 });

  const timeline = (await ws('GET', `/v1/insights/redirect-urls/${made.id}/clicks?limit=3`)).json();
  expect(timeline.items).toHaveLength(3);
  const rest = (await ws('GET', `/v1/insights/redirect-urls/${made.id}/clicks?cursor=${timeline.next_cursor}`)).json();
  expect([...timeline.items, ...rest.items].map((c: { machine: boolean }) => c.machine)).toEqual([
    false,
    false,
    false,
    false,
  ]);
  const machine = (await ws('GET', `/v1/insights/redirect-urls/${made.id}/clicks?machine=true`)).json();
  expect(machine.items.map((c: { machineReason: string }) => c.machineReason).sort()).toEqual(['head', 'scanner_ua']);
  // the disabled one never redirected: no clicks
  expect((await ws('GET', `/v1/insights/redirect-urls/${disabled.id}`)).json()).toMatchObject({ clicks: 0 });
}, 90_000);
