import disposableDomains from 'disposable-email-domains';
import { parseMailbox } from '../../lib/domain/email/email-address';

/**
 * The address half of the email KPI "Blocked" (docs/kpis.md#targeted-sent-and-blocked): a missing, invalid or
 * blocklisted address. Parsing is Cairn's one validator (lib/domain/email/email-address.ts, the maintained
 * `email-addresses` parser); throwaway domains come from a maintained list package, refreshed by updating the
 * dependency. Two lists of local parts are ours, because no maintained package names them:
 * - mailboxes no person reads or that must never get marketing ("do-not-reply@", the definition's own example,
 *   mailer daemons, RFC 2142's postmaster, hostmaster and abuse, list robots): always blocklisted;
 * - role mailboxes ("info@", "sales@", "office@"): read by people and common B2B recipients, so only a workspace
 *   that asks for it blocks them (`block_role_addresses`, reason `role_address`, see eligibility.ts); `role` says
 *   whether the address is one.
 */
export type AddressVerdict =
  | { ok: true; address: string; domain: string; role: boolean }
  | { ok: false; reason: 'missing_address' | 'invalid_address' | 'blocklisted_address' };

const THROWAWAY = new Set<string>(disposableDomains as string[]);

const NO_MAIL_LOCAL_PARTS = new Set([
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  'do-not-repy',
  'mailer-daemon',
  'postmaster',
  'hostmaster',
  'abuse',
  'root',
  'nobody',
  'unsubscribe',
  'bounce',
  'bounces',
  'list',
  'listserv',
  'majordomo',
]);

const ROLE_LOCAL_PARTS = new Set([
  'office',
  'info',
  'admin',
  'administrator',
  'webmaster',
  'support',
  'sales',
  'billing',
  'contact',
  'help',
  'security',
]);

export function checkAddress(raw: string | null | undefined): AddressVerdict {
  const trimmed = raw?.trim() ?? '';
  if (trimmed === '') return { ok: false, reason: 'missing_address' };
  const parsed = parseMailbox(trimmed);
  if (!parsed) return { ok: false, reason: 'invalid_address' };
  const domain = parsed.domain.toLowerCase();
  const local = parsed.local.toLowerCase().replace(/\+.*$/, '');
  if (THROWAWAY.has(domain) || NO_MAIL_LOCAL_PARTS.has(local)) return { ok: false, reason: 'blocklisted_address' };
  return { ok: true, address: trimmed, domain, role: ROLE_LOCAL_PARTS.has(local) };
}

/**
 * Why a message's own addresses (from, reply-to) cannot go out, or null. They were validated where they were
 * stored; this refuses what was stored before that check existed (a draft saved with a CRLF in its from address)
 * instead of writing it into MAIL FROM or a header.
 */
export function senderAddressProblem(from: string, replyTo: string | null | undefined): string | null {
  if (!parseMailbox(from)) return 'the from address is not one plain address: fix it and go live again';
  if (replyTo && !parseMailbox(replyTo))
    return 'the reply-to address is not one plain address: fix it and go live again';
  return null;
}
