import { createApiKey } from '../../lib/domain/auth/api-keys';
import { utcDay } from '../../lib/domain/email/warmup';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 22 part 5: a sending domain's warm-up schedule through the API (docs/api.md#sending-domains): set, shown on
 * every answer with today's cap and count, removed; bad schedules 422 naming the field; admin scope; tenancy.
 */
let kit: ApiKit;

beforeAll(async () => {
  kit = await startApiKit({ sendingDomains: 'relaxed' });
});

afterAll(async () => {
  await kit?.close();
});

describe('sending domain warm-up', () => {
  it('sets a schedule starting today, shows it with the day and its count, and removes it', async () => {
    const ws = await createWorkspace(kit, 'warmup');
    const api = client(kit, ws.key);
    const domain = (await api('POST', '/v1/sending-domains', { domain: 'warm.example.org' })).json();
    expect(domain.warmup).toBeNull();

    const set = await api('PUT', `/v1/sending-domains/${domain.id}/warmup`, { caps: [50, 100, 100, 400] });
    expect(set.statusCode).toBe(200);
    const today = utcDay(new Date());
    const warmup = { caps: [50, 100, 100, 400], started_on: today, day: 1, cap_today: 50, sent_today: 0 };
    expect(set.json().warmup).toEqual(warmup);

    await kit.pool.query('INSERT INTO sending_domain_daily_counts (domain_id, day, sent) VALUES ($1, $2, 7)', [
      domain.id,
      today,
    ]);
    expect((await api('GET', `/v1/sending-domains/${domain.id}`)).json().warmup).toEqual({ ...warmup, sent_today: 7 });
    const listed = (await api('GET', '/v1/sending-domains')).json().items[0];
    expect(listed.warmup).toEqual({ ...warmup, sent_today: 7 });

    // started three days ago: day 4, the last cap; a day later the schedule is done
    await kit.pool.query('UPDATE sending_domains SET warmup_started_on = $2::date - 3 WHERE id = $1', [
      domain.id,
      today,
    ]);
    expect((await api('GET', `/v1/sending-domains/${domain.id}`)).json().warmup).toMatchObject({
      day: 4,
      cap_today: 400,
    });
    await kit.pool.query('UPDATE sending_domains SET warmup_started_on = $2::date - 4 WHERE id = $1', [
      domain.id,
      today,
    ]);
    expect((await api('GET', `/v1/sending-domains/${domain.id}`)).json().warmup).toMatchObject({
      day: 5,
      cap_today: null,
    });

    const removed = await api('PUT', `/v1/sending-domains/${domain.id}/warmup`, { caps: null });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().warmup).toBeNull();
  });

  it('refuses bad schedules with 422 naming the field, without the admin scope, and for other workspaces', async () => {
    const ws = await createWorkspace(kit, 'warmup-2');
    const api = client(kit, ws.key);
    const id = (await api('POST', '/v1/sending-domains', { domain: 'warm2.example.org' })).json().id as string;
    const path = `/v1/sending-domains/${id}/warmup`;
    for (const caps of [[], Array.from({ length: 61 }, () => 10), [0], [10, 5], [1.5], [10_000_001]]) {
      const bad = await api('PUT', path, { caps });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors[0].field).toBe('body.caps');
    }
    expect((await api('PUT', path, { caps: ['ten'] })).statusCode).toBe(400);
    expect((await api('PUT', path, {})).statusCode).toBe(400);
    expect((await api('GET', `/v1/sending-domains/${id}`)).json().warmup).toBeNull();

    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('PUT', path, { caps: [10] })).statusCode).toBe(403);
    const stranger = client(kit, (await createWorkspace(kit, 'warmup-stranger')).key);
    expect((await stranger('PUT', path, { caps: [10] })).statusCode).toBe(404);
    expect(
      (await api('PUT', `/v1/sending-domains/00000000-0000-4000-8000-000000000000/warmup`, { caps: [1] })).statusCode,
    ).toBe(404);
  });
});
