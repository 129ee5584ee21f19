import type { PoolClient } from 'pg';
import type { ErrorCode } from '../../lib/platform/errors';
import type { Tile, TriggerCondition } from '../../lib/domain/journeys/journey-graph';
import { sendRequestKey } from '../../lib/contracts/sending/send-request';
import { nextOf, targetsAccounts, type JourneyRuntime } from './journey-runtime';
import type { StepEffects } from './step-effects';
import {
  matches,
  onceKey,
  parseCondition,
  splitterPathIndex,
  triggerTimeoutAt,
  waitUntil,
  type EngagementKind,
} from './tile-rules';

/** A contact the step holds, with what the tiles need to know about it. */
export interface Claimed {
  iteration: number;
  contactId: string;
  accountId: string | null;
  timeZone: string | null;
}

export interface StepContext {
  client: PoolClient;
  journey: JourneyRuntime;
  tile: Tile;
  now: number;
  effects: StepEffects;
  /** hands contacts to a tile later in the same step (contact-flow.ts) */
  arrive(tileId: string, contact: Claimed): void;
}

const DAY_MS = 86_400_000;

const rest = (
  ctx: StepContext,
  c: Claimed,
  state: 'done' | 'failed' | 'blocked' | 'waiting',
  dueAt: number | null = null,
): void =>
  ctx.effects.move({
    iteration: c.iteration,
    contactId: c.contactId,
    accountId: c.accountId,
    tileId: ctx.tile.id,
    state,
    dueAt,
  });

/** Processed here, then on to `to` within the same step (or done at this tile when it has no next tile). */
export function advance(ctx: StepContext, c: Claimed, to: string | undefined, path?: string): void {
  const { tile, effects } = ctx;
  effects.event('tile_processed', tile, c.iteration, c.contactId);
  if (path !== undefined) effects.event('tile_path_taken', tile, c.iteration, c.contactId, path);
  const target = to ? ctx.journey.index.byId.get(to) : undefined;
  if (!target) return rest(ctx, c, 'done');
  effects.event('tile_inflow', target, c.iteration, c.contactId);
  ctx.arrive(target.id, c);
}

export function fail(ctx: StepContext, c: Claimed, code: ErrorCode, message: string): void {
  ctx.effects.event('tile_failed', ctx.tile, c.iteration, c.contactId, `${code}|${message}`);
  rest(ctx, c, 'failed');
}

export function block(ctx: StepContext, c: Claimed, reason: string): void {
  ctx.effects.event('tile_blocked', ctx.tile, c.iteration, c.contactId, reason);
  rest(ctx, c, 'blocked');
}

/** Per account when the journey targets accounts and the contact has one, else per contact. */
const subjectOf = (ctx: StepContext, c: Claimed): { contactId: string | null; accountId: string | null; id: string } =>
  targetsAccounts(ctx.journey) && c.accountId
    ? { contactId: null, accountId: c.accountId, id: c.accountId }
    : { contactId: c.contactId, accountId: c.accountId, id: c.contactId };

const keyOf = (ctx: StepContext, c: Claimed, subjectId: string): string =>
  onceKey({ journeyId: ctx.journey.row.id, tileId: ctx.tile.id, iteration: c.iteration, subjectId });

async function emailArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  const emailId = String(ctx.tile.config?.email_id ?? '');
  const { rows } = await ctx.client.query<{ status: string; live_version: number | null }>(
    'SELECT status, live_version FROM emails WHERE id = $1::uuid AND workspace_id = $2',
    [emailId, ctx.journey.row.workspace_id],
  );
  const email = rows[0];
  const settings = ctx.journey.row.settings;
  for (const c of contacts) {
    if (!email || email.status !== 'live' || email.live_version === null) {
      fail(
        ctx,
        c,
        'JOURNEY_EMAIL_MISSING',
        email ? `email ${emailId} is ${email.status}` : `email ${emailId} was deleted`,
      );
      continue;
    }
    const parts = {
      journey_id: ctx.journey.row.id,
      tile_id: ctx.tile.id,
      iteration: c.iteration,
      contact_id: c.contactId,
    };
    ctx.effects.sends.push({
      key: sendRequestKey(parts),
      workspace_id: ctx.journey.row.workspace_id,
      ...parts,
      account_id: targetsAccounts(ctx.journey) ? c.accountId : null,
      email_id: emailId,
      email_version: email.live_version,
      list_id: settings.list_id ?? null,
      content_settings_id: settings.content_settings_id ?? null,
      min_consent: settings.min_consent ?? 0,
      requested_at: ctx.now,
    });
    advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}

function splitterArrivals(ctx: StepContext, contacts: Claimed[]): void {
  const next = nextOf(ctx.journey, ctx.tile.id);
  const percentages = (ctx.tile.config?.percentages as number[] | undefined) ?? [];
  for (const c of contacts) {
    const to = next[splitterPathIndex(ctx.journey.row.id, c.contactId, percentages)];
    advance(ctx, c, to, to);
  }
}

function activityArrivals(ctx: StepContext, contacts: Claimed[]): void {
  const config = ctx.tile.config ?? {};
  const dueInDays = typeof config.due_in_days === 'number' ? config.due_in_days : null;
  for (const c of contacts) {
    const subject = subjectOf(ctx, c);
    ctx.effects.tasks.push({
      onceKey: keyOf(ctx, c, subject.id),
      contactId: subject.contactId ?? c.contactId,
      accountId: subject.accountId,
      tileId: ctx.tile.id,
      kind: String(config.kind ?? 'task'),
      subject: String(config.subject ?? ''),
      dueAt: dueInDays === null ? null : ctx.now + dueInDays * DAY_MS,
    });
    advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}

function leadArrivals(ctx: StepContext, contacts: Claimed[]): void {
  for (const c of contacts) {
    const subject = subjectOf(ctx, c);
    ctx.effects.leads.push({
      onceKey: keyOf(ctx, c, subject.id),
      contactId: subject.contactId,
      accountId: subject.accountId,
      tileId: ctx.tile.id,
      title: String(ctx.tile.config?.title ?? ''),
    });
    advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}

function workflowArrivals(ctx: StepContext, contacts: Claimed[]): void {
  const config = ctx.tile.config ?? {};
  for (const c of contacts) {
    const subject = subjectOf(ctx, c);
    const key = keyOf(ctx, c, subject.id);
    const body = {
      key,
      workflow: config.workflow,
      workspace_id: ctx.journey.row.workspace_id,
      journey_id: ctx.journey.row.id,
      tile_id: ctx.tile.id,
      iteration: c.iteration,
      contact_id: subject.contactId ?? c.contactId,
      account_id: subject.accountId,
    };
    ctx.effects.webhooks.push({
      onceKey: key,
      payload: {
        v: 1,
        url: String(config.url ?? ''),
        workspace_id: ctx.journey.row.workspace_id,
        contact_id: c.contactId,
        body,
      },
    });
    advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}

/**
 * Trigger and wait tiles hold the contact: waiting until due_at (a trigger is woken earlier by its engagement).
 * A contact whose time has already come (a wait until a past date, a trigger whose engagement came before the
 * contact reached it) goes on at once, in this step.
 */
async function holdArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
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

/** The contacts (of `contacts`) whose engagement meets the trigger's condition, negation applied. */
export async function metFor(ctx: StepContext, contacts: Claimed[]): Promise<Set<string>> {
  const config = ctx.tile.config ?? {};
  const condition = parseCondition(config.condition as TriggerCondition, config.link_id);
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
    // delivered = sent and not (hard) bounced (docs/kpis.md#bounces-and-delivered)
    const base = condition.kind === 'delivered' ? engaged && !mine.some((r) => r.kind === 'hard_bounced') : engaged;
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

export async function handleArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  switch (ctx.tile.type) {
    case 'email':
      return emailArrivals(ctx, contacts);
    case 'splitter':
      return splitterArrivals(ctx, contacts);
    case 'trigger':
    case 'scheduler':
      return holdArrivals(ctx, contacts);
    case 'activity':
      return activityArrivals(ctx, contacts);
    case 'create_lead':
      return leadArrivals(ctx, contacts);
    case 'launch_workflow':
      return workflowArrivals(ctx, contacts);
    case 'end':
      for (const c of contacts) advance(ctx, c, undefined);
      return;
    default:
      for (const c of contacts) advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}
