import { sql } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from '../../services/aggregator/event-row';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { emailInsights } from '../../services/api/insights/insights-queries';
import { resweepDue } from '../../services/api/erasure-resweep';
import { forwardItem } from '../../services/sender/delivery-item';
import { DeliveriesRepository } from '../../services/sender/deliveries.repository';
import { newId, testLogger } from '../support/test-env';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const open = (workspaceId: string, contactId: string, emailId: string): CairnEvent =>
  ({
    type: 'open',
    data: {
      event_id: newId(),
      event_time: Date.now(),
      workspace_id: workspaceId,
      contact_id: contactId,
      message_id: newId(),
      email_id: emailId,
      email_version: 1,
      machine: false,
    },
  }) as CairnEvent;

const rawEvents = async (contactId: string): Promise<number> =>
  Number(
    (
      await kit.env.clickhouse.rows<{ n: string }>(
        sql`SELECT count() AS n FROM events_raw WHERE contact_id = ${contactId}`,
      )
    )[0]?.n,
  );

describe('POST /v1/contacts/{id}/erasure', () => {
  it('erases the contact from PostgreSQL and ClickHouse with an admin key, records it, and is repeatable', async () => {
    const ws = await createWorkspace(kit, 'erasure');
    const admin = client(kit, ws.key);
    const writer = client(
      kit,
      (await admin('POST', '/v1/api-keys', { scopes: ['read', 'write'] })).json().key as string,
    );
    const gone = (await admin('POST', '/v1/contacts', { email: 'erase.me@example.com', first_name: 'Erin' })).json()
      .id as string;
    const kept = (await admin('POST', '/v1/contacts', { email: 'keep.me@example.com' })).json().id as string;
    const list = (await admin('POST', '/v1/lists', { name: 'News' })).json().id as string;
    expect((await admin('POST', `/v1/lists/${list}/members`, { contact_ids: [gone, kept] })).statusCode).toBeLessThan(
      300,
    );
    const emailId = newId();
    const events = [open(ws.id, gone, emailId), open(ws.id, gone, emailId), open(ws.id, kept, emailId)];
    await kit.env.clickhouse.insert(
      'events_ingest',
      events.map((event, i) => ({ ...toRawRow(event), kafka_topic: 'direct', kafka_partition: 0, kafka_offset: i })),
    );
    expect((await emailInsights(kit.env.clickhouse, { workspaceId: ws.id, emailId })).openedTotal).toBe(3);

    expect((await writer('POST', `/v1/contacts/${gone}/erasure`)).statusCode).toBe(403);
    const other = client(kit, (await createWorkspace(kit, 'other')).key);
    expect((await other('POST', `/v1/contacts/${gone}/erasure`)).statusCode).toBe(404);

    const res = await admin('POST', `/v1/contacts/${gone}/erasure`);
    expect(res.statusCode).toBe(200);
    const record = res.json();
    expect(record).toMatchObject({ contact_id: gone, clickhouse_raw_events: 2 });
    expect(record.postgres_erased_at).toEqual(expect.any(String));
    expect(record.clickhouse_erased_at).toEqual(expect.any(String));

    expect((await admin('GET', `/v1/contacts/${gone}`)).statusCode).toBe(404);
    const members = await kit.pool.query('SELECT contact_id FROM list_memberships WHERE list_id = $1', [list]);
    expect(members.rows.map((r) => r.contact_id)).toEqual([kept]);
    expect(await rawEvents(gone)).toBe(0);
    expect(await rawEvents(kept)).toBe(1);
    expect((await emailInsights(kit.env.clickhouse, { workspaceId: ws.id, emailId })).openedTotal).toBe(1);
    const stored = await kit.pool.query(
      'SELECT contact_id, requested_by_key_id FROM contact_erasures WHERE workspace_id = $1',
      [ws.id],
    );
    expect(stored.rows).toEqual([{ contact_id: gone, requested_by_key_id: record.requested_by_key_id }]);

    // A late event (still in Kafka during the erasure) is swept by calling again.
    await kit.env.clickhouse.insert('events_ingest', [
      { ...toRawRow(open(ws.id, gone, emailId)), kafka_topic: 'direct', kafka_partition: 0, kafka_offset: 3 },
    ]);
    const again = await admin('POST', `/v1/contacts/${gone}/erasure`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      id: record.id,
      contact_id: gone,
      postgres_erased_at: record.postgres_erased_at,
      clickhouse_raw_events: 3,
    });
    expect(await rawEvents(gone)).toBe(0);
    expect((await admin('POST', `/v1/contacts/${newId()}/erasure`)).statusCode).toBe(404);
  });

  // Issue 20, defect 11: what was in flight when the erasure ran is erased by its second pass.
  it('sweeps PostgreSQL and ClickHouse again at resweep_at for what arrived after the erasure, once', async () => {
    const ws = await createWorkspace(kit, 'resweep');
    const admin = client(kit, ws.key);
    const gone = (await admin('POST', '/v1/contacts', { email: 'late@example.com' })).json().id as string;
    const emailId = newId();
    const first = await admin('POST', `/v1/contacts/${gone}/erasure`);
    expect(first.json()).toMatchObject({ clickhouse_raw_events: 0, resweep_at: expect.any(String) });
    expect(Date.parse(first.json().resweep_at) - Date.parse(first.json().postgres_erased_at)).toBe(
      kit.config.erasureResweepSeconds * 1000,
    );

    // Written after the erasure by work that started before it: an open still in Kafka, a forward the sender claimed.
    await kit.env.clickhouse.insert('events_ingest', [
      { ...toRawRow(open(ws.id, gone, emailId)), kafka_topic: 'direct', kafka_partition: 0, kafka_offset: 0 },
    ]);
    const forward = {
      request_id: newId(),
      requested_at: Date.now(),
      workspace_id: ws.id,
      new_message_id: newId(),
      friend_address: 'pal@example.com',
      forwarded_by_contact_id: gone,
      original_message_id: newId(),
      email_id: emailId,
      email_version: 1,
      journey_id: null,
      tile_id: null,
      iteration: 0,
    };
    await new DeliveriesRepository(kit.pool, 'late-sender').claim([{ ...forwardItem(forward), messageId: newId() }]);

    const deps = { pool: kit.pool, clickhouse: kit.env.clickhouse, log: testLogger('resweep') };
    expect(await resweepDue(deps)).toBe(0); // not due yet
    await kit.pool.query("UPDATE contact_erasures SET resweep_at = now() - interval '1 second' WHERE contact_id = $1", [
      gone,
    ]);
    expect(await resweepDue(deps)).toBe(1);
    expect(await rawEvents(gone)).toBe(0);
    expect((await kit.pool.query('SELECT 1 FROM sender_deliveries WHERE contact_id = $1', [gone])).rowCount).toBe(0);
    const record = await kit.pool.query(
      'SELECT resweep_at, clickhouse_raw_events::int AS n FROM contact_erasures WHERE contact_id = $1',
      [gone],
    );
    expect(record.rows).toEqual([{ resweep_at: null, n: 1 }]);
    expect(await resweepDue(deps)).toBe(0);
  });
});
