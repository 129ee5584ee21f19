import { AB_LABELS, type AbLabel } from './ab-test-setup';
import { EMAIL_TILES, type EmailTile } from './campaign-setup';
import type { InboxMessage } from './demo-inbox';
import { LandingLedger } from './landing-simulation';

/** What recipients did with one email's messages: the demo's own count, to hold the KPIs against. */
export class EmailLedger {
  /** contacts whose message reached the inbox (the SMTP hand-offs) */
  readonly delivered = new Set<string>();
  readonly openedMessages = new Set<string>();
  opens = 0;
  readonly clickedMessages = new Set<string>();
  clicks = 0;
  /** link id → messages with a human click on it */
  readonly clickedByLink = new Map<string, Set<string>>();
  redirectsToRecordedUrl = 0;
  machineOpens = 0;
  machineClicks = 0;
  readonly unsubscribedMessages = new Set<string>();
  unsubscribePosts = 0;
  readonly bouncedMessages = new Set<string>();
  readonly complainedMessages = new Set<string>();
  forwardSubmissions = 0;
  forwardedAddresses = 0;
  /** contact → its human opens and clicks of this email (what lead scoring scores: lead-scoring.ts) */
  readonly opensByContact = new Map<string, number>();
  readonly clicksByContact = new Map<string, number>();

  open(message: InboxMessage): void {
    this.openedMessages.add(message.tracking.messageId);
    this.opens++;
    const contact = message.tracking.contactId;
    this.opensByContact.set(contact, (this.opensByContact.get(contact) ?? 0) + 1);
  }

  click(message: InboxMessage, linkId: string, redirected: boolean): void {
    const id = message.tracking.messageId;
    this.clickedMessages.add(id);
    this.clicks++;
    const contact = message.tracking.contactId;
    this.clicksByContact.set(contact, (this.clicksByContact.get(contact) ?? 0) + 1);
    const byLink = this.clickedByLink.get(linkId) ?? new Set<string>();
    this.clickedByLink.set(linkId, byLink.add(id));
    if (redirected) this.redirectsToRecordedUrl++;
  }
}

/** When a white-paper action happened relative to the trigger's decision. */
export type Timing = 'in_time' | 'late';

/**
 * Everything the simulated recipients and the mail provider did, and when: the expected journey (who takes which
 * path, who is blocked where, who gets which follow-up) is derived from it (demo-checks.ts).
 */
export class DemoLedger {
  readonly emails = Object.fromEntries(EMAIL_TILES.map((tile) => [tile, new EmailLedger()])) as Record<
    EmailTile,
    EmailLedger
  >;
  /** contacts by what they did to the white-paper message and whether the trigger could still see it */
  readonly whitePaperClick: Record<Timing, Set<string>> = { in_time: new Set(), late: new Set() };
  readonly unsubscribed: Record<Timing, Set<string>> = { in_time: new Set(), late: new Set() };
  readonly bounced: Record<Timing, Set<string>> = { in_time: new Set(), late: new Set() };
  readonly complained: Record<Timing, Set<string>> = { in_time: new Set(), late: new Set() };
  /** the subject-line test's variants (ab-test-setup.ts) */
  readonly ab = Object.fromEntries(AB_LABELS.map((label) => [label, new EmailLedger()])) as Record<
    AbLabel,
    EmailLedger
  >;
  /** what happened on the white paper's landing page */
  readonly landing = new LandingLedger();
  /** copies the sender delivered to forwarded-to friends */
  friendCopies = 0;
  /** messages whose token names no tile of this journey (must stay 0) */
  strays = 0;
  /** recipient actions that failed (HTTP errors) */
  readonly failures: string[] = [];
}
