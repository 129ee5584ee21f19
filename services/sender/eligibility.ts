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
  /** unsubscribed (its own act, not removed by hand) from a list the journey protects (protectedListIds) */
  unsubscribed: boolean;
  /** an active address_suppressions row: hard_bounce, soft_bounces, complaint or manual */
  suppression: string | null;
}

export type BlockReason =
  | 'do_not_bulk_email'
  | 'missing_address'
  | 'invalid_address'
  | 'blocklisted_address'
  | 'role_address'
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

/** The workspace's own address rules (its settings, sql/postgres/0250). */
export interface AddressRules {
  /** role mailboxes (info@, sales@, …) are blocked as `role_address`; off by default */
  blockRoleAddresses: boolean;
}

type Blocked = Extract<Eligibility, { kind: 'blocked' }>;

/**
 * The address rules every recipient goes through, each with its own reason: missing or invalid; blocklisted (the
 * workspace's own blocklist, a `manual` suppression, or a throwaway domain); a role mailbox when the workspace
 * blocks them. The workspace's blocklist comes first: it is the more specific reason.
 */
function addressCheck(
  email: string | null,
  suppression: string | null,
  rules: AddressRules,
): Blocked | { kind: 'ok'; address: string; domain: string } {
  const address = checkAddress(email);
  if (!address.ok) return { kind: 'blocked', reason: address.reason };
  if (suppression === 'manual') return { kind: 'blocked', reason: 'blocklisted_address' };
  if (address.role && rules.blockRoleAddresses) return { kind: 'blocked', reason: 'role_address' };
  return { kind: 'ok', address: address.address, domain: address.domain };
}

/** An address that passed the rules: sent, unless a bounce or complaint suppressed it. */
function sendOrSuppressed(suppression: string | null, address: string, domain: string): Eligibility {
  if (suppression === 'complaint') return { kind: 'suppressed', countsAs: 'complaint', domain };
  if (suppression) return { kind: 'suppressed', countsAs: 'hard_bounce', domain };
  return { kind: 'send', address, domain };
}

/**
 * The address rules and address suppression alone, for recipients the journey's rules (do-not-bulk-email, lists,
 * consent) do not apply to: one-to-one messages and a forwarded message's friend. A missing, invalid, blocklisted
 * or (when the workspace says so) role address is blocked; a hard-bounce or complaint suppression is never
 * handed to SMTP.
 */
export function decideAddressEligibility(
  email: string | null,
  suppression: string | null,
  rules: AddressRules,
): Eligibility {
  const address = addressCheck(email, suppression, rules);
  if (address.kind === 'blocked') return address;
  return sendOrSuppressed(suppression, address.address, address.domain);
}

/**
 * Re-checked for every message just before it is sent (a contact may have changed since the journey queued it).
 * Blocked reasons are the email KPI's (do-not-bulk-email, missing/invalid/blocklisted address, a role address the
 * workspace blocks) and the journey's (unsubscribed from a list it protects, consent below its minimum); suppression is not
 * "blocked" (docs/kpis.md#attempts-to-suppressed-addresses).
 */
export function decideEligibility(row: RecipientRow, minConsent: number, rules: AddressRules): Eligibility {
  if (row.do_not_bulk_email) return { kind: 'blocked', reason: 'do_not_bulk_email' };
  const address = addressCheck(row.email, row.suppression, rules);
  if (address.kind === 'blocked') return address;
  if (row.unsubscribed) return { kind: 'blocked', reason: 'unsubscribed' };
  if (row.consent_level < minConsent) return { kind: 'blocked', reason: 'consent_below_minimum' };
  return sendOrSuppressed(row.suppression, address.address, address.domain);
}
