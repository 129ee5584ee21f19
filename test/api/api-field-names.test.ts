import { toRawRow } from '../../services/aggregator/event-row';
import { emailEvent, tileEvent } from '../aggregator/aggregator-harness';
import { client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 20, defect 10: names that reach a whitelist from a request or an event ("constructor", "__proto__",
 * "toString") are looked up as own properties. A segment filter naming one is a 400 at creation naming the field
 * (it was created, 201, and its refresh answered 500); the same names in merge fields and in insights breakdowns
 * (reasons, path ids) are ordinary words.
 */
let kit: ApiKit;
let api: ReturnType<typeof client>;
let workspaceId: string;

beforeAll(async () => {
  kit = await startApiKit();
  const ws = await createWorkspace(kit, 'field-names');
  workspaceId = ws.id;
  api = client(kit, ws.key);
});
afterAll(async () => {
  await kit.close();
});

const segmentCount = async (): Promise<number> =>
  (await kit.pool.query('SELECT count(*)::int AS n FROM segments WHERE workspace_id = $1', [workspaceId])).rows[0].n;

describe('segment filters name only own whitelist entries (defect 10)', () => {
  it.each([
    [
      'field constructor',
      { field: 'constructor', op: 'eq', value: 1 },
      'definition.field',
      /unknown field "constructor"/,
    ],
    ['field __proto__', { field: '__proto__', op: 'eq', value: 1 }, 'definition.field', /unknown field "__proto__"/],
    ['field toString', { field: 'toString', op: 'exists' }, 'definition.field', /unknown field "toString"/],
    ['op constructor', { field: 'email', op: 'constructor', value: 'x' }, 'definition.op', /unknown op "constructor"/],
    [
      'op hasOwnProperty, nested',
      {
        all: [{ field: 'email', op: 'eq', value: 'x' }, { not: { field: 'email', op: 'hasOwnProperty', value: 'x' } }],
      },
      'definition.all[1].not.op',
      /unknown op/,
    ],
    [
      'field __proto__, nested',
      { any: [{ field: '__proto__', op: 'exists' }] },
      'definition.any[0].field',
      /unknown field/,
    ],
  ])('%s: 400 naming the field at creation, and nothing is created', async (_name, definition, field, message) => {
    const before = await segmentCount();
    const res = await api('POST', '/v1/segments', { name: 's', kind: 'dynamic', definition });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(await segmentCount()).toBe(before);
    const preview = await api('POST', '/v1/segments/preview', { definition });
    expect(preview.statusCode).toBe(400);
    expect(preview.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it('a definition stored before the check refreshes with a 400 naming the field, not a 500', async () => {
    const { rows } = await kit.pool.query(
      "INSERT INTO segments (workspace_id, name, kind, definition) VALUES ($1, 'old', 'dynamic', $2) RETURNING id",
      [workspaceId, JSON.stringify({ field: 'constructor', op: 'eq', value: 1 })],
    );
    const res = await api('POST', `/v1/segments/${rows[0].id}/refresh`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'definition.field', message: expect.stringMatching(/unknown field "constructor"/) },
    ]);
  });

  it('attribute names are still free: attributes.constructor is an ordinary attribute', async () => {
    await api('POST', '/v1/contacts', { email: 'attr@ex.com', attributes: { constructor: 'yes' } });
    const res = await api('POST', '/v1/segments/preview', {
      definition: { field: 'attributes.constructor', op: 'eq', value: 'yes' },
    });
    expect(res.json()).toEqual({ count: 1 });
  });
});

describe('merge fields name only own roots', () => {
  const mjml = (field: string) => MJML_OK.replace('Hello', `Hello {{${field}}}`);
  it.each(['constructor.name', '__proto__.x', 'constructor', 'toString.x'])(
    '{{%s}} fails the check with a message, not a 500',
    async (field) => {
      const email = (
        await api('POST', '/v1/emails', {
          name: 'e',
          subject: 'Hi',
          from_address: 'a@example.com',
          body_mjml: mjml(field),
        })
      ).json();
      const res = await api('POST', `/v1/emails/${email.id}/check`);
      expect(res.statusCode).toBe(200);
      expect(res.json().ok).toBe(false);
      expect(res.json().errors).toEqual(
        expect.arrayContaining([
          { field: 'body_mjml', message: expect.stringMatching(/cannot be resolved: unknown root/) },
        ]),
      );
    },
  );
});

describe('insights breakdowns keep any word as a key', () => {
  it('tile paths and block reasons named constructor or __proto__ are counted', async () => {
    const journey = (
      await api('POST', '/v1/journeys', {
        name: 'j',
        graph: { tiles: [{ id: 'S', type: 'segment', next: [], config: {} }] },
      })
    ).json().id;
    const at = Date.UTC(2026, 2, 1);
    const tile = (contact: string, extra: Record<string, unknown>) => ({
      workspace_id: workspaceId,
      journey_id: journey,
      tile_id: 'S',
      tile_type: 'splitter',
      contact_id: contact,
      iteration: 1,
      event_time: at,
      ...extra,
    });
    const events = [
      tileEvent('tile_path_taken', tile('c1', { path_id: 'constructor' })),
      tileEvent('tile_path_taken', tile('c2', { path_id: '__proto__' })),
      tileEvent('tile_path_taken', tile('c3', { path_id: 'constructor' })),
      tileEvent('tile_blocked', tile('c4', { reason: 'toString' })),
    ];
    await kit.env.clickhouse.insert(
      'events_ingest',
      events.map((event, i) => ({ ...toRawRow(event), kafka_topic: 'names', kafka_partition: 0, kafka_offset: i })),
    );
    const res = await api('GET', `/v1/insights/journeys/${journey}/tiles`);
    expect(res.statusCode).toBe(200);
    const [kpis] = res.json().items;
    expect(Object.entries(kpis.paths).sort()).toEqual([
      ['__proto__', 1],
      ['constructor', 2],
    ]);
    expect(Object.entries(kpis.blockedByReason)).toEqual([['toString', 1]]);
  });

  it('email block reasons named constructor are counted', async () => {
    const email = (await api('POST', '/v1/emails', { name: 'k' })).json().id;
    const at = Date.UTC(2026, 2, 1);
    const blocked = (m: string, reason: string) =>
      emailEvent('blocked', {
        workspace_id: workspaceId,
        email_id: email,
        journey_id: 'j',
        message_id: m,
        contact_id: `c-${m}`,
        event_time: at,
        reason,
      });
    const events = [blocked('m1', 'constructor'), blocked('m2', '__proto__'), blocked('m3', 'do_not_bulk_email')];
    await kit.env.clickhouse.insert(
      'events_ingest',
      events.map((event, i) => ({
        ...toRawRow(event),
        kafka_topic: 'names-email',
        kafka_partition: 0,
        kafka_offset: i,
      })),
    );
    const res = await api('GET', `/v1/insights/emails/${email}`);
    expect(res.statusCode).toBe(200);
    expect(Object.entries(res.json().blockedByReason).sort()).toEqual([
      ['__proto__', 1],
      ['constructor', 1],
      ['do_not_bulk_email', 1],
    ]);
  });
});

describe('journey checks take any tile id the id pattern allows', () => {
  it('tiles named constructor and __proto__ are checked like any other', async () => {
    const segment = (await api('POST', '/v1/segments', { name: 'st', kind: 'static' })).json().id;
    const graph = {
      tiles: [
        { id: 'constructor', type: 'segment', next: ['__proto__'], config: { segment_ids: [segment] } },
        { id: '__proto__', type: 'activity', next: ['toString'], config: { kind: 'task', subject: 'Call' } },
        { id: 'toString', type: 'end' },
      ],
    };
    const journey = (
      await api('POST', '/v1/journeys', {
        name: 'names',
        graph,
        settings: { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' },
      })
    ).json();
    const res = await api('POST', `/v1/journeys/${journey.id}/check`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, errors: [] });
  });
});
