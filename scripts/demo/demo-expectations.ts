import type { Campaign, DemoContact, EmailTile } from './campaign-setup';
import type { DemoLedger, EmailLedger } from './demo-ledger';
import { isHeldOut } from '../../lib/domain/journeys/holdout';
import { DEMO_HOLDOUT } from './campaign-setup';
import { MIN_CONSENT } from './recipient-plan';

/** A tile's counts as the journey engine must report them, in contacts. */
export interface TileExpectation {
  inflow: number;
  processed: number;
  blocked: number;
  failed: number;
  paths?: Record<string, number>;
}

/** What one email tile must have sent, from the contacts that reached it. */
export interface EmailExpectation {
  /** send requests the journey made: contacts processed by the email tile */
  targeted: number;
  blockedByReason: Record<string, number>;
  /** attempts to addresses suppressed by a hard bounce / a complaint: counted, never handed to SMTP */
  suppressedHard: number;
  suppressedComplaint: number;
  /** who must have received it (the inbox) */
  recipients: Set<string>;
}

export interface Expected {
  audience: number;
  consentBlocked: Set<string>;
  truePath: Set<string>;
  falsePath: Set<string>;
  /** the entrants the holdout keeps from every email (the same hash as the engine's) */
  heldOut: Set<string>;
  /** contacts blocked as unsubscribed before the reminder */
  remindUnsubscribed: number;
  tiles: Record<string, TileExpectation>;
  emails: Record<EmailTile, EmailExpectation>;
}

const minus = (a: Set<string>, b: Set<string>): Set<string> => new Set([...a].filter((x) => !b.has(x)));
const and = (a: Set<string>, b: Set<string>): Set<string> => new Set([...a].filter((x) => b.has(x)));

function emailBlockReason(contact: DemoContact | undefined): string | null {
  if (contact?.doNotBulkEmail) return 'do_not_bulk_email';
  if (contact?.blocklisted) return 'blocklisted_address';
  return null;
}

function emailExpectation(
  targets: Set<string>,
  campaign: Campaign,
  ledger: DemoLedger,
  afterTimeout: boolean,
): EmailExpectation {
  const blockedByReason: Record<string, number> = {};
  const eligible = new Set<string>();
  for (const id of targets) {
    const reason = emailBlockReason(campaign.byId.get(id));
    if (reason) blockedByReason[reason] = (blockedByReason[reason] ?? 0) + 1;
    else eligible.add(id);
  }
  // Only a follow-up is sent after the white paper's bounces and complaints came in (and only those in time).
  const hard = afterTimeout ? and(eligible, ledger.bounced.in_time) : new Set<string>();
  const complaint = afterTimeout ? and(minus(eligible, hard), ledger.complained.in_time) : new Set<string>();
  return {
    targeted: targets.size,
    blockedByReason,
    suppressedHard: hard.size,
    suppressedComplaint: complaint.size,
    recipients: minus(minus(eligible, hard), complaint),
  };
}

/**
 * The journey the engine must have run, derived from the contacts and what the recipients did (DemoLedger):
 * consent below the minimum → blocked at the segment tile; a white-paper click in time → true path (the
 * follow-up); everyone else → false path at the timeout, where those who unsubscribed in time are blocked
 * before the reminder, and the reminder to an address suppressed in time counts as a bounce or feedback loop.
 */
export function expectedJourney(campaign: Campaign, ledger: DemoLedger): Expected {
  const audience = campaign.contacts.filter((c) => c.inAudience);
  const consentBlocked = new Set(audience.filter((c) => c.consentLevel < MIN_CONSENT).map((c) => c.id));
  const entrants = minus(new Set(audience.map((c) => c.id)), consentBlocked);
  const truePath = and(entrants, ledger.whitePaperClick.in_time);
  const falsePath = minus(entrants, truePath);
  const nurtureBlocked = and(truePath, ledger.unsubscribed.in_time);
  const remindBlocked = and(falsePath, ledger.unsubscribed.in_time);
  const nurtured = minus(truePath, nurtureBlocked);
  const reminded = minus(falsePath, remindBlocked);
  // held out: blocked holdout at each email tile they reach, and on along the path (no mail, so no click: false path)
  const heldOut = new Set([...entrants].filter((id) => isHeldOut(DEMO_HOLDOUT, campaign.journeyId, id)));
  const remindHeldOut = and(reminded, heldOut);
  const pass = (n: number): TileExpectation => ({ inflow: n, processed: n, blocked: 0, failed: 0 });
  const tiles: Record<string, TileExpectation> = {
    ny: { inflow: audience.length, processed: entrants.size, blocked: consentBlocked.size, failed: 0 },
    paper: { inflow: entrants.size, processed: entrants.size - heldOut.size, blocked: heldOut.size, failed: 0 },
    clicked: { ...pass(entrants.size), paths: { true: truePath.size, false: falsePath.size } },
    nurture: { inflow: truePath.size, processed: nurtured.size, blocked: nurtureBlocked.size, failed: 0 },
    done_true: pass(nurtured.size),
    remind: {
      inflow: falsePath.size,
      processed: reminded.size - remindHeldOut.size,
      blocked: remindBlocked.size + remindHeldOut.size,
      failed: 0,
    },
    done_false: pass(reminded.size),
  };
  const emails = {
    paper: emailExpectation(minus(entrants, heldOut), campaign, ledger, false),
    nurture: emailExpectation(nurtured, campaign, ledger, true),
    remind: emailExpectation(minus(reminded, heldOut), campaign, ledger, true),
  };
  const remindUnsubscribed = remindBlocked.size;
  return { audience: audience.length, consentBlocked, truePath, falsePath, heldOut, remindUnsubscribed, tiles, emails };
}

/** The email KPIs the API must show for one email, from the expectation and the recipients' own count. */
function emailKpis(e: EmailExpectation, l: EmailLedger): Record<string, number> {
  const blocked = Object.values(e.blockedByReason).reduce((a, b) => a + b, 0);
  const sent = e.targeted - blocked;
  const bouncedHard = e.suppressedHard + l.bouncedMessages.size;
  return {
    targeted: e.targeted,
    blocked,
    sent,
    bouncedHard,
    bouncedTotal: bouncedHard,
    delivered: sent - bouncedHard,
    feedbackLoops: e.suppressedComplaint + l.complainedMessages.size,
    openedUnique: l.openedMessages.size,
    openedTotal: l.opens,
    didNotOpen: sent - bouncedHard - l.openedMessages.size,
    clickedUnique: l.clickedMessages.size,
    clickedTotal: l.clicks,
    unsubscribed: l.unsubscribedMessages.size,
    forwarded: l.forwardedAddresses,
    forwardSubmissions: l.forwardSubmissions,
    machineOpens: l.machineOpens,
    machineClicks: l.machineClicks,
    sendingFailed: 0,
  };
}

export function expectedKpis(expected: Expected, ledger: DemoLedger): Record<EmailTile, Record<string, number>> {
  return {
    paper: emailKpis(expected.emails.paper, ledger.emails.paper),
    nurture: emailKpis(expected.emails.nurture, ledger.emails.nurture),
    remind: emailKpis(expected.emails.remind, ledger.emails.remind),
  };
}
