import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parseMailbox } from './email-address';

/** An ASCII host name label (after IDNA): letters, digits and inner hyphens, at most 63 characters. */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The one spelling of a sending domain (docs/api.md#sending-domains): lower-case ASCII by IDNA (node:url's
 * domainToASCII), at least two labels, at most 253 characters, never an IP address. The API stores it so, go-live
 * and the sender look From domains up so, and the DKIM d= tag carries it so. Null when it is no such domain.
 */
export function normaliseSendingDomain(raw: string): string | null {
  const trimmed = raw.trim().replace(/\.$/, '');
  if (trimmed.length === 0 || trimmed.length > 253 || isIP(trimmed) !== 0 || trimmed.startsWith('[')) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii.length === 0 || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => ASCII_LABEL.test(label))) return null;
  // a numeric last label is an IPv4 address in another spelling (1.2.3.4 is caught above, 0x7f.1 is not)
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '') || /^0x/.test(labels[labels.length - 1] ?? '')) return null;
  return ascii;
}

/** The sending domain of a From address, normalised as above; null when the address is no plain mailbox. */
export function sendingDomainOfAddress(address: string): string | null {
  const mailbox = parseMailbox(address);
  return mailbox ? normaliseSendingDomain(mailbox.domain) : null;
}
