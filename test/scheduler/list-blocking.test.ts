import { unsubscribeContact } from '../../lib/domain/subscriptions/subscriptions-repository';
import { client, createWorkspace } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { JourneyEventsKit } from './journey-events-kit';
import { tally, Workspace } from './scheduler-harness';

/**
 * A journey whose segment tile targets a subscription list protects that list like `settings.list_id`: it
 * takes a contact who unsubscribes from the list off the journey, even partway through, but a contact an operator
 * removed from the list by hand goes on with the journeys it is already on (docs/scheduler.md#blocking).
 */
describe('blocking on the lists a journey targets', () => {
  const suite = JourneyEventsKit.forSuite();

  it('blocks who unsubscribed from the targeted list before its next tile; a removal by hand through the API goes on', async () => {
    const { id, key } = await createWorkspace(suite.kit);
    const api = client(suite.kit, key);
    const ws = new Workspace(suite.rig.pool, id);
    const contacts = await ws.contacts(4);
    const [unsubscribed, removed, removedThenUnsubscribed, stays] = contacts as [string, string, string, string];
    const list = await ws.list(contacts);
    const email = await ws.email();
    // No settings.list_id: the segment tile's list is the only list the journey names.
    const journeyId = await ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['wait'], config: { segment_ids: [], list_ids: [list] } },
        { id: 'wait', type: 'scheduler', next: ['mail'], config: { wait_hours: 2 } },
        { id: 'mail', type: 'email', next: ['end'], config: { email_id: email } },
        { id: 'end', type: 'end' },
      ],
    });
    await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === 4,
    );

    // The contact's own unsubscribe (the writer ingest's one-click and subscription center and mailto all use) ...
    expect(
      await unsubscribeContact(suite.rig.pool, { workspaceId: id, contactId: unsubscribed, listId: list }),
    ).toEqual([list]);
    // ... and an operator's removals by hand; one of those contacts then unsubscribes itself as well.
    for (const contact of [removed, removedThenUnsubscribed])
      expect((await api('DELETE', `/v1/lists/${list}/members/${contact}`)).statusCode).toBe(204);
    await unsubscribeContact(suite.rig.pool, { workspaceId: id, contactId: removedThenUnsubscribed, listId: null });
    const members = (await api('GET', `/v1/lists/${list}/members`)).json<{
      items: { contact_id: string; removed_by_hand: boolean }[];
    }>();
    expect(members.items.find((m) => m.contact_id === removed)?.removed_by_hand).toBe(true);
    expect(members.items.find((m) => m.contact_id === removedThenUnsubscribed)?.removed_by_hand).toBe(false);

    suite.rig.clock.advance(3 * 3_600_000);
    await suite.rig.scheduler.tick();
    const final = await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => tally(p)['end/done'] === 2,
    );
    expect(Object.fromEntries(contacts.map((c) => [c, final.get(c)]))).toEqual({
      [unsubscribed]: 'mail/blocked',
      [removed]: 'end/done',
      [removedThenUnsubscribed]: 'mail/blocked',
      [stays]: 'end/done',
    });
    const sent = (await suite.rig.sendRequests()).filter((r) => r.journey_id === journeyId).map((r) => r.contact_id);
    expect(sent.sort()).toEqual([removed, stays].sort());
    const blocked = await waitFor(
      async () => suite.events.blocked([journeyId]),
      (found) => found.length === 2,
    );
    expect(blocked.sort()).toEqual(
      [`${unsubscribed}:mail:unsubscribed`, `${removedThenUnsubscribed}:mail:unsubscribed`].sort(),
    );
  });

  it("a removal by hand from settings.list_id keeps the contact on the journey; the contact's own unsubscribe blocks it", async () => {
    const { id, key } = await createWorkspace(suite.kit);
    const ws = new Workspace(suite.rig.pool, id);
    const contacts = await ws.contacts(2);
    const [removed, unsubscribed] = contacts as [string, string];
    const list = await ws.list(contacts);
    const segment = await ws.segment(contacts);
    const journeyId = await ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['wait'], config: { segment_ids: [segment] } },
          { id: 'wait', type: 'scheduler', next: ['end'], config: { wait_hours: 2 } },
          { id: 'end', type: 'end' },
        ],
      },
      { list_id: list },
    );
    await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === 2,
    );
    expect((await client(suite.kit, key)('DELETE', `/v1/lists/${list}/members/${removed}`)).statusCode).toBe(204);
    await unsubscribeContact(suite.rig.pool, { workspaceId: id, contactId: unsubscribed, listId: list });
    suite.rig.clock.advance(3 * 3_600_000);
    await suite.rig.scheduler.tick();
    const final = await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === undefined,
    );
    expect([final.get(removed), final.get(unsubscribed)]).toEqual(['end/done', 'end/blocked']);
  });
});
