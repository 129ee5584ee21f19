import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

let offset = 0;
function event(fields: Record<string, unknown>): Record<string, unknown> {
  const at = new Date();
  offset += 1;
  return {
    event_date: at.toISOString().slice(0, 10),
    event_time: at.toISOString().slice(0, 19).replace('T', ' '),
    event_time_ms: at.getTime(),
    kafka_topic: 'test',
    kafka_partition: 0,
    kafka_offset: offset,
    ...fields,
  };
}

describe('insights endpoints over ClickHouse', () => {
  it('serve email, link, delivery, journey tile and contact timeline KPIs for the own workspace only', async () => {
    const ws = await createWorkspace(kit, 'insights');
    const api = client(kit, ws.key);
    const contact = (await api('POST', '/v1/contacts', { email: 'i@ins.test' })).json().id as string;
    const email = (await api('POST', '/v1/emails', { name: 'E' })).json().id as string;
    const journey = (await api('POST', '/v1/journeys', { name: 'J' })).json().id as string;
    const common = { workspace_id: ws.id, contact_id: contact, email_id: email, email_version: 1, journey_id: journey };
    await kit.env.clickhouse.insert('events_ingest', [
      event({ ...common, event_id: 'e1', event_type: 'send', message_id: 'm1', tile_id: 'mail' }),
      event({ ...common, event_id: 'e2', event_type: 'send', message_id: 'm2', tile_id: 'mail' }),
      event({ ...common, event_id: 'e3', event_type: 'open', message_id: 'm1' }),
      event({ ...common, event_id: 'e4', event_type: 'open', message_id: 'm1' }),
      event({
        ...common,
        event_id: 'e5',
        event_type: 'click',
        message_id: 'm1',
        link_id: 'l1',
        url: 'https://example.com/a',
      }),
      event({ ...common, event_id: 'e6', event_type: 'tile_inflow', tile_id: 'mail', tile_type: 'email' }),
    ]);
    const kpis = await api('GET', `/v1/insights/emails/${email}`);
    expect(kpis.statusCode).toBe(200);
    expect(kpis.json()).toMatchObject({ sent: 2, openedTotal: 2, openedUnique: 1, clickedUnique: 1 });
    expect((await api('GET', `/v1/insights/emails/${email}?journey_id=${journey}&from=2000-01-01`)).json().sent).toBe(
      2,
    );
    expect((await api('GET', `/v1/insights/emails/${email}/delivery`)).json()).toMatchObject({ sent: 2 });
    expect((await api('GET', `/v1/insights/emails/${email}/links`)).json().items).toEqual([
      expect.objectContaining({ linkId: 'l1', uniqueClicks: 1, clickThroughRate: 1 }),
    ]);
    expect((await api('GET', `/v1/insights/emails/${email}/responses`)).json().items[0]).toMatchObject({
      openedUnique: 1,
    });
    // a day range filters the UTC day column, which the local day of each row must not shadow (a 500 on 18.16 before)
    const today = new Date().toISOString().slice(0, 10);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/responses?from=2000-01-01&to=${today}`)).json().items,
    ).toEqual([expect.objectContaining({ day: today, openedUnique: 1 })]);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/responses?from=2001-01-01&to=2001-01-31`)).json().items,
    ).toEqual([]);
    // the Data panel: the email tile's Volume and the email KPIs of the messages it sent (opens carry no tile here)
    expect((await api('GET', `/v1/insights/journeys/${journey}/tiles`)).json().items).toEqual([
      expect.objectContaining({ tileId: 'mail', inflow: 1, email: expect.objectContaining({ sent: 2, targeted: 2 }) }),
    ]);
    // a tile filter on the email's insights: needs its journey (a tile id names a tile within one journey)
    const byTile = (tile: string, journeyId = journey) =>
      api('GET', `/v1/insights/emails/${email}?journey_id=${journeyId}&tile_id=${tile}`);
    expect((await byTile('mail')).json()).toMatchObject({ sent: 2, openedTotal: 0 });
    expect((await byTile('other')).json()).toMatchObject({ sent: 0 });
    const noJourney = await api('GET', `/v1/insights/emails/${email}?tile_id=mail`);
    expect([noJourney.statusCode, noJourney.json().errors[0].field]).toEqual([400, 'querystring.journey_id']);
    expect((await byTile('bad tile')).statusCode).toBe(400);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/recipients?kpi=sent&journey_id=${journey}&tile_id=mail`)).json()
        .items,
    ).toHaveLength(2);
    const timeline = (await api('GET', `/v1/insights/contacts/${contact}/timeline?limit=3`)).json();
    expect(timeline.entries).toHaveLength(3);
    expect(timeline.byType).toMatchObject({ send: 2, open: 2, click: 1 });
    expect(
      (await api('GET', `/v1/insights/emails/${email}?from=2026-02-01&to=2026-01-01`)).json().errors[0].field,
    ).toBe('querystring.to');

    const other = client(kit, (await createWorkspace(kit, 'other')).key);
    for (const url of [
      `/v1/insights/emails/${email}`,
      `/v1/insights/journeys/${journey}/tiles`,
      `/v1/insights/contacts/${contact}/timeline`,
    ])
      expect((await other('GET', url)).statusCode).toBe(404);
  });
});
