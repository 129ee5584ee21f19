import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { JourneyGraph, Tile } from '../../lib/domain/journeys/journey-graph';
import { tileEventId } from '../../services/scheduler/tile-rules';
import { recordWebActivity } from '../../services/scheduler/web-activity';
import { produce } from '../aggregator/aggregator-harness';
import { TopicReader } from '../support/topic-reader';
import { waitFor } from '../support/wait-for';
import { formSubmitted, insertForm, insertPage, pageVisited } from './inbound-kit';
import { JourneyEventsKit } from './journey-events-kit';
import { DAY_MS, tally, type Workspace as Ws, Workspace } from './scheduler-harness';

/**
 * Issue 24: triggers that wait for a form submission or a page visit (docs/scheduler.md#inbound-journeys), and the
 * create-lead tile's leads as lead_generated events (docs/scheduler.md#tiles).
 */
describe('form and page triggers, lead events', () => {
  const suite = JourneyEventsKit.forSuite();

  /** segment → email → trigger (`config`) → true: yes, false: no. */
  const waiting = (ws: Ws, segmentId: string, emailId: string, config: Tile['config']): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segmentId] } },
      { id: 'mail', type: 'email', next: ['trig'], config: { email_id: emailId } },
      { id: 'trig', type: 'trigger', next: ['yes', 'no'], config },
      { id: 'yes', type: 'end' },
      { id: 'no', type: 'end' },
    ],
  });

  it('a waiting contact who submits the form or visits the page takes the true path at once; the others time out', async () => {
    const rig = suite.rig;
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(6);
    const [early, submitter, visitor, scanned, anonymous] = contacts as [string, string, string, string, string];
    const form = await insertForm(rig.pool, ws.id);
    const page = await insertPage(rig.pool, ws.id);
    const emailId = await ws.email();
    // Submitted before the journey existed: a trigger counts only what a contact does after reaching it. The
    // second submission (same contact, so the same partition, after it) enters a probe journey: once it has, the
    // first has been consumed.
    const probeForm = await insertForm(rig.pool, ws.id);
    const probe = await ws.liveJourney({
      tiles: [
        { id: 'signup', type: 'form', next: ['end'], config: { form_id: probeForm } },
        { id: 'end', type: 'end' },
      ],
    });
    await produce(suite.kit.env.kafka, suite.kit.env.topics, [
      formSubmitted(ws.id, early, form),
      formSubmitted(ws.id, early, probeForm),
    ]);
    await waitFor(
      () => rig.positions(probe),
      (p) => p.get(early) === 'end/done',
      30_000,
    );
    const segment = await ws.segment(contacts);
    const onForm = await ws.liveJourney(
      waiting(ws, segment, emailId, { condition: 'form_submitted', form_id: form, timeout_days: 2 }),
    );
    const onPage = await ws.liveJourney(
      waiting(ws, segment, emailId, { condition: 'page_visited', page_id: page, timeout_hours: 5 }),
    );
    const notOnPage = await ws.liveJourney(
      waiting(ws, segment, emailId, { condition: 'not_page_visited', page_id: page, timeout_hours: 5 }),
    );
    for (const journey of [onForm, onPage, notOnPage])
      await waitFor(
        () => rig.positions(journey),
        (p) => tally(p)['trig/waiting'] === 6,
        30_000,
      );
    const activity: CairnEvent[] = [
      formSubmitted(ws.id, submitter, form),
      formSubmitted(ws.id, submitter, form),
      pageVisited(ws.id, visitor, page),
      pageVisited(ws.id, scanned, page, true), // a scanner fetching the page: no visit
      pageVisited(ws.id, '', page), // anonymous: nobody to wake
      formSubmitted(ws.id, anonymous, await insertForm(rig.pool, ws.id)), // another form
    ];
    await produce(suite.kit.env.kafka, suite.kit.env.topics, activity);
    await waitFor(
      () => Promise.all([rig.positions(onForm), rig.positions(onPage)]),
      ([f, p]) => f.get(submitter) === 'yes/done' && p.get(visitor) === 'yes/done',
      15_000,
    );
    expect(tally(await rig.positions(onForm))).toEqual({ 'yes/done': 1, 'trig/waiting': 5 });
    expect(tally(await rig.positions(onPage))).toEqual({ 'yes/done': 1, 'trig/waiting': 5 });
    expect(tally(await rig.positions(notOnPage))).toEqual({ 'trig/waiting': 6 });
    // a redelivery of the batch records and wakes nothing more
    expect(await recordWebActivity(rig.pool, activity, rig.clock.now())).toEqual({ woken: [], outbox: false });

    rig.clock.advance(2 * DAY_MS + 60_000);
    await rig.scheduler.tick();
    const ended = (p: Map<string, string>) => ![...p.values()].includes('trig/waiting');
    const [f, p, n] = await waitFor(
      () => Promise.all([rig.positions(onForm), rig.positions(onPage), rig.positions(notOnPage)]),
      (all) => all.every(ended),
      30_000,
    );
    expect(tally(f)).toEqual({ 'yes/done': 1, 'no/done': 5 });
    expect(f.get(early)).toBe('no/done');
    expect(tally(p)).toEqual({ 'yes/done': 1, 'no/done': 5 });
    expect(tally(n)).toEqual({ 'yes/done': 5, 'no/done': 1 });
    expect(n.get(visitor)).toBe('no/done');
  });

  it('on a journey that targets accounts, one contact’s submission meets the trigger for its account', async () => {
    const rig = suite.rig;
    const ws = await new Workspace(rig.pool).create();
    const [acme, other] = [await ws.account(), await ws.account()];
    const colleagues = await ws.contacts(2, { account_id: acme });
    const outsider = (await ws.contacts(1, { account_id: other }))[0]!;
    const form = await insertForm(rig.pool, ws.id);
    const journeyId = await ws.liveJourney(
      waiting(ws, await ws.segment([...colleagues, outsider]), await ws.email(), {
        condition: 'form_submitted',
        form_id: form,
        timeout_days: 1,
      }),
      { target: 'accounts' },
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['trig/waiting'] === 3,
      30_000,
    );
    await produce(suite.kit.env.kafka, suite.kit.env.topics, [formSubmitted(ws.id, colleagues[0]!, form)]);
    const moved = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['yes/done'] === 2,
      15_000,
    );
    expect(Object.fromEntries(moved)).toEqual({
      [colleagues[0]!]: 'yes/done',
      [colleagues[1]!]: 'yes/done',
      [outsider]: 'trig/waiting',
    });
  });

  it('a create-lead tile emits one lead_generated (origin tile) per lead, also when its step is replayed', async () => {
    const rig = suite.rig;
    const reader = await new TopicReader(suite.kit.env.kafka, [suite.kit.env.topics.emailEvents]).start();
    try {
      const ws = await new Workspace(rig.pool).create();
      const contacts = await ws.contacts(3);
      const account = await ws.account();
      const colleagues = await ws.contacts(2, { account_id: account });
      const graph = (segmentId: string): JourneyGraph => ({
        tiles: [
          { id: 'seg', type: 'segment', next: ['lead'], config: { segment_ids: [segmentId] } },
          { id: 'lead', type: 'create_lead', next: ['end'], config: { title: 'Inbound' } },
          { id: 'end', type: 'end' },
        ],
      });
      const byContact = await ws.liveJourney(graph(await ws.segment(contacts)));
      const byAccount = await ws.liveJourney(graph(await ws.segment(colleagues)), { target: 'accounts' });
      const leadEvents = () =>
        reader.events.filter(
          (e) => e.type === 'lead_generated' && (e.data.journey_id === byContact || e.data.journey_id === byAccount),
        );
      await waitFor(
        () => Promise.resolve(leadEvents()),
        (found) => found.length === 4,
        30_000,
      );

      // The step again, as if its contacts were claimed anew: the leads exist, so no second event.
      await rig.pool.query(
        `UPDATE journey_contacts SET tile_id = 'lead', state = 'at' WHERE journey_id = ANY($1::uuid[])`,
        [[byContact, byAccount]],
      );
      await rig.scheduler.tick();
      await waitFor(
        () => Promise.all([rig.positions(byContact), rig.positions(byAccount)]),
        (all) => all.every((p) => tally(p)['end/done'] === p.size),
      );
      await waitFor(() => rig.outboxEmpty(), Boolean, 20_000);
      // a sentinel through the same topic: once it is read, anything the replay produced has been read too
      const sentinel = formSubmitted(ws.id, contacts[0]!, ws.id);
      await produce(suite.kit.env.kafka, suite.kit.env.topics, [sentinel]);
      await waitFor(
        () => Promise.resolve(reader.events.some((e) => e.data.event_id === sentinel.data.event_id)),
        Boolean,
      );
      const events = leadEvents();
      const { rows: leads } = await rig.pool.query<{ id: string; once_key: string; origin: string }>(
        'SELECT id::text, once_key, origin FROM leads WHERE journey_id = ANY($1::uuid[])',
        [[byContact, byAccount]],
      );
      expect(leads.map((l) => l.origin)).toEqual(['tile', 'tile', 'tile', 'tile']);
      expect(events.map((e) => e.data.event_id).sort()).toEqual(
        leads.map((l) => tileEventId('lead_generated', l.once_key)).sort(),
      );
      for (const e of events)
        expect(e.data).toMatchObject({
          message_id: '',
          email_id: '',
          email_version: 0,
          tile_id: 'lead',
          origin: 'tile',
        });
      expect(events.filter((e) => e.data.journey_id === byAccount)).toHaveLength(1);
    } finally {
      await reader.stop();
    }
  });
});
