import { createHmac } from 'node:crypto';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { splitterPathIndex } from '../../services/scheduler/tile-rules';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { DAY_MS, SchedulerRig, tally, webhookTarget, Workspace } from './scheduler-harness';

describe('journey tiles', () => {
  let env: TestEnv;
  let rig: SchedulerRig;

  beforeAll(async () => {
    env = await createTestEnv('cairn_tiles');
    rig = await new SchedulerRig(env).start();
  });

  afterAll(async () => {
    await rig?.stop();
    await env?.cleanup();
  });

  it('splitter sends each contact down its deterministic path; a wait holds contacts until the clock passes it', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(40);
    const segment = await ws.segment(contacts);
    const journeyId = await ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['split'], config: { segment_ids: [segment] } },
        { id: 'split', type: 'splitter', next: ['wait', 'end_b'], config: { percentages: [60, 40] } },
        { id: 'wait', type: 'scheduler', next: ['end_a'], config: { wait_days: 2 } },
        { id: 'end_a', type: 'end' },
        { id: 'end_b', type: 'end' },
      ],
    });
    const expectedA = contacts.filter((c) => splitterPathIndex(journeyId, c, [60, 40]) === 0);
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === expectedA.length && tally(p)['end_b/done'] === 40 - expectedA.length,
    );
    rig.clock.advance(2 * DAY_MS + 60_000);
    await rig.scheduler.tick();
    const done = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end_a/done'] === expectedA.length,
    );
    expect(expectedA.every((c) => done.get(c) === 'end_a/done')).toBe(true);
  });

  it('activity, create-lead and launch-workflow tiles act once per contact; a failing webhook is retried then dead-lettered and the contact goes on', async () => {
    const target = await webhookTarget();
    try {
      const ws = await new Workspace(rig.pool).create();
      const contacts = await ws.contacts(5);
      const segment = await ws.segment(contacts);
      const journeyId = await ws.liveJourney({
        tiles: [
          { id: 'seg', type: 'segment', next: ['call'], config: { segment_ids: [segment] } },
          {
            id: 'call',
            type: 'activity',
            next: ['lead'],
            config: { kind: 'phone_call', subject: 'Call them', due_in_days: 2 },
          },
          { id: 'lead', type: 'create_lead', next: ['crm'], config: { title: 'Hot' } },
          {
            id: 'crm',
            type: 'launch_workflow',
            next: ['broken'],
            config: { workflow: 'crm-sync', url: `${target.url}/ok` },
          },
          {
            id: 'broken',
            type: 'launch_workflow',
            next: ['end'],
            config: { workflow: 'down', url: `${target.url}/fail` },
          },
          { id: 'end', type: 'end' },
        ],
      });
      await waitFor(
        () => rig.positions(journeyId),
        (p) => tally(p)['end/done'] === 5,
      );
      const tasks = await rig.pool.query<{ contact_id: string; kind: string }>(
        'SELECT contact_id, kind FROM tasks WHERE journey_id = $1',
        [journeyId],
      );
      expect(tasks.rows.map((t) => t.contact_id).sort()).toEqual([...contacts].sort());
      expect(tasks.rows.every((t) => t.kind === 'phone_call')).toBe(true);
      const leads = await rig.pool.query('SELECT 1 FROM leads WHERE journey_id = $1', [journeyId]);
      expect(leads.rowCount).toBe(5);
      const ok = await waitFor(
        () => target.received.filter((r) => r.path === '/ok'),
        (r) => r.length === 5,
      );
      for (const hook of ok) {
        const [t, v1] = String(hook.headers['x-cairn-signature'])
          .split(',')
          .map((part) => part.split('=')[1]);
        expect(v1).toBe(createHmac('sha256', 'test-webhook-secret').update(`${t}.${hook.body}`).digest('hex'));
        expect(JSON.parse(hook.body)).toMatchObject({
          key: hook.headers['idempotency-key'],
          workflow: 'crm-sync',
          journey_id: journeyId,
        });
      }
      const dead = await waitFor(
        () =>
          rig.pool.query<{ attempts: number }>(
            `SELECT attempts FROM journey_webhook_dead_letters WHERE once_key LIKE $1`,
            [`${journeyId}:broken:%`],
          ),
        (r) => r.rowCount === 5,
      );
      expect(dead.rows.every((r) => r.attempts === 3)).toBe(true);
      expect(target.received.filter((r) => r.path === '/fail')).toHaveLength(15);
    } finally {
      await target.close();
    }
  });

  it('targets accounts: the first contact to meet the trigger decides for its account; activity and lead once per account', async () => {
    const ws = await new Workspace(rig.pool).create();
    const [acme, globex] = [await ws.account(), await ws.account()];
    const acmeContacts = await ws.contacts(3, { account_id: acme });
    const globexContacts = await ws.contacts(3, { account_id: globex });
    const segment = await ws.segment([...acmeContacts, ...globexContacts]);
    const email = await ws.email();
    const journeyId = await ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
          { id: 'mail', type: 'email', next: ['opened'], config: { email_id: email } },
          {
            id: 'opened',
            type: 'trigger',
            next: ['task', 'no'],
            config: { email_tile_id: 'mail', condition: 'opened', timeout_days: 1 },
          },
          { id: 'task', type: 'activity', next: ['lead'], config: { kind: 'task', subject: 'Follow up' } },
          { id: 'lead', type: 'create_lead', next: ['yes'], config: {} },
          { id: 'yes', type: 'end' },
          { id: 'no', type: 'end' },
        ],
      },
      { target: 'accounts' },
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['opened/waiting'] === 6,
    );
    const data = { workspace_id: ws.id, email_id: email, journey_id: journeyId, tile_id: 'mail', iteration: 0 };
    await produce(env.kafka, env.topics, [emailEvent('open', { ...data, contact_id: acmeContacts[1] })]);
    const moved = await waitFor(
      () => rig.positions(journeyId),
      (p) => acmeContacts.every((c) => p.get(c) === 'yes/done'),
    );
    expect(globexContacts.every((c) => moved.get(c) === 'opened/waiting')).toBe(true);
    rig.clock.advance(DAY_MS + 60_000);
    await rig.scheduler.tick();
    await waitFor(
      () => rig.positions(journeyId),
      (p) => globexContacts.every((c) => p.get(c) === 'no/done'),
    );
    const tasks = await rig.pool.query<{ account_id: string }>('SELECT account_id FROM tasks WHERE journey_id = $1', [
      journeyId,
    ]);
    expect(tasks.rows).toEqual([{ account_id: acme }]);
    const leads = await rig.pool.query<{ account_id: string; contact_id: string | null }>(
      'SELECT account_id, contact_id FROM leads WHERE journey_id = $1',
      [journeyId],
    );
    expect(leads.rows).toEqual([{ account_id: acme, contact_id: null }]);
  });

  it('decides negated conditions at the timeout and fires hard-bounce and forward conditions on their events', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(4);
    const segment = await ws.segment(contacts);
    const email = await ws.email();
    const journeyId = await ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
        { id: 'mail', type: 'email', next: ['bounced'], config: { email_id: email } },
        {
          id: 'bounced',
          type: 'trigger',
          next: ['b_yes', 'fwd'],
          config: { email_tile_id: 'mail', condition: 'hard_bounced', timeout_hours: 1 },
        },
        { id: 'b_yes', type: 'end' },
        {
          id: 'fwd',
          type: 'trigger',
          next: ['f_yes', 'quiet'],
          config: { email_tile_id: 'mail', condition: 'forwarded', timeout_hours: 1 },
        },
        { id: 'f_yes', type: 'end' },
        {
          id: 'quiet',
          type: 'trigger',
          next: ['q_yes', 'q_no'],
          config: { email_tile_id: 'mail', condition: 'not_opened', timeout_hours: 1 },
        },
        { id: 'q_yes', type: 'end' },
        { id: 'q_no', type: 'end' },
      ],
    });
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['bounced/waiting'] === 4,
    );
    const data = { workspace_id: ws.id, email_id: email, journey_id: journeyId, tile_id: 'mail', iteration: 0 };
    const [bouncer, forwarder, opener, silent] = contacts as [string, string, string, string];
    await produce(env.kafka, env.topics, [
      emailEvent('bounce', { ...data, contact_id: bouncer, bounce_class: 'hard' }),
      emailEvent('forward', { ...data, contact_id: forwarder }),
      emailEvent('open', { ...data, contact_id: opener }),
    ]);
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(bouncer) === 'b_yes/done',
    );
    rig.clock.advance(3_600_000 + 60_000);
    await rig.scheduler.tick();
    // The forwarder passed `bounced` at the timeout, then met `fwd` at once (its forward is already recorded).
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(forwarder) === 'f_yes/done' && tally(p)['fwd/waiting'] === 2,
    );
    for (const waitingAt of ['fwd', 'quiet']) {
      rig.clock.advance(3_600_000 + 60_000);
      await rig.scheduler.tick();
      await waitFor(
        () => rig.positions(journeyId),
        (p) => tally(p)[`${waitingAt}/waiting`] === undefined,
      );
    }
    const final = await rig.positions(journeyId);
    expect(final.get(opener)).toBe('q_no/done');
    expect(final.get(silent)).toBe('q_yes/done');
  });

  // issue 23 item 3: complaints, unsubscribes and soft bounces move contacts; clicked and delivered mean what the
  // KPIs Clicked and Delivered count (an attachment view is not a click; any bounce is not delivered).
  it('fires complained and unsubscribed on their events; clicked ignores attachment views; delivered excludes every bounce', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(5);
    const segment = await ws.segment(contacts);
    const email = await ws.email();
    const trigger = (id: string, condition: string, next: [string, string]): Tile => ({
      id,
      type: 'trigger',
      next,
      config: { email_tile_id: 'mail', condition, timeout_hours: 1 },
    });
    const journeyId = await ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
        { id: 'mail', type: 'email', next: ['t_complained'], config: { email_id: email } },
        trigger('t_complained', 'complained', ['complained', 't_unsubscribed']),
        trigger('t_unsubscribed', 'unsubscribed', ['unsubscribed', 't_clicked']),
        trigger('t_clicked', 'clicked', ['clicked', 't_delivered']),
        trigger('t_delivered', 'delivered', ['delivered', 'not_delivered']),
        ...['complained', 'unsubscribed', 'clicked', 'delivered', 'not_delivered'].map((id): Tile => ({
          id,
          type: 'end',
        })),
      ],
    });
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['t_complained/waiting'] === 5,
    );
    const data = { workspace_id: ws.id, email_id: email, journey_id: journeyId, tile_id: 'mail', iteration: 0 };
    const [complainer, leaver, attachmentViewer, softBounced, delivered] = contacts as [
      string,
      string,
      string,
      string,
      string,
    ];
    await produce(env.kafka, env.topics, [
      emailEvent('complaint', { ...data, contact_id: complainer, feedback_type: 'abuse' }),
      emailEvent('unsubscribe', { ...data, contact_id: leaver, method: 'one_click' }),
      emailEvent('click', { ...data, contact_id: attachmentViewer, link_kind: 'attachment' }),
      ...[attachmentViewer, softBounced, delivered].map((contact) =>
        emailEvent('send', { ...data, contact_id: contact }),
      ),
      emailEvent('bounce', { ...data, contact_id: softBounced, bounce_class: 'soft' }),
    ]);
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(complainer) === 'complained/done',
    );
    for (const waitingAt of ['t_complained', 't_unsubscribed', 't_clicked', 't_delivered']) {
      rig.clock.advance(3_600_000 + 60_000);
      await rig.scheduler.tick();
      await waitFor(
        () => rig.positions(journeyId),
        (p) => tally(p)[`${waitingAt}/waiting`] === undefined,
      );
    }
    const final = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['t_delivered/waiting'] === undefined && [...p.values()].every((at) => at.endsWith('/done')),
    );
    expect(Object.fromEntries(contacts.map((c) => [c, final.get(c)]))).toEqual({
      [complainer]: 'complained/done',
      [leaver]: 'unsubscribed/done',
      [attachmentViewer]: 'delivered/done',
      [softBounced]: 'not_delivered/done',
      [delivered]: 'delivered/done',
    });
  });

  // The owner an activity or create-lead tile names (docs/scheduler.md#tiles) on what the tile creates.
  const userOf = async (ws: Workspace, email: string): Promise<string> => {
    const { rows } = await rig.pool.query<{ id: string }>(
      'INSERT INTO users (workspace_id, email) VALUES ($1, $2) RETURNING id::text',
      [ws.id, email],
    );
    return rows[0]?.id as string;
  };

  const ownedJourney = async (ws: Workspace, contacts: string[], owner: string, checked = true) =>
    ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['call'], config: { segment_ids: [await ws.segment(contacts)] } },
          { id: 'call', type: 'activity', next: ['lead'], config: { subject: 'Call', owner_id: owner } },
          { id: 'lead', type: 'create_lead', next: ['end'], config: { title: 'Hot', owner_id: owner } },
          { id: 'end', type: 'end' },
        ],
      },
      {},
      { checked },
    );

  const ownersOf = async (journeyId: string) => {
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end/done'] === 3,
    );
    const owners = await rig.pool.query<{ kind: string; owner_id: string | null }>(
      `SELECT 'task' AS kind, owner_id::text FROM tasks WHERE journey_id = $1
       UNION ALL SELECT 'lead', owner_id::text FROM leads WHERE journey_id = $1`,
      [journeyId],
    );
    return owners.rows;
  };

  it('gives every task and lead the owner the tile names', async () => {
    const ws = await new Workspace(rig.pool).create();
    const ann = await userOf(ws, 'ann@cairn.example');
    const rows = await ownersOf(await ownedJourney(ws, await ws.contacts(3), ann));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.owner_id === ann)).toBe(true);
  });

  it("leaves them unowned when the owner is not the workspace's (another workspace's user, deleted since go-live)", async () => {
    const other = await new Workspace(rig.pool).create();
    const stranger = await userOf(other, 'eve@other.example');
    const ws = await new Workspace(rig.pool).create();
    const rows = await ownersOf(await ownedJourney(ws, await ws.contacts(3), stranger, false));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.owner_id === null)).toBe(true);
  });
});
