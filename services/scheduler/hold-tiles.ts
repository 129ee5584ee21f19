import type { TriggerCondition } from '../../lib/domain/journeys/journey-graph';
import { nextOf, targetsAccounts } from './journey-runtime';
import { contactsAtScore } from './lead-score-met';
import { advance, rest, type Claimed, type StepContext } from './tile-moves';
import { BOUNCED_KINDS, matches, parseCondition, triggerTimeoutAt, waitUntil, type EngagementKind } from './tile-rules';

// The tiles that hold contacts, trigger and wait: who is due now, who waits, and down which path a trigger sends.

/**
 * Trigger and wait tiles hold the contact: waiting until due_at (a trigger is woken earlier by its engagement).
 * A contact whose time has already come (a wait until a past date, a trigger whose engagement came before the
 * contact reached it) goes on at once, in this step.
 */
export async function holdArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  const config = ctx.tile.config ?? {};
  const isTrigger = ctx.tile.type === 'trigger';
  const immediate = isTrigger && !parseCondition(config.condition as TriggerCondition, config.link_id).decidedAtTimeout;
  const met = immediate ? await metFor(ctx, contacts) : new Set<string>();
  const dueNow: Claimed[] = [];
  // The time depends on the contact only through its time zone (weekday windows): computed once per zone.
  const dueByZone = new Map<string | null, number>();
  const dueOf = (zone: string | null): number => {
    let due = dueByZone.get(zone);
    if (due === undefined) {
      due = isTrigger
        ? triggerTimeoutAt(config, ctx.now, ctx.journey.zone)
        : waitUntil(config, ctx.now, ctx.journey.zone, zone);
      dueByZone.set(zone, due);
    }
    return due;
  };
  for (const c of contacts) {
    const dueAt = dueOf(isTrigger ? null : c.timeZone);
    if (met.has(c.contactId) || dueAt <= ctx.now) dueNow.push(c);
    else rest(ctx, c, 'waiting', dueAt);
  }
  if (dueNow.length > 0) await releaseDue(ctx, dueNow, immediate ? met : undefined);
}

function groupBy<T>(items: T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * A web condition (form_submitted, page_visited): met by the contacts whose submission or visit was recorded at
 * this trigger while they waited there (journey_web_engagements, web-activity.ts), negation applied. A lead score
 * condition is recorded there too when the score reaches N, and is also met by a score already there now.
 */
async function webMetFor(ctx: StepContext, contacts: Claimed[], negated: boolean): Promise<Set<string>> {
  const { rows } = await ctx.client.query<{ contact_id: string }>(
    `SELECT contact_id FROM journey_web_engagements
     WHERE journey_id = $1 AND iteration = ANY($2::int[]) AND trigger_tile_id = $3 AND contact_id = ANY($4::uuid[])`,
    [ctx.journey.row.id, [...new Set(contacts.map((c) => c.iteration))], ctx.tile.id, contacts.map((c) => c.contactId)],
  );
  const engaged = new Set(rows.map((r) => r.contact_id));
  if (parseCondition(ctx.tile.config?.condition as TriggerCondition).kind === 'lead_score')
    for (const id of await contactsAtScore(
      ctx.client,
      ctx.tile,
      contacts.map((c) => c.contactId),
      ctx.now,
    ))
      engaged.add(id);
  return new Set(contacts.filter((c) => engaged.has(c.contactId) !== negated).map((c) => c.contactId));
}

/** The contacts (of `contacts`) whose engagement meets the trigger's condition, negation applied. */
export async function metFor(ctx: StepContext, contacts: Claimed[]): Promise<Set<string>> {
  const config = ctx.tile.config ?? {};
  const condition = parseCondition(config.condition as TriggerCondition, config.link_id);
  if (condition.web) return webMetFor(ctx, contacts, condition.negated);
  const byAccount = targetsAccounts(ctx.journey);
  const { rows } = await ctx.client.query<{
    contact_id: string;
    account_id: string | null;
    kind: EngagementKind;
    link_id: string;
  }>(
    `SELECT contact_id, account_id, kind, link_id FROM journey_engagements
     WHERE journey_id = $1 AND iteration = ANY($2::int[]) AND email_tile_id = $3 AND (contact_id = ANY($4::uuid[]) OR account_id = ANY($5::uuid[]))`,
    [
      ctx.journey.row.id,
      [...new Set(contacts.map((c) => c.iteration))],
      String(config.email_tile_id ?? ''),
      contacts.map((c) => c.contactId),
      byAccount ? contacts.flatMap((c) => (c.accountId ? [c.accountId] : [])) : [],
    ],
  );
  const byContact = groupBy(rows, (row) => row.contact_id);
  const byAccountId = byAccount ? groupBy(rows, (row) => row.account_id) : new Map<string, typeof rows>();
  const met = new Set<string>();
  for (const c of contacts) {
    const mine =
      byAccount && c.accountId !== null
        ? (byAccountId.get(c.accountId) ?? []).concat(byContact.get(c.contactId) ?? [])
        : (byContact.get(c.contactId) ?? []);
    const engaged = mine.some((r) => matches(condition, { kind: r.kind, linkId: r.link_id }));
    // delivered = sent and not bounced, whatever the class, as the KPI (docs/kpis.md#bounces-and-delivered)
    const base = condition.kind === 'delivered' ? engaged && !mine.some((r) => BOUNCED_KINDS.has(r.kind)) : engaged;
    if (base !== condition.negated) met.add(c.contactId);
  }
  return met;
}

/** Contacts whose wait is over or whose trigger was woken: on down the tile's paths. `met`: already decided. */
export async function releaseDue(ctx: StepContext, contacts: Claimed[], known?: Set<string>): Promise<void> {
  const next = nextOf(ctx.journey, ctx.tile.id);
  if (ctx.tile.type !== 'trigger') {
    for (const c of contacts) advance(ctx, c, next[0]);
    return;
  }
  const met = known ?? (await metFor(ctx, contacts));
  for (const c of contacts) {
    const yes = met.has(c.contactId);
    advance(ctx, c, yes ? next[0] : next[1], yes ? 'true' : 'false');
  }
}
