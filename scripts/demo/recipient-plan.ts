/**
 * Who the demo's contacts are and what each simulated recipient does, decided by the contact's number alone so
 * every run (and every audience size) behaves the same way. The audience is contacts 0..n-1; a few more
 * (outsiders) are imported to show the segment leaving them out.
 */

/** What becomes of a recipient's white-paper message, at most one each (they exclude one another). */
export type Fate =
  /** the provider reports a hard bounce (5.1.1): the address is suppressed for 6 months */
  | 'bounce'
  /** the recipient marks it as spam: a feedback-loop complaint, the address is suppressed */
  | 'complaint'
  /** one-click unsubscribe from the journey's list: blocked at the journey's next tile */
  | 'unsubscribe'
  /** clicks the white-paper link within the trigger's timeout: true path, a lead, the nurture email */
  | 'white_paper'
  /** clicks the white-paper link only after the timeout: counted as a click, yet on the false path */
  | 'late_white_paper'
  | 'none';

export interface ContactPlan {
  index: number;
  email: string;
  firstName: string;
  inAudience: boolean;
  /** contacts imported but outside the journey's segment ∩ list (another city, or not subscribed) */
  city: string;
  subscribed: boolean;
  consentLevel: number;
  doNotBulkEmail: boolean;
  /**
   * an address on a throwaway domain: the sender blocks it as a blocklisted address (role mailboxes such as office@
   * are sent unless the workspace sets block_role_addresses, so they no longer make a blocked contact)
   */
  blocklisted: boolean;
}

export interface RecipientPlan {
  fate: Fate;
  /** a security gateway fetches the pixel and HEADs every link on arrival (machine traffic) */
  scanned: boolean;
  /** human opens of the white-paper message (images loaded) */
  opens: number;
  /** clicks the pricing link (not the white paper: the trigger must not fire) */
  clicksPricing: boolean;
  /** forwards the white paper to two friends */
  forwards: boolean;
  /** unsubscribers who press the one-click button twice (counted once) */
  unsubscribesTwice: boolean;
  /** opens the follow-up (nurture or reminder) message, and clicks its first link */
  opensFollowUp: boolean;
  clicksFollowUp: boolean;
}

/** The journey's minimum consent; a few audience members are below it and are blocked at the first tile. */
export const MIN_CONSENT = 3;

/** The city of the subject-line test's contacts (ab-test-setup.ts): outside the white-paper journey's segment. */
export const AB_CITY = 'Chicago';

export function contactPlan(index: number, audience: number): ContactPlan {
  const inAudience = index < audience;
  const outsider = index - audience;
  // after the audience and the outsiders: the subject-line test's readers, all of them mailable
  const tester = outsider >= outsiders(audience);
  const blocklisted = inAudience && index % 250 === 5;
  return {
    index,
    email: blocklisted ? `reader${index}@mailinator.com` : `reader${index}@example.com`,
    firstName: index % 7 === 0 ? '' : `Reader${index}`,
    inAudience,
    city: tester ? AB_CITY : inAudience || outsider % 2 === 0 ? 'New York' : 'Boston',
    subscribed: inAudience || (!tester && outsider % 2 === 1),
    consentLevel: inAudience && index % 100 === 37 ? MIN_CONSENT - 1 : 4,
    doNotBulkEmail: !tester && index % 50 === 0,
    blocklisted,
  };
}

export function outsiders(audience: number): number {
  return Math.max(10, Math.round(audience / 20));
}

/** The subject-line test's contacts: enough for its z-test to decide within the run, few enough to stay quick. */
export function abTesters(audience: number): number {
  return Math.min(1000, Math.max(200, Math.round(audience / 5)));
}

/**
 * Who opens a subject-line test message: the readers like B's subject far better (70 % of them open it, 15 % open
 * A), so the test decides by significance long before its one-hour window ends.
 */
export function opensAbVariant(index: number, label: string): boolean {
  return label === 'B' ? index % 10 < 7 : index % 20 < 3;
}

/**
 * How much later than a B reader an A reader opens (after the delay every person takes). The tile counts a send
 * only once it is `settle_minutes` old (docs/scheduler.md#ab-test), so readers who act within that minute are all
 * in its counts whichever batch went out first; A's slower readers show it (before the settle time, a run at load
 * 12 picked A on opens B's readers had not made yet).
 */
export const AB_A_LATER_MS = 30_000;

function fateOf(i: number): Fate {
  if (i % 40 === 7) return 'bounce';
  if (i % 500 === 11) return 'complaint';
  if (i % 97 === 3) return 'unsubscribe';
  if (i % 5 === 1) return 'white_paper';
  if (i % 15 === 3) return 'late_white_paper';
  return 'none';
}

export function recipientPlan(index: number): RecipientPlan {
  const fate = fateOf(index);
  const delivered = fate !== 'bounce';
  return {
    fate,
    scanned: delivered && index % 10 === 0,
    opens: delivered && index % 2 === 0 ? (index % 6 === 0 ? 2 : 1) : 0,
    clicksPricing: delivered && index % 7 === 2,
    forwards: delivered && index % 100 === 13,
    unsubscribesTwice: index % 2 === 1,
    opensFollowUp: index % 3 === 0,
    clicksFollowUp: index % 6 === 0,
  };
}
