import disposableDomains from 'disposable-email-domains';
import { parseOneAddress, type ParsedMailbox } from 'email-addresses';

/**
 * The address half of the email KPI "Blocked" (seed 004): a missing, invalid or blocklisted address. Parsing
 * is RFC 5322 by a maintained parser; throwaway domains come from a maintained list package, refreshed by
 * updating the dependency. Role mailboxes (generic addresses no person reads, "do-not-reply@", "office@") are
 * the glossary's own examples; the list is ours because no maintained package names them.
 */
export type AddressVerdict = { ok: true; address: string; domain: string } | { ok: false; reason: 'missing_address' | 'invalid_address' | 'blocklisted_address' };

const THROWAWAY = new Set<string>(disposableDomains as string[]);

const ROLE_LOCAL_PARTS = new Set([
  'noreply', 'no-reply', 'donotreply', 'do-not-reply', 'do-not-repy', 'mailer-daemon', 'postmaster', 'hostmaster', 'webmaster',
  'abuse', 'office', 'info', 'admin', 'administrator', 'root', 'support', 'sales', 'billing', 'contact', 'help', 'security',
  'unsubscribe', 'bounce', 'bounces', 'list', 'listserv', 'majordomo', 'nobody',
]);

/** A single plain mailbox (no display name, group or comments), at most 254 characters, with a dotted domain. */
function mailbox(raw: string): ParsedMailbox | null {
  if (raw.length > 254 || /[\s<>,;\0]/.test(raw)) return null;
  const parsed = parseOneAddress({ input: raw, rfc6532: true, rejectTLD: true });
  if (!parsed || parsed.type !== 'mailbox' || parsed.name || parsed.address !== raw) return null;
  return parsed;
}

export function checkAddress(raw: string | null | undefined): AddressVerdict {
  const trimmed = raw?.trim() ?? '';
  if (trimmed === '') return { ok: false, reason: 'missing_address' };
  const parsed = mailbox(trimmed);
  if (!parsed) return { ok: false, reason: 'invalid_address' };
  const domain = parsed.domain.toLowerCase();
  const local = parsed.local.toLowerCase().replace(/\+.*$/, '');
  if (ROLE_LOCAL_PARTS.has(local) || THROWAWAY.has(domain)) return { ok: false, reason: 'blocklisted_address' };
  return { ok: true, address: trimmed, domain };
}
