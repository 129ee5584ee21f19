import { HOLDOUT_REASON, isHeldOut } from '../../lib/domain/journeys/holdout';
import { nextOf, targetsAccounts } from './journey-runtime';
import { holdArrivals } from './hold-tiles';
import { abArrivals } from './ab-test-tile';
import { sendEmail } from './email-send';
import { advance, blockAndGoOn, type Claimed, type StepContext } from './tile-moves';
import { onceKey, splitterPathIndex } from './tile-rules';

const DAY_MS = 86_400_000;

/** Per account when the journey targets accounts and the contact has one, else per contact. */
const subjectOf = (ctx: StepContext, c: Claimed): { contactId: string | null; accountId: string | null; id: string } =>
  targetsAccounts(ctx.journey) && c.accountId
    ? { contactId: null, accountId: c.accountId, id: c.accountId }
    : { contactId: c.contactId, accountId: c.accountId, id: c.contactId };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tile's owner_id, checked at go-live to name a user of the workspace (docs/api.md#graph-libdomainjourneysjourney-graphts). */
const ownerOf = (ctx: StepContext): string | null => {
  const owner = ctx.tile.config?.owner_id;
  return typeof owner === 'string' && UUID.test(owner) ? owner : null;
};

const keyOf = (ctx: StepContext, c: Claimed, subjectId: string): string =>
  onceKey({ journeyId: ctx.journey.row.id, tileId: ctx.tile.id, iteration: c.iteration, subjectId });

async function emailArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  await sendEmail(ctx, contacts, String(ctx.tile.config?.email_id ?? ''));
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
      ownerId: ownerOf(ctx),
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
      ownerId: ownerOf(ctx),
      title: String(ctx.tile.config?.title ?? ''),
      arrivedContactId: c.contactId,
      iteration: c.iteration,
    });
    advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}

function workflowArrivals(ctx: StepContext, contacts: Claimed[]): void {
  const config = ctx.tile.config ?? {};
  const next = nextOf(ctx.journey, ctx.tile.id)[0];
  for (const c of contacts) {
    if (isHeldOut(ctx.journey.row.settings.holdout, ctx.journey.row.id, c.contactId)) {
      // a workflow may message the contact, so the control group gets none (docs/scheduler.md#holdout)
      blockAndGoOn(ctx, c, HOLDOUT_REASON, next);
      continue;
    }
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
    advance(ctx, c, next);
  }
}

export async function handleArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  switch (ctx.tile.type) {
    case 'email':
      return emailArrivals(ctx, contacts);
    case 'ab_test':
      return abArrivals(ctx, contacts);
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
      // an entry tile (segment, form): the go-live check lets it name exactly one next tile (docs/api.md, Journeys, Graph)
      for (const c of contacts) advance(ctx, c, nextOf(ctx.journey, ctx.tile.id)[0]);
  }
}
