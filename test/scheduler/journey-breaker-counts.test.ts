import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { recordEngagements } from '../../services/scheduler/engagement.consumer';
import { DEFAULT_BREAKER } from '../../services/scheduler/journey-breaker';
import { journeyEmailEvent } from '../support/journey-email-event';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { SchedulerRig, Workspace } from './scheduler-harness';

// The circuit breaker's counting (docs/scheduler.md#circuit-breaker) on a real PostgreSQL: complaints (which
// only ingest reports), a Kafka redelivery, and the window that starts again on resume.

let env: TestEnv;
let rig: SchedulerRig;
beforeAll(async () => {
  env = await createTestEnv('cairn_sched_breaker');
  rig = await new SchedulerRig(env).start();
});
afterAll(async () => {
  await rig?.stop();
  await env?.cleanup();
});

const settings = { ...DEFAULT_BREAKER, minSends: 100 };

function emailEvent(type: 'send' | 'complaint', ws: Workspace, journeyId: string, contactId: string): CairnEvent {
  const on = { workspaceId: ws.id, journeyId, contactId };
  return type === 'send'
    ? journeyEmailEvent('send', on, { recipient_domain: 'example.test' })
    : journeyEmailEvent('complaint', on, { feedback_type: 'abuse', reporter: 'isp' });
}

async function journeyOf(ws: Workspace): Promise<string> {
  const segment = await ws.segment([]);
  return ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
      { id: 'mail', type: 'email', next: ['end'], config: { email_id: await ws.email() } },
      { id: 'end', type: 'end' },
    ],
  });
}

const statusOf = async (id: string) =>
  (await rig.pool.query<{ status: string }>('SELECT status FROM journeys WHERE id = $1', [id])).rows[0]?.status;

describe('circuit breaker counts', () => {
  it('pauses on complaints above 0.3%, counts a redelivered event once, and starts the window again on resume', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(400);
    const journeyId = await journeyOf(ws);
    const sends = contacts.map((c) => emailEvent('send', ws, journeyId, c));
    await recordEngagements(rig.pool, sends, { breaker: settings });
    // one complaint is 0.25%: below the limit; the same complaint delivered again counts nothing
    const first = emailEvent('complaint', ws, journeyId, contacts[0] ?? '');
    await recordEngagements(rig.pool, [first, first], { breaker: settings });
    await recordEngagements(rig.pool, [first, ...sends.slice(0, 50)], { breaker: settings });
    expect(await statusOf(journeyId)).toBe('live');
    const counts = await rig.pool.query(
      'SELECT sum(sends)::int AS s, sum(complaints)::int AS c FROM journey_breaker_counts WHERE journey_id = $1',
      [journeyId],
    );
    expect(counts.rows[0]).toEqual({ s: 400, c: 1 });

    // a second complaint: 0.5% trips it, once, with its milestone and alert
    const second = emailEvent('complaint', ws, journeyId, contacts[1] ?? '');
    await recordEngagements(rig.pool, [second], { breaker: settings });
    await recordEngagements(rig.pool, [emailEvent('complaint', ws, journeyId, contacts[2] ?? '')], {
      breaker: settings,
    });
    const journey = await rig.pool.query('SELECT status, paused_reason, pause_rates FROM journeys WHERE id = $1', [
      journeyId,
    ]);
    expect(journey.rows[0]).toEqual({
      status: 'paused',
      paused_reason: 'complaint rate 0.50% over 0.30% of 400 sends in the last 24 h',
      pause_rates: { sends: 400, hard_bounces: 0, complaints: 2, hard_bounce_rate: 0, complaint_rate: 0.005 },
    });
    const milestones = await rig.pool.query('SELECT status FROM journey_milestones WHERE journey_id = $1', [journeyId]);
    expect(milestones.rows).toEqual([{ status: 'paused' }]);
    const alerts = await rig.pool.query(
      "SELECT kind, webhook_state, payload->>'journey_id' AS journey FROM engagement_alerts WHERE workspace_id = $1",
      [ws.id],
    );
    expect(alerts.rows).toEqual([{ kind: 'journey_paused', webhook_state: 'none', journey: journeyId }]);

    // what the resume route does to the window: the counts go, and the old complaints do not trip it again
    await rig.pool.query('DELETE FROM journey_breaker_counts WHERE journey_id = $1', [journeyId]);
    await rig.pool.query("UPDATE journeys SET status = 'live' WHERE id = $1", [journeyId]);
    await recordEngagements(rig.pool, [emailEvent('complaint', ws, journeyId, contacts[3] ?? '')], {
      breaker: settings,
    });
    expect(await statusOf(journeyId)).toBe('live');
  });
});
