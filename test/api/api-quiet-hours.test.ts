import { createApiKey } from '../../lib/domain/auth/api-keys';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 26, part 2: quiet hours are a workspace setting (GET/PATCH /v1/workspace, scope admin) and a journey setting
 * that overrides it, validated where they enter (docs/scheduler.md#quiet-hours); the journey engine holds and
 * releases (test/scheduler/quiet-hours.test.ts).
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const NIGHT = { start: '21:00', end: '08:00', spread_minutes: 15 };

describe('quiet_hours settings', () => {
  it('are none by default, set by an admin key only, validated field by field and kept per workspace', async () => {
    const ws = await createWorkspace(kit, 'quiet');
    const other = await createWorkspace(kit, 'quiet-other');
    const admin = client(kit, ws.key);
    expect((await admin('GET', '/v1/workspace')).json()).toMatchObject({ quiet_hours: null });
    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('PATCH', '/v1/workspace', { quiet_hours: NIGHT })).statusCode).toBe(403);
    for (const [bad, field] of [
      [{ ...NIGHT, start: '24:00' }, 'start'],
      [{ ...NIGHT, end: '8:00' }, 'end'],
      [{ start: '21:00' }, 'end'],
      [{ ...NIGHT, spread_minutes: 241 }, 'spread_minutes'],
      [{ ...NIGHT, zone: 'x' }, 'zone'],
    ] as const) {
      const refused = await admin('PATCH', '/v1/workspace', { quiet_hours: bad });
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain(field);
    }
    for (const [bad, field] of [
      [{ start: '21:00', end: '21:00' }, 'body.quiet_hours.end'],
      [{ start: '00:00', end: '22:00', spread_minutes: 120 }, 'body.quiet_hours.spread_minutes'],
    ] as const) {
      const refused = await admin('PATCH', '/v1/workspace', { quiet_hours: bad });
      expect([refused.statusCode, refused.body]).toEqual([422, expect.stringContaining(field)]);
    }
    expect((await admin('GET', '/v1/workspace')).json()).toMatchObject({ quiet_hours: null });

    const set = await admin('PATCH', '/v1/workspace', { quiet_hours: NIGHT });
    expect([set.statusCode, set.json().quiet_hours]).toEqual([200, NIGHT]);
    expect((await client(kit, other.key)('GET', '/v1/workspace')).json()).toMatchObject({ quiet_hours: null });
    // another setting changed alone leaves them as they are; null lifts them
    await admin('PATCH', '/v1/workspace', { time_zone: 'Europe/Oslo' });
    expect((await writer('GET', '/v1/workspace')).json()).toMatchObject({ quiet_hours: NIGHT });
    expect((await admin('PATCH', '/v1/workspace', { quiet_hours: null })).json().quiet_hours).toBeNull();
  });

  it('journeys take their own window or null, validated', async () => {
    const api = client(kit, (await createWorkspace(kit, 'quiet-journey')).key);
    for (const quiet of [null, NIGHT]) {
      const ok = await api('POST', '/v1/journeys', { name: 'Night', settings: { quiet_hours: quiet } });
      expect([ok.statusCode, ok.json().settings.quiet_hours]).toEqual([201, quiet]);
    }
    const bad = await api('POST', '/v1/journeys', { name: 'Night', settings: { quiet_hours: { start: '9pm' } } });
    expect([bad.statusCode, bad.body]).toEqual([400, expect.stringContaining('quiet_hours')]);
    const empty = await api('POST', '/v1/journeys', {
      name: 'Night',
      settings: { quiet_hours: { start: '21:00', end: '21:00' } },
    });
    const check = await api('POST', `/v1/journeys/${empty.json().id}/check`);
    expect(check.json().errors).toContainEqual(expect.objectContaining({ field: 'settings.quiet_hours.end' }));
  });
});
