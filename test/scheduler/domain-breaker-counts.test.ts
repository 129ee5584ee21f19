import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { recordEngagements } from '../../services/scheduler/engagement.consumer';
import { DEFAULT_BREAKER } from '../../services/scheduler/journey-breaker';
import { journeyEmailEvent } from '../support/journey-email-event';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { SchedulerRig, Workspace } from './scheduler-harness';

// The sending-domain breaker's counting (docs/scheduler.md#circuit-breaker) on a real PostgreSQL, through the
// engagement consumer's transaction: two journeys of a workspace From one sending domain, each under the minimum of
// sends, together over the hard-bounce threshold; a redelivered batch; mail From a domain with no row; another
// workspace's row for the same domain; an event naming another workspace's email version.

let env: TestEnv;
let rig: SchedulerRig;
beforeAll(async () => {
  env = await createTestEnv('cairn_sched_domain_breaker');
  rig = await new SchedulerRig(env).start();
});
afterAll(async () => {
  await rig?.stop();
  await env?.cleanup();
});

const settings = { ...DEFAULT_BREAKER, minSends: 20 };
const DOMAIN = 'mail.breaker.test';

/** An email of the workspace whose frozen version 1 is From `from`. */
async function emailFrom(ws: Workspace, from: string): Promise<string> {
  const emailId = await ws.email();
  await ws.pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, compiled_html)
     VALUES ($1, 1, $2, 'news', $3, '<p>hi</p>')`,
    [emailId, ws.id, from],
  );
  return emailId;
}

async function sendingDomain(ws: Workspace, domain: string): Promise<string> {
  const { rows } = await ws.pool.query<{ id: string }>(
    "INSERT INTO sending_domains (workspace_id, domain, status, verified_at) VALUES ($1, $2, 'verified', now()) RETURNING id",
    [ws.id, domain],
  );
  return (rows[0] as { id: string }).id;
}

async function journeyOf(ws: Workspace, emailId: string): Promise<string> {
  const segment = await ws.segment([]);
  return ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
      { id: 'mail', type: 'email', next: ['end'], config: { email_id: emailId } },
      { id: 'end', type: 'end' },
    ],
  });
}

/** `sends` send events of the journey's email, the first `hard` of them also hard-bounced. */
function mailOf(ws: Workspace, journeyId: string, emailId: string, contacts: string[], hard: number): CairnEvent[] {
  return contacts.flatMap((contactId, i) => {
    const on = { workspaceId: ws.id, journeyId, contactId };
    const events = [journeyEmailEvent('send', on, { recipient_domain: 'example.test' })];
    if (i < hard) events.push(journeyEmailEvent('bounce', on, { bounce_class: 'hard', enhanced_status: '5.1.1' }));
    for (const event of events) (event.data as { email_id: string }).email_id = emailId;
    return events;
  });
}

const countsOf = async (domainId: string) =>
  (
    await rig.pool.query(
      'SELECT coalesce(sum(sends), 0)::int AS s, coalesce(sum(hard_bounces), 0)::int AS h FROM sending_domain_breaker_counts WHERE domain_id = $1',
      [domainId],
    )
  ).rows[0];

describe('sending-domain breaker counts', () => {
  it('sums two journeys per sending domain, once per event, and pauses the domain once with its alert', async () => {
    const ws = await new Workspace(rig.pool).create();
    const other = await new Workspace(rig.pool).create();
    const domainId = await sendingDomain(ws, DOMAIN);
    const othersRow = await sendingDomain(other, DOMAIN);
    const [emailA, emailB, elsewhere] = [
      await emailFrom(ws, `news@${DOMAIN}`),
      await emailFrom(ws, `offers@${DOMAIN.toUpperCase()}`),
      await emailFrom(ws, 'news@no-row.breaker.test'),
    ] as [string, string, string];
    const othersEmail = await emailFrom(other, `news@${DOMAIN}`);
    const [journeyA, journeyB, journeyC, journeyD] = [
      await journeyOf(ws, emailA),
      await journeyOf(ws, emailB),
      await journeyOf(ws, elsewhere),
      await journeyOf(ws, emailB),
    ];
    const contacts = await ws.contacts(30);

    // journey A: 12 sends, 2 hard bounces, delivered twice (a Kafka redelivery); journey C's mail From a domain with
    // no row and its events naming another workspace's version count nothing at domain level
    const a = mailOf(ws, journeyA, emailA, contacts.slice(0, 12), 2);
    await recordEngagements(rig.pool, a, { breaker: settings });
    await recordEngagements(rig.pool, a, { breaker: settings });
    await recordEngagements(rig.pool, mailOf(ws, journeyC, elsewhere, contacts.slice(12, 20), 8), {
      breaker: settings,
    });
    await recordEngagements(rig.pool, mailOf(ws, journeyC, othersEmail, contacts.slice(20, 30), 10), {
      breaker: settings,
    });
    expect(await countsOf(domainId)).toEqual({ s: 12, h: 2 });
    expect(await countsOf(othersRow)).toEqual({ s: 0, h: 0 });
    const paused = async (id: string) =>
      (await rig.pool.query('SELECT paused_at IS NOT NULL AS p FROM sending_domains WHERE id = $1', [id])).rows[0]?.p;
    expect(await paused(domainId)).toBe(false);

    // journey B From the same domain: 12 more sends, 2 hard bounces, in the batch before a redelivery: 24 sends,
    // 4 hard bounces (16.67%) trip the domain while each journey (12 sends) is under the minimum of 20
    const b = mailOf(ws, journeyB, emailB, contacts.slice(0, 12), 2);
    await recordEngagements(rig.pool, b, { breaker: settings });
    await recordEngagements(rig.pool, [...b, ...a], { breaker: settings });
    expect(await countsOf(domainId)).toEqual({ s: 24, h: 4 });
    const row = await rig.pool.query('SELECT paused_reason, pause_rates FROM sending_domains WHERE id = $1', [
      domainId,
    ]);
    expect(row.rows[0]).toEqual({
      paused_reason: 'hard-bounce rate 16.67% over 5.00% of 24 sends in the last 24 h',
      pause_rates: { sends: 24, hard_bounces: 4, complaints: 0, hard_bounce_rate: 4 / 24, complaint_rate: 0 },
    });
    const journeys = await rig.pool.query('SELECT status FROM journeys WHERE id = ANY($1::uuid[])', [
      [journeyA, journeyB],
    ]);
    expect(journeys.rows).toEqual([{ status: 'live' }, { status: 'live' }]);
    expect(await paused(othersRow)).toBe(false);

    // more bounces while paused (a third journey): counted, but the pause and its alert are written once
    await recordEngagements(rig.pool, mailOf(ws, journeyD, emailB, contacts.slice(12, 20), 8), { breaker: settings });
    expect(await countsOf(domainId)).toEqual({ s: 32, h: 12 });
    const alerts = await rig.pool.query(
      "SELECT kind, message_id, webhook_state, payload->>'sending_domain_id' AS domain, payload->>'domain' AS name FROM engagement_alerts WHERE workspace_id = $1",
      [ws.id],
    );
    expect(alerts.rows).toEqual([
      { kind: 'sending_domain_paused', message_id: null, webhook_state: 'none', domain: domainId, name: DOMAIN },
    ]);
    expect(
      (await rig.pool.query('SELECT count(*)::int AS n FROM engagement_alerts WHERE workspace_id = $1', [other.id]))
        .rows[0],
    ).toEqual({ n: 0 });
  });
});
