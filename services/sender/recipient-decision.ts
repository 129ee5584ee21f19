import { htmlToText } from 'html-to-text';
import { PREHEADER_TEXT_SELECTOR } from '../../lib/domain/email/preheader';
import { checkAddress, senderAddressProblem } from './address-policy';
import type { Finish } from './deliveries.repository';
import type { DeliveryItem } from './delivery-item';
import { decideDirectEligibility } from './direct-message';
import { decideAddressEligibility, decideEligibility, type Eligibility, type RecipientRow } from './eligibility';
import type { OutgoingMail } from './mail-types';
import { EventsFor, SUPPRESSED_DIAGNOSTIC } from './sender-events';

// Who a claimed message goes to, or its outcome without SMTP (message-preparer.ts renders what goes out).

/** A claimed item is decided without SMTP (blocked, suppressed, failed), forgotten (erased contact) or ready to send. */
export type Prepared =
  | { kind: 'final'; finish: Finish }
  | { kind: 'erased'; item: DeliveryItem }
  | {
      kind: 'send';
      item: DeliveryItem;
      messageId: string;
      attempts: number;
      address: string;
      domain: string;
      mail: OutgoingMail;
    };

export type Claimed = DeliveryItem & { messageId: string; attempts: number };

/** What a batch looked up once for all its items. */
export interface BatchFacts {
  cancelled: ReadonlySet<string>;
  /** active suppression reasons of forwarded messages' friends, by delivery key */
  friendSuppressions: ReadonlyMap<string, string>;
  /** the batch's workspaces that block role addresses (their `block_role_addresses` setting) */
  roleBlocking: ReadonlySet<string>;
}

/** The item's outcome decided before SMTP. */
export const finalOutcome = (item: DeliveryItem, state: Finish['state'], events: Finish['outcome']): Prepared => ({
  kind: 'final',
  finish: { key: item.key, state, from: 'pre', outcome: events },
});

const SUPPRESSED_HARD = { bounceClass: 'hard', policyBlock: false, enhancedStatus: null, smtpCode: null } as const;

/** A friend's copy not sent: the reason of its forward_blocked event (the reasons blocked events use). */
function friendBlockReason(decision: Exclude<Eligibility, { kind: 'send' }>): string {
  if (decision.kind === 'blocked') return decision.reason;
  return decision.countsAs === 'complaint' ? 'suppressed_complaint' : 'suppressed_bounce';
}

/**
 * Where the message goes, or its final outcome without SMTP. A journey's contact goes through the journey's
 * rules, a one-to-one recipient and a forwarded message's friend through the address rules and suppression.
 */
export function decideRecipient(
  item: Claimed,
  row: RecipientRow | null,
  facts: BatchFacts,
): Prepared | { kind: 'to'; address: string; domain: string } {
  const final = (state: Finish['state'], events: Finish['outcome']): Prepared => finalOutcome(item, state, events);
  const { messageId } = item;
  const rules = { blockRoleAddresses: facts.roleBlocking.has(item.workspaceId) };
  if (item.kind === 'forward') {
    const friend = decideAddressEligibility(
      item.request.friend_address,
      facts.friendSuppressions.get(item.key) ?? null,
      rules,
    );
    if (friend.kind !== 'send')
      return final('blocked', { events: EventsFor.forwardBlocked(item, messageId, friendBlockReason(friend)) });
    return { kind: 'to', address: friend.address, domain: friend.domain };
  }
  if (!row)
    return final('failed', {
      events: EventsFor.failed(item, messageId, 'CONTACT_NOT_FOUND', 'the contact no longer exists'),
    });
  const decision =
    item.kind === 'journey'
      ? decideEligibility(row, item.request.min_consent, rules)
      : decideDirectEligibility(row, rules);
  if (decision.kind === 'blocked')
    return final('blocked', { events: EventsFor.blocked(item, messageId, decision.reason) });
  if (decision.kind === 'suppressed') {
    const counted =
      decision.countsAs === 'complaint'
        ? EventsFor.complaint(item, messageId)
        : EventsFor.bounce(item, messageId, SUPPRESSED_HARD, SUPPRESSED_DIAGNOSTIC);
    return final('bounced', { events: [...EventsFor.send(item, messageId, decision.domain), ...counted] });
  }
  return { kind: 'to', address: decision.address, domain: decision.domain };
}

/**
 * A test send: the draft as it is, to the address the API was given, with "[TEST]" ahead of its subject. The
 * author chose the address, so a role mailbox (qa@, info@) is sent to whatever the workspace's role setting.
 */
export function testMail(
  item: Extract<DeliveryItem, { kind: 'test' }> & { attempts: number },
  messageId: string,
): Prepared {
  const job = item.request;
  const address = checkAddress(job.address);
  if (!address.ok) return finalOutcome(item, 'blocked', { events: [] });
  // a test job queued before the API checked the draft's addresses: refused here, never written into MAIL FROM
  if (senderAddressProblem(job.from_address, job.reply_to)) return finalOutcome(item, 'failed', { events: [] });
  const oneLine = (value: string): string => value.replace(/[\r\n\0]+/g, ' ').trim();
  const mail: OutgoingMail = {
    from: { name: oneLine(job.from_name), address: job.from_address },
    replyTo: job.reply_to,
    to: address.address,
    subject: `[TEST] ${oneLine(job.subject)}`,
    html: job.html,
    // the API's HTML carries the preheader (lib/domain/email/preheader.ts); the text part leaves it out, as a journey's does
    text: htmlToText(job.html, { wordwrap: false, selectors: [PREHEADER_TEXT_SELECTOR] }),
    messageId: `${messageId}@${job.from_address.split('@')[1] ?? 'localhost'}`,
    headers: {},
  };
  return {
    kind: 'send',
    item,
    messageId,
    attempts: item.attempts,
    address: address.address,
    domain: address.domain,
    mail,
  };
}
