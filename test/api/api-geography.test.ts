import { raw } from '../../lib/platform/clickhouse/sql';
import { createLogger } from '../../lib/platform/logger';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { createIngestService, type IngestService } from '../../services/ingest/ingest.service';
import { BROWSER_UA, httpRequest, ingestConfig, tokens } from '../ingest/ingest-support';
import { newId, testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { addDefaultContentSettings, client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from './api-test-kit';

/** Public addresses whose country the shipped database knows (client-country.test.ts), and two it cannot place. */
const NL = '193.0.6.139';
const AU = '202.12.29.205';
const PRIVATE = '10.20.30.40';
const IPV6 = '2001:db8::7';
const SCANNER = '8.8.8.8';
const ADDRESSES = [NL, AU, PRIVATE, IPV6, SCANNER];

let kit: ApiKit;
let ingest: IngestService;
let aggregator: ReturnType<typeof buildAggregator>;
/** every line ingest logged, at debug level, with an access-log line per request */
const logged: string[] = [];

beforeAll(async () => {
  kit = await startApiKit();
  const config = ingestConfig(kit.env, {
    CAIRN_INGEST_TRUST_PROXY: 'true',
    CAIRN_INGEST_ACCESS_LOG: 'true',
    CAIRN_INGEST_ACCESS_LOG_SAMPLE: '1',
  });
  ingest = createIngestService(
    config,
    createLogger({ service: 'ingest', level: 'debug', destination: { write: (line: string) => logged.push(line) } }),
  );
  await ingest.start();
  aggregator = buildAggregator(
    loadAggregatorConfig({
      CAIRN_TOPIC_PREFIX: kit.env.topicPrefix,
      CAIRN_CLICKHOUSE_DATABASE: kit.env.clickhouseDatabase,
      CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
    }),
    testLogger('aggregator'),
  );
  await aggregator.start();
});

afterAll(async () => {
  await aggregator?.stop();
  await ingest?.stop();
  await kit?.close();
});

describe('geography: client address → country → ClickHouse → API', () => {
  it('counts human opens and clicks per country of the forwarded client address, and stores no address', async () => {
    const ws = await createWorkspace(kit, 'geo');
    const api = client(kit, ws.key);
    await addDefaultContentSettings(api);
    const email = (
      await api('POST', '/v1/emails', {
        name: 'geo',
        subject: 'Hi',
        from_address: 'a@example.com',
        body_mjml: MJML_OK,
        attachments: [{ url: 'https://files.example.com/brochure.pdf', label: 'Brochure' }],
      })
    ).json().id as string;
    expect((await api('POST', `/v1/emails/${email}/go-live`)).statusCode).toBe(200);
    const contact = (await api('POST', '/v1/contacts', { email: 'geo@example.com' })).json().id as string;
    const { rows: links } = await kit.pool.query<{ link_id: string; kind: string }>(
      'SELECT link_id, kind FROM email_links WHERE email_id = $1',
      [email],
    );
    const linkOf = (kind: string): string => links.find((link) => link.kind === kind)?.link_id ?? '';

    const sentAt = Math.floor(Date.now() / 1000) - 3600;
    const token = (message: string, linkId?: string, purpose: 'click' | 'attachment' = 'click') =>
      tokens.mint(
        { workspaceId: ws.id, contactId: contact, emailId: email, emailVersion: 1, sentAt, messageId: message, linkId },
        linkId ? purpose : 'open',
      );
    const [m1, m2, m3] = [newId(), newId(), newId()];
    const hit = async (path: string, from: string, userAgent = BROWSER_UA) => {
      const res = await httpRequest(ingest.url(), {
        url: path,
        headers: { 'user-agent': userAgent, 'x-forwarded-for': from },
      });
      expect(res.statusCode).toBeLessThan(400);
    };
    await hit(`/o/${token(m1)}.gif`, NL);
    await hit(`/o/${token(m1)}.gif`, NL);
    await hit(`/o/${token(m2)}.gif`, AU);
    await hit(`/o/${token(m3)}.gif`, PRIVATE);
    await hit(`/o/${token(m3)}.gif`, IPV6);
    await hit(`/c/${token(m1, linkOf('link'))}`, NL);
    await hit(`/c/${token(m2, linkOf('link'))}`, NL);
    await hit(`/a/${token(m2, linkOf('attachment'), 'attachment')}`, AU);
    await hit(`/o/${token(m2)}.gif`, SCANNER, 'python-requests/2.31'); // machine traffic: stored, not in the counts
    const count = async () =>
      Number((await kit.env.clickhouse.rows<{ n: string }>(raw.trusted('SELECT count() AS n FROM events_raw')))[0]?.n);
    await waitFor(count, (n) => n >= 9, 30_000);

    const stored = await kit.env.clickhouse.rows<{ event_type: string; machine: number; detail: string }>(
      raw.trusted('SELECT event_type, machine, detail FROM events_raw ORDER BY event_time_ms, event_id'),
    );
    expect(stored.map((row) => (JSON.parse(row.detail) as { country?: string }).country ?? null).sort()).toEqual([
      'AU',
      'AU',
      'NL',
      'NL',
      'NL',
      'NL',
      'US',
      null,
      null,
    ]);
    // NOTE: the address itself is nowhere: not in any column of any raw event, not in any log line
    const everything = JSON.stringify(await kit.env.clickhouse.rows(raw.trusted('SELECT * FROM events_raw')));
    for (const address of ADDRESSES) expect(everything).not.toContain(address);
    expect(logged.filter((line) => line.includes('http_access')).length).toBeGreaterThanOrEqual(9);
    for (const address of ADDRESSES) expect(logged.join('')).not.toContain(address);

    const geography = await api('GET', `/v1/insights/emails/${email}/geography`);
    expect(geography.statusCode).toBe(200);
    const zero = { attachmentViewsTotal: 0, attachmentViewsUnique: 0 };
    expect(geography.json().items).toEqual([
      { country: 'NL', openedTotal: 2, openedUnique: 1, clickedTotal: 2, clickedUnique: 2, ...zero },
      {
        country: 'AU',
        openedTotal: 1,
        openedUnique: 1,
        clickedTotal: 0,
        clickedUnique: 0,
        attachmentViewsTotal: 1,
        attachmentViewsUnique: 1,
      },
      { country: null, openedTotal: 2, openedUnique: 1, clickedTotal: 0, clickedUnique: 0, ...zero },
    ]);
    const card = (await api('GET', `/v1/insights/emails/${email}`)).json();
    expect([card.openedTotal, card.clickedTotal, card.machineOpens]).toEqual([5, 2, 1]);

    const today = new Date().toISOString().slice(0, 10);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/geography?from=${today}&to=${today}`)).json().items,
    ).toHaveLength(3);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/geography?from=2000-01-01&to=2000-01-31`)).json().items,
    ).toEqual([]);
    const account = (await api('POST', '/v1/accounts', { name: 'Acme' })).json().id as string;
    expect((await api('GET', `/v1/insights/emails/${email}/geography?account_id=${account}`)).json().items).toEqual([]);
    expect((await api('PATCH', `/v1/contacts/${contact}`, { account_id: account })).statusCode).toBe(200);
    expect((await api('GET', `/v1/insights/emails/${email}/geography?account_id=${account}`)).json().items).toEqual(
      geography.json().items,
    );

    const other = client(kit, (await createWorkspace(kit, 'geo-other')).key);
    expect((await other('GET', `/v1/insights/emails/${email}/geography`)).statusCode).toBe(404);
    const otherAccount = (await other('POST', '/v1/accounts', { name: 'Other' })).json().id as string;
    expect((await api('GET', `/v1/insights/emails/${email}/geography?account_id=${otherAccount}`)).statusCode).toBe(
      404,
    );
  });
});
