import { parseOneAddress } from 'email-addresses';
import addressparser from 'nodemailer/lib/addressparser';

/** One plain mailbox: what Cairn stores and hands to SMTP as an address. */
export interface Mailbox {
  address: string;
  local: string;
  domain: string;
}

/** C0 controls, DEL and C1 controls: none of them belongs in an address (nor in SMTP's MAIL FROM or RCPT TO). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Characters that end or split an address in a header or an SMTP path (white space, CR, LF, NUL and the other
 * controls, angle brackets, list separators, quotes, comments, backslash, address literals): a plain mailbox
 * needs none of them, so refusing them up front keeps every parser downstream seeing the same single address.
 */
const NOT_IN_A_PLAIN_MAILBOX = /[\s\u0000-\u001f\u007f-\u009f<>()",;:\\[\]]/u;

/** A host name label: letters (any script, RFC 6532), digits and inner hyphens, at most 63 characters. */
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * The one address validator of Cairn (drafts, engagement messages, contacts, imports, test addresses, the sender's
 * recipients and from addresses): a single RFC 5322/6532 mailbox by the maintained `email-addresses` parser, with
 * no display name, group or comment, at most 254 characters, and a dotted host name as its domain. The parser
 * alone takes `ann@-x.com` or `"a b"@x.com`; the character and label rules keep what it accepts path-safe.
 */
export function parseMailbox(raw: unknown): Mailbox | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 254 || NOT_IN_A_PLAIN_MAILBOX.test(raw)) return null;
  const parsed = parseOneAddress({ input: raw, rfc6532: true, rejectTLD: true });
  if (!parsed || parsed.type !== 'mailbox' || parsed.name || parsed.address !== raw) return null;
  if (!parsed.domain.split('.').every((label) => LABEL.test(label))) return null;
  return { address: raw, local: parsed.local, domain: parsed.domain };
}

export const isEmailAddress = (value: string | null | undefined): boolean => parseMailbox(value) !== null;

/**
 * The single bare address a recipient typed (lower-cased), or null. nodemailer's addressparser decides what the
 * sender's SMTP client would take from the text; it silently drops characters such as NUL, so the text must be
 * exactly one address with no display name, group or comment, and no control character anywhere.
 * NOTE: whatever this returns goes into an SMTP envelope (RCPT TO): no control character, one address.
 */
export function parseRecipientAddress(input: string): string | null {
  const value = input.trim();
  if (CONTROL.test(input) || !isEmailAddress(value)) return null;
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1 || parsed[0]?.name !== '' || parsed[0]?.address !== value) return null;
  return value.toLowerCase();
}
