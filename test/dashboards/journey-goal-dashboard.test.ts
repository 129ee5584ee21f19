import { tileEvent } from '../aggregator/aggregator-harness';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { goalLift } from '../../lib/domain/journeys/goal-lift';
import { raw } from '../../lib/platform/clickhouse/sql';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { dashboardFiles } from './dashboard-assertions';
import { bindGrafana, dashboardQueries } from './grafana-binding';

/*
 * The journey dashboard's goal and holdout panels (docs/kpis.md#journey-goal, docs/kpis.md#journey-holdout) on
 * ClickHouse 18.16, over a journey of their own: twelve entrants; at email tile E six treated (processed), four held
 * out (blocked holdout), one capped (blocked frequency_cap) and one still held for quiet hours (inflow only); the goal
 * reached by three treated (one of them exiting, its event relayed twice) and one held out, on two days.
 */
const DAY_1 = Date.UTC(2026, 4, 4, 9, 0);
const DAY_2 = DAY_1 + 86_400_000;
const contacts = Array.from({ length: 12 }, (_, i) => `h${i + 1}`);
const TREATED = contacts.slice(0, 6);
const HELD_OUT = contacts.slice(6, 10);

function stream(ws: string) {
  const tile = (tileId: string, tileType: string, contact: string, extra: Record<string, unknown> = {}) => ({
    workspace_id: ws, journey_id: 'jh', tile_id: tileId, tile_type: tileType, contact_id: contact, iteration: 0, event_time: DAY_1, ...extra,
  });
  const goal = (contact: string, time: number, exited: boolean) =>
    tileEvent('goal_reached', tile('E', 'email', contact, { event_time: time, goal_event: 'clicked_link', exited }));
  const exit = goal('h1', DAY_1, true);
  const quietHold = tileEvent('contact_held', tile('E', 'email', 'h12', { reason: 'quiet_hours', until: DAY_2 }));
  const delays = new Map<string, ReturnType<typeof tileEvent>>();
  const held = (contact: string, minutes: number) => {
    const event = delays.get(contact) ?? tileEvent('send_time_delayed', tile('E', 'email', contact, { reason: 'send_time', delay_minutes: minutes, source: 'contact' }));
    delays.set(contact, event);
    return event;
  };
  return [
    ...contacts.map((c) => tileEvent('tile_inflow', tile('S', 'segment', c))),
    ...contacts.map((c) => tileEvent('tile_inflow', tile('E', 'email', c))),
    ...TREATED.map((c) => tileEvent('tile_processed', tile('E', 'email', c))),
    ...HELD_OUT.map((c) => tileEvent('tile_blocked', tile('E', 'email', c, { reason: 'holdout' }))),
    tileEvent('tile_blocked', tile('E', 'email', 'h11', { reason: 'frequency_cap' })),
    exit,
    exit,
    goal('h2', DAY_1, false),
    goal('h3', DAY_2, false),
    goal('h7', DAY_2, false),
    // h1 held 6 h (its event relayed twice), h2 2 h, before their sends at E
    ...[held('h1', 360), held('h1', 360), held('h2', 120)],
    // the controls: h12 held for quiet hours at E (its event relayed twice); h9 and h10 queued by pacing on day 2
    quietHold,
    quietHold,
    ...['h9', 'h10'].map((c) => tileEvent('contact_held', tile('S', 'segment', c, { event_time: DAY_2, reason: 'entry_pacing', until: null }))),
  ];
}

describe('journey dashboard: goal and holdout panels on ClickHouse 18.16', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('cairn_dash_goal');
    await env.clickhouse.insert('events_ingest', ingestRows(stream('wsh')));
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  const panel = async (title: string, journey = 'jh') => {
    const query = dashboardQueries(dashboardFiles()).find((q) => q.dashboard === 'journey-tiles.json' && q.title === title);
    if (!query) throw new Error(`no panel ${title}`);
    const scope = { from: new Date(DAY_1 - 86_400_000), to: new Date(DAY_2 + 86_400_000), intervalSeconds: 86_400 };
    const bound = bindGrafana(query.sql, { ...scope, variables: { workspace_id: 'wsh', journey_id: journey, contact_id: '' } });
    const rows = await env.clickhouse.rows<Record<string, unknown>>(raw.trusted(bound));
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?[\d.]+$/.test(v) ? Number(v) : v])));
  };

  it('counts the entered, the contacts reaching the goal once each, their share and the exits', async () => {
    expect(await panel('Goal progress (contacts per iteration)')).toEqual([{ entered: 12, reached: 4, reached_share: 0.3333, exited: 1 }]);
    expect(await panel('Goal reached over time')).toEqual([
      { time: '2026-05-04 00:00:00', reached: 2 },
      { time: '2026-05-05 00:00:00', reached: 2 },
    ]);
  });

  it('splits the contacts decided at an email tile into treated and held out, with the lift and interval goal-lift.ts gives; counts the contacts held for their send time', async () => {
    const lift = goalLift({ entered: 6, reached: 3 }, { entered: 4, reached: 1 });
    const round = (x: number | null) => Math.round((x ?? NaN) * 1e4) / 1e4;
    expect(await panel('Holdout lift (contacts decided at an email tile)')).toEqual([
      {
        treated: 6, treated_reached: 3, treated_rate: 0.5, held_out: 4, held_out_reached: 1, held_out_rate: 0.25,
        lift: round(lift.absolute), lift_ci_low: round(lift.ci_low), lift_ci_high: round(lift.ci_high),
      },
    ]);
    expect(await panel('Send-time optimisation (contacts held until their best hour)')).toEqual([
      { tile_id: 'E', delayed: 2, average_delay_hours: 4, max_delay_hours: 6 },
    ]);
    // another journey (none of these events) has neither group: no row rather than a division by zero
    expect(await panel('Holdout lift (contacts decided at an email tile)', 'other')).toEqual([]);
  });

  it('counts the contacts the cap blocked, quiet hours held and pacing queued, per interval, each once', async () => {
    expect(await panel('Controls (contacts blocked by the cap, held by quiet hours, queued by pacing)')).toEqual([
      { time: '2026-05-04 00:00:00', capped: 1, held_quiet_hours: 1, queued_entry_pacing: 0 },
      { time: '2026-05-05 00:00:00', capped: 0, held_quiet_hours: 0, queued_entry_pacing: 2 },
    ]);
  });
});
