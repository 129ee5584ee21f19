import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

/** A journey with these settings, made live in the database (go-live refuses a start in the past). */
async function liveJourney(api: ReturnType<typeof client>, settings: Record<string, unknown>, live = true) {
  const id = (await api('POST', '/v1/journeys', { name: 'Weekly', settings })).json().id as string;
  if (live) await kit.pool.query("UPDATE journeys SET status = 'live', went_live_at = now() WHERE id = $1", [id]);
  return id;
}

/** `n` contacts entered in `iteration`, as the journey engine writes them (docs/scheduler.md). */
async function entered(journeyId: string, iteration: number, n: number) {
  await kit.pool.query(
    `INSERT INTO journey_contacts (journey_id, iteration, contact_id, tile_id, state)
     SELECT $1, $2, gen_random_uuid(), 'S', 'done' FROM generate_series(1, $3)`,
    [journeyId, iteration, n],
  );
}

describe('GET /v1/journeys/{id}/iterations', () => {
  it('lists the started iterations of a weekly journey with their windows, states and contacts entered', async () => {
    const ws = await createWorkspace(kit, 'iterations');
    const api = client(kit, ws.key);
    // Tokyo has no DST: 7 calendar days are 7×24 hours (the DST case: lib/domain/journeys/journey-iterations.test.ts)
    const start = Math.floor((Date.now() - 15 * DAY) / 1000) * 1000;
    const settings = {
      start_at: at(start),
      end_at: at(start + 40 * DAY),
      time_zone: 'Asia/Tokyo',
      recurring: { interval_days: 7, count: 4 },
    };
    const journey = await liveJourney(api, settings);
    await entered(journey, 0, 3);
    await entered(journey, 2, 2);
    const res = await api('GET', `/v1/journeys/${journey}/iterations`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      time_zone: 'Asia/Tokyo',
      recurring: { interval_days: 7, count: 4 },
      items: [0, 1, 2].map((k) => ({
        iteration: k,
        starts_at: at(start + 7 * k * DAY),
        ends_at: at(start + 7 * (k + 1) * DAY),
        state: k === 2 ? 'running' : 'ended',
        entered: [3, 0, 2][k],
        insights: `/v1/insights/journeys/${journey}/tiles?iteration=${k}`,
      })),
    });
    expect((await api('GET', res.json().items[2].insights)).statusCode).toBe(200);

    // capped by the count, by the end date; a journey that does not recur has iteration 0; a draft none
    const twice = await liveJourney(api, { ...settings, recurring: { interval_days: 7, count: 2 } });
    const items = (await api('GET', `/v1/journeys/${twice}/iterations`)).json().items;
    expect(items.map((i: { iteration: number; state: string }) => [i.iteration, i.state])).toEqual([
      [0, 'ended'],
      [1, 'ended'],
    ]);
    const once = await liveJourney(api, { ...settings, end_at: at(start + 10 * DAY), recurring: null });
    expect((await api('GET', `/v1/journeys/${once}/iterations`)).json().items).toEqual([
      expect.objectContaining({ iteration: 0, starts_at: at(start), ends_at: at(start + 10 * DAY), state: 'ended' }),
    ]);
    const draft = await liveJourney(api, settings, false);
    expect((await api('GET', `/v1/journeys/${draft}/iterations`)).json().items).toEqual([]);
  });

  it("answers 404 for another workspace's journey", async () => {
    const owner = client(kit, (await createWorkspace(kit, 'iteration-owner')).key);
    const journey = await liveJourney(owner, {
      start_at: at(Date.now() - DAY),
      end_at: at(Date.now() + DAY),
      time_zone: 'UTC',
    });
    await entered(journey, 0, 1);
    const other = client(kit, (await createWorkspace(kit, 'iteration-intruder')).key);
    const res = await other('GET', `/v1/journeys/${journey}/iterations`);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(journey);
  });
});
