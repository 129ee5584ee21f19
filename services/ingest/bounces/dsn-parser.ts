import { parseMailbox } from '../../../lib/domain/email/email-address';
import { err, ok, type Result } from '../../../lib/platform/errors';
import { type BounceClassification, classifyBounce } from '../../../lib/domain/bounces/bounce-classifier';
import { allParts, firstHeader, headerGroups, originalHeader, parseMime } from './mime-parts';

/** RFC 3464 delivery status notification, one entry per recipient. */
export interface DsnRecipient {
  recipient: string | null;
  /** failed | delayed | delivered | relayed | expanded */
  action: string;
  status: string | null;
  diagnostic: string | null;
  classification: BounceClassification;
}

export interface DsnReport {
  reportingMta: string | null;
  recipients: DsnRecipient[];
  /** value of the original message's tracking header, when the report returned it */
  trackingToken: string | null;
}

const MAX_BYTES = 1024 * 1024;
const MAX_DIAGNOSTIC = 500;

/**
 * "rfc822; user@example.com" → "user@example.com", lower-cased; null unless it is one plain mailbox by Cairn's one
 * address validator (the address it names is suppressed).
 */
export function addressOf(typed: string | undefined): string | null {
  if (!typed) return null;
  const value = typed.includes(';') ? typed.slice(typed.indexOf(';') + 1) : typed;
  return (
    parseMailbox(
      value
        .trim()
        .replace(/^<(.*)>$/, '$1')
        .toLowerCase(),
    )?.address ?? null
  );
}

function stripType(value: string | undefined): string | null {
  if (!value) return null;
  return (value.includes(';') ? value.slice(value.indexOf(';') + 1) : value).trim().slice(0, MAX_DIAGNOSTIC) || null;
}

/** Never throws: anything that is not a delivery report is an error with a reason for the 400. */
export function parseDsn(raw: string, trackingHeader: string): Result<DsnReport, string> {
  if (raw.length > MAX_BYTES) return err('report larger than 1 MiB');
  const root = parseMime(raw);
  const statusPart = allParts(root).find((part) => part.contentType === 'message/delivery-status');
  if (!statusPart) return err('no message/delivery-status part (not an RFC 3464 report)');
  const [perMessage, ...perRecipient] = headerGroups(statusPart.body);
  const recipients: DsnRecipient[] = [];
  for (const fields of perRecipient) {
    const action = firstHeader(fields, 'action')?.toLowerCase().trim();
    if (!action) continue;
    const status = firstHeader(fields, 'status')?.trim() ?? null;
    const diagnostic = stripType(firstHeader(fields, 'diagnostic-code'));
    recipients.push({
      recipient: addressOf(firstHeader(fields, 'final-recipient') ?? firstHeader(fields, 'original-recipient')),
      action,
      status,
      diagnostic,
      classification: classifyBounce({ status, diagnostic }),
    });
  }
  if (recipients.length === 0) return err('delivery report names no recipient with an Action field');
  return ok({
    reportingMta: stripType(perMessage ? firstHeader(perMessage, 'reporting-mta') : undefined),
    recipients,
    trackingToken: originalHeader(root, trackingHeader)?.trim() ?? null,
  });
}
