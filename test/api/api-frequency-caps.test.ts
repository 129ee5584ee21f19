import { createApiKey } from '../../lib/domain/auth/api-keys';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 26, part 1: the frequency cap is a workspace setting, read with GET /v1/workspace and changed with
 * PATCH /v1/workspace (scope admin), validated where it enters (docs/scheduler.md#frequency-cap); the journey engine enforces
 * it (test/scheduler/frequency-cap.test.ts).
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const stored = async (workspaceId: string): Promise<unknown> =>
  (await kit.pool.query('SELECT frequency_caps FROM workspaces WHERE id = $1', [workspaceId])).rows[0]?.frequency_caps;

describe('frequency_caps workspace setting', () => {
  it('is empty by default, set by an admin key only, validated field by field and kept per workspace', async () => {
    const ws = await createWorkspace(kit, 'caps');
    const other = await createWorkspace(kit, 'caps-other');
    const admin = client(kit, ws.key);
    expect((await admin('GET', '/v1/workspace')).json()).toMatchObject({ frequency_caps: [] });

    const caps = [
      { max_sends: 2, window_hours: 24 },
      { max_sends: 5, window_hours: 168 },
    ];
    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('PATCH', '/v1/workspace', { frequency_caps: caps })).statusCode).toBe(403);
    for (const [bad, field] of [
      [{ max_sends: 0, window_hours: 24 }, 'max_sends'],
      [{ max_sends: 1, window_hours: 0 }, 'window_hours'],
      [{ max_sends: 1.5, window_hours: 24 }, 'max_sends'],
      [{ max_sends: 1 }, 'window_hours'],
      [{ max_sends: 1, window_hours: 24, journey: 'x' }, 'journey'],
    ] as const) {
      const refused = await admin('PATCH', '/v1/workspace', { frequency_caps: [bad] });
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain(field);
    }
    const twice = await admin('PATCH', '/v1/workspace', {
      frequency_caps: [...caps, { max_sends: 1, window_hours: 24 }],
    });
    expect([twice.statusCode, twice.body]).toEqual([422, expect.stringContaining('frequency_caps[2].window_hours')]);
    expect(await stored(ws.id)).toEqual([]);

    const set = await admin('PATCH', '/v1/workspace', { frequency_caps: caps });
    expect([set.statusCode, set.json().frequency_caps]).toEqual([200, caps]);
    expect(await stored(other.id)).toEqual([]);
    // another setting changed alone leaves the caps as they are; [] lifts them
    await admin('PATCH', '/v1/workspace', { time_zone: 'Europe/Oslo' });
    expect((await writer('GET', '/v1/workspace')).json()).toMatchObject({ frequency_caps: caps });
    expect((await admin('PATCH', '/v1/workspace', { frequency_caps: [] })).json().frequency_caps).toEqual([]);
  });

  it('journeys take a boolean `transactional` setting', async () => {
    const api = client(kit, (await createWorkspace(kit, 'caps-journey')).key);
    const ok = await api('POST', '/v1/journeys', { name: 'Receipts', settings: { transactional: true } });
    expect([ok.statusCode, ok.json().settings.transactional]).toEqual([201, true]);
    const bad = await api('POST', '/v1/journeys', { name: 'Receipts', settings: { transactional: 'yes' } });
    expect([bad.statusCode, bad.body]).toEqual([400, expect.stringContaining('transactional')]);
  });
});
