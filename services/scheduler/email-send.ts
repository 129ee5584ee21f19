import { sendRequestKey } from '../../lib/contracts/sending/send-request';
import { HOLDOUT_REASON, isHeldOut } from '../../lib/domain/journeys/holdout';
import { capRulesOf, takeCapSlots } from './frequency-cap';
import { nextOf, targetsAccounts } from './journey-runtime';
import { quietHolds, workspaceSending, type WorkspaceSending } from './quiet-hours';
import { sendTimeHolds } from './send-time';
import { advance, blockAndGoOn, fail, rest, type Claimed, type StepContext } from './tile-moves';

// How a tile sends an email to the contacts it holds: the email tile's path, which the A/B test tile takes too
// (docs/scheduler.md#ab-test), so quiet hours, the holdout and the frequency cap apply to both alike.

/** The email's live version, or null after failing the contacts when it is gone or no longer live. */
async function liveVersion(ctx: StepContext, contacts: Claimed[], emailId: string): Promise<number | null> {
  const { rows } = await ctx.client.query<{ status: string; live_version: number | null }>(
    'SELECT status, live_version FROM emails WHERE id = $1::uuid AND workspace_id = $2',
    [emailId, ctx.journey.row.workspace_id],
  );
  const email = rows[0];
  if (email && email.status === 'live' && email.live_version !== null) return email.live_version;
  const why = email ? `email ${emailId} is ${email.status}` : `email ${emailId} was deleted`;
  for (const c of contacts) fail(ctx, c, 'JOURNEY_EMAIL_MISSING', why);
  return null;
}

/**
 * Send-time optimisation, then quiet hours, hold contacts at the tile, waiting (Processing), until their time
 * (docs/scheduler.md#send-time-optimisation, docs/scheduler.md#quiet-hours); a held contact takes no frequency cap
 * slot until its send is written. The rest are sent now.
 */
async function sentNow(
  ctx: StepContext,
  contacts: Claimed[],
): Promise<{ workspace: WorkspaceSending; sending: Claimed[] }> {
  const workspace = await workspaceSending(ctx);
  const timed = await sendTimeHolds(ctx, workspace, contacts);
  const arriving = contacts.filter((c) => !timed.has(c.contactId));
  const held = quietHolds(ctx, workspace, arriving);
  const sending = arriving.filter((c) => {
    const until = held.get(c.contactId);
    if (until === undefined) return true;
    rest(ctx, c, 'waiting', until);
    // NOTE: once per (journey, tile, iteration, contact): the event id derives from that key, and a released
    // contact is outside the window, so it is not held here again (docs/scheduler.md#quiet-hours)
    ctx.effects.event('contact_held', ctx.tile, c.iteration, c.contactId, `quiet_hours|${until}`);
    return false;
  });
  return { workspace, sending };
}

/**
 * Sends `emailId` to the contacts and hands them on to the tile's next tile; returns those whose send request
 * was written (the step's transaction writes it with their move: docs/scheduler.md#exactly-once).
 */
export async function sendEmail(ctx: StepContext, contacts: Claimed[], emailId: string): Promise<Claimed[]> {
  const version = await liveVersion(ctx, contacts, emailId);
  if (version === null) return [];
  const { workspace, sending } = await sentNow(ctx, contacts);
  const settings = ctx.journey.row.settings;
  const heldOut = (c: Claimed) => isHeldOut(settings.holdout, ctx.journey.row.id, c.contactId);
  const uncapped = await uncappedContacts(
    ctx,
    workspace,
    sending.filter((c) => !heldOut(c)),
  );
  const next = nextOf(ctx.journey, ctx.tile.id)[0];
  const sent: Claimed[] = [];
  for (const c of sending) {
    // the control group travels on without mail (docs/scheduler.md#holdout), counted Blocked holdout
    if (heldOut(c)) blockAndGoOn(ctx, c, HOLDOUT_REASON, next);
    else if (!uncapped.has(c.contactId)) blockAndGoOn(ctx, c, 'frequency_cap', next);
    else {
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
        email_version: version,
        list_id: settings.list_id ?? null,
        content_settings_id: settings.content_settings_id ?? null,
        min_consent: settings.min_consent ?? 0,
        requested_at: ctx.now,
      });
      advance(ctx, c, next);
      sent.push(c);
    }
  }
  return sent;
}

/**
 * The contacts the workspace's frequency cap lets this email reach now, each taking a slot (frequency-cap.ts);
 * a transactional journey is not capped and takes none (docs/scheduler.md#frequency-cap).
 */
async function uncappedContacts(
  ctx: StepContext,
  workspace: WorkspaceSending,
  contacts: Claimed[],
): Promise<Set<string>> {
  const ids = contacts.map((c) => c.contactId);
  if (ctx.journey.row.settings.transactional === true) return new Set(ids);
  const rules = capRulesOf(workspace.frequency_caps);
  return takeCapSlots(ctx.client, ctx.journey.row.workspace_id, rules, ids, ctx.now);
}
