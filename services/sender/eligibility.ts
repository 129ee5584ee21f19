import { checkAddress } from './address-policy';

/** What the sender knows about a recipient just before sending (one row of loadRecipients). */
export interface RecipientRow {
  contact_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  time_zone: string | null;
  consent_level: number;
  account_id: string | null;
  do_not_bulk_email: boolean;
  allow_follow_email: boolean;
  attributes: Record<string, unknown>;
  account_name: string | null;
  account_attributes: Record<string, unknown> | null;
  /** unsubscribed from the journey's list */
  unsubscribed: boolean;
  /** an active address_suppressions row: hard_bounce, soft_bounces, complaint or manual */
  suppression: string | null;
}

export type BlockReason =
  | 'do_not_bulk_email'
  | 'missing_address'
  | 'invalid_address'
  | 'blocklisted_address'
  | 'unsubscribed'
  | 'consent_below_minimum';

export type Eligibility =
  | { kind: 'send'; address: string; domain: string }
  | { kind: 'blocked'; reason: BlockReason }
  /**
   * never handed to SMTP, yet counted as a hard bounce or a feedback loop
   * (docs/kpis.md#attempts-to-suppressed-addresses)
   */
  | { kind: 'suppressed'; countsAs: 'hard_bounce' | 'complaint'; domain: string };

/**
 * The address rules and address suppression alone, for recipients the journey's rules (do-not-bulk-email, lists,
 * consent) do not apply to: one-to-one messages and a forwarded message's friend. A missing, invalid or
 * blocklisted address (or a manual suppression) is blocked; a hard-bounce or complaint suppression is never
 * handed to SMTP.
 */
export function decideAddressEligibility(email: string | null, suppression: string | null): Eligibility {
  const address = checkAddress(email);
  if (!address.ok) return { kind: 'blocked', reason: address.reason };
  if (suppression === 'manual') return { kind: 'blocked', reason: 'blocklisted_address' };
  if (suppression === 'complaint') return { kind: 'suppressed', countsAs: 'complaint', domain: address.domain };
  if (suppression) return { kind: 'suppressed', countsAs: 'hard_bounce', domain: address.domain };
  return { kind: 'send', address: address.address, domain: address.domain };
}

/**
 * Re-checked for every message just before it is sent (a contact may have changed since the journey queued it).
 * Blocked reasons are the email KPI's (do-not-bulk-email, missing/invalid/blocklisted address) and the journey's
 * (unsubscribed from its list, consent below its minimum); suppression is not "blocked"
 * (docs/kpis.md#attempts-to-suppressed-addresses).
 */
export function decideEligibility(row: RecipientRow, minConsent: number): Eligibility {
  if (row.do_not_bulk_email) return { kind: 'blocked', reason: 'do_not_bulk_email' };
  const address = checkAddress(row.email);
  if (!address.ok) return { kind: 'blocked', reason: address.reason };
  if (row.suppression === 'manual') return { kind: 'blocked', reason: 'blocklisted_address' };
  if (row.unsubscribed) return { kind: 'blocked', reason: 'unsubscribed' };
  if (row.consent_level < minConsent) return { kind: 'blocked', reason: 'consent_below_minimum' };
  if (row.suppression === 'complaint') return { kind: 'suppressed', countsAs: 'complaint', domain: address.domain };
  if (row.suppression) return { kind: 'suppressed', countsAs: 'hard_bounce', domain: address.domain };
  return { kind: 'send', address: address.address, domain: address.domain };
}
