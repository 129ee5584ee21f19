import type { PoolClient } from 'pg';
import { protectedListIds, unsubscribedProbeSql } from '../../lib/domain/journeys/journey-lists';
import type { JourneyRuntime } from './journey-runtime';
import { releaseDue } from './hold-tiles';
import { handleArrivals } from './tile-handlers';
import { block, fail, type Claimed, type StepContext } from './tile-moves';

interface ContactFacts {
  id: string;
  exists: boolean;
  time_zone: string | null;
  account_id: string | null;
  consent_level: number | null;
  unsubscribed: boolean;
  suppressed: boolean;
}

/**
 * What blocking needs to know about the step's contacts, read once: the step is one transaction, so every tile
 * it takes a contact through sees the same facts.
 */
async function loadFacts(
  client: PoolClient,
  journey: JourneyRuntime,
  contactIds: string[],
): Promise<{ facts: Map<string, ContactFacts>; listGone: boolean }> {
  const settings = journey.row.settings;
  const listId = settings.list_id ?? null;
  const { rows } = await client.query<ContactFacts>(
    // One primary-key probe per contact and table (OFFSET 0 keeps the planner from hashing whole tables for a
    // batch of a few thousand: a step then costs the same at a thousand contacts and at ten million).
    `SELECT x.id, c.id IS NOT NULL AS exists, c.time_zone, c.account_id, c.consent_level,
            (lm.unsubscribed IS NOT NULL) AS unsubscribed, (sm.contact_id IS NOT NULL) AS suppressed
     FROM unnest($1::uuid[]) AS x(id)
     LEFT JOIN LATERAL (SELECT id, time_zone, account_id, consent_level FROM contacts WHERE id = x.id OFFSET 0) c ON true
     LEFT JOIN LATERAL ${unsubscribedProbeSql('$2::uuid[]', 'x.id')} lm ON true
     LEFT JOIN LATERAL (SELECT contact_id FROM segment_members WHERE segment_id = $3::uuid AND contact_id = x.id OFFSET 0) sm ON true`,
    [contactIds, protectedListIds(journey.row.graph, settings), settings.suppression_segment_id ?? null],
  );
  const listGone =
    listId !== null && (await client.query('SELECT 1 FROM subscription_lists WHERE id = $1', [listId])).rowCount === 0;
  return { facts: new Map(rows.map((f) => [f.id, f])), listGone };
}

/**
 * Moves the contacts a step holds through as many tiles as they can go now: a contact handed to a tile is
 * processed by it in the same step, until it waits (trigger, wait), ends, is blocked or fails. One pass in
 * topological order visits each tile once, with every contact that reached it, so a batch of 5,000 contacts
 * costs one query per tile it crosses and one write of where each came to rest.
 */
export class ContactFlow {
  private readonly pending = new Map<string, Claimed[]>();

  private constructor(
    private readonly base: Omit<StepContext, 'tile' | 'arrive'>,
    private readonly facts: Map<string, ContactFacts>,
    private readonly listGone: boolean,
  ) {}

  static async open(base: Omit<StepContext, 'tile' | 'arrive'>, contactIds: string[]): Promise<ContactFlow> {
    const { facts, listGone } = await loadFacts(base.client, base.journey, contactIds);
    return new ContactFlow(base, facts, listGone);
  }

  /** The contact's account as the contacts table has it now (entry), or null when the contact is gone. */
  accountOf(contactId: string): string | null {
    return this.facts.get(contactId)?.account_id ?? null;
  }

  readonly arrive = (tileId: string, contact: Claimed): void => {
    const queue = this.pending.get(tileId);
    if (queue) queue.push(contact);
    else this.pending.set(tileId, [contact]);
  };

  /**
   * Waiting contacts whose time came (or whose trigger was woken) leave their tile. An email tile holds contacts
   * through quiet hours and until their send time: released, they reach it again in this step, blocking checked
   * anew, and are sent (docs/scheduler.md#quiet-hours, docs/scheduler.md#send-time-optimisation).
   */
  async release(tileId: string, contacts: Claimed[]): Promise<void> {
    if (contacts.length === 0) return;
    const ctx = this.context(tileId);
    // an A/B test tile holds them too, until the decision (docs/scheduler.md#ab-test)
    if (ctx.tile.type === 'email' || ctx.tile.type === 'ab_test')
      for (const c of contacts) this.arrive(tileId, { ...c, released: true });
    else await releaseDue(ctx, contacts);
  }

  async run(): Promise<void> {
    for (const tileId of this.base.journey.order) {
      const contacts = this.pending.get(tileId);
      if (!contacts) continue;
      this.pending.delete(tileId);
      const ctx = this.context(tileId);
      const admitted = contacts.filter((c) => this.admit(ctx, c));
      if (admitted.length > 0) await handleArrivals(ctx, admitted);
    }
    // Only a graph with a cycle (refused at go-live) sends contacts back to a tile already passed: they stay
    // there, to be processed by a later step.
    for (const [tileId, contacts] of this.pending)
      for (const c of contacts)
        this.base.effects.move({
          iteration: c.iteration,
          contactId: c.contactId,
          accountId: c.accountId,
          tileId,
          state: 'at',
          dueAt: null,
        });
    this.pending.clear();
  }

  private context(tileId: string): StepContext {
    const tile = this.base.journey.index.byId.get(tileId);
    if (!tile) throw new Error(`tile ${tileId} is not in the journey`);
    return { ...this.base, tile, arrive: this.arrive };
  }

  /**
   * Blocking before every tile (docs/scheduler.md#blocking): unsubscribed from the journey's list or a list its segment
   * tile targets (not removed by hand), in its suppression segment, or consent below its minimum. A contact deleted meanwhile, or a deleted list, fails the tile instead.
   */
  private admit(ctx: StepContext, c: Claimed): boolean {
    const f = this.facts.get(c.contactId);
    if (!f?.exists) fail(ctx, c, 'JOURNEY_CONTACT_MISSING', `contact ${c.contactId}`);
    else if (this.listGone) fail(ctx, c, 'JOURNEY_LIST_MISSING', `list ${ctx.journey.row.settings.list_id}`);
    else if (f.unsubscribed) block(ctx, c, 'unsubscribed');
    else if (f.suppressed) block(ctx, c, 'suppression_segment');
    else if ((f.consent_level ?? 0) < (ctx.journey.row.settings.min_consent ?? 0))
      block(ctx, c, 'consent_below_minimum');
    else {
      c.timeZone = f.time_zone;
      return true;
    }
    return false;
  }
}
