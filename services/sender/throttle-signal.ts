import type { SmtpOutcome } from './mail-types';

/**
 * What a reply says about the pace we send at (docs/sender.md#throttling): `slow` halves the key's rate, `pause`
 * (a session refused at the greeting or before it started) also stops the key for a short time; null: nothing.
 */
export type ThrottleSignal = 'slow' | 'pause' | null;

/**
 * Provider wordings for "slow down": Gmail's 4.7.28 "rate limited" and "unusual rate", Yahoo's TSS04 "temporarily
 * deferred", Microsoft's 4.7.650 / S3150, and the generic "too many", "rate limit", "try again later", "throttl".
 */
const PROVIDER_TEXT =
  /rate[- ]limit|unusual rate|too many|try again later|throttl|TSS0\d|temporarily deferred|4\.7\.650|\bS3150\b|exceeded the (message|connection) rate|slow down/i;
const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
/** system busy (4.3.2 not accepting messages) and congestion (4.4.5): the receiver asks us to come back slower */
const BUSY_STATUSES = new Set(['4.3.2', '4.4.5']);

function enhancedOf(text: string): string | null {
  const match = ENHANCED.exec(text);
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : null;
}

/** A reply with its basic code: 421 anywhere, 4.7.x, busy codes and provider texts on a temporary reply. */
export function throttleOfReply(code: number | null, text: string): ThrottleSignal {
  const status = enhancedOf(text);
  // NOTE: a permanent reply never slows a domain: 5.7.x is a policy block (docs/sender.md#throttling)
  if ((code !== null && code >= 500) || status?.startsWith('5.')) return null;
  if (code === 421) return 'slow';
  if (status?.startsWith('4.7.') || (status && BUSY_STATUSES.has(status))) return 'slow';
  // one mailbox full, unknown or moved says nothing about the domain's pace, whatever its wording
  if (status && /^4\.[12]\./.test(status)) return null;
  return PROVIDER_TEXT.test(text) ? 'slow' : null;
}

/** A session that never started: a 421 greeting, or a refusal of the connection with a 421 or a provider text. */
function throttleOfSession(error: string): ThrottleSignal {
  if (/^SMTP greeting:/.test(error) || /\b421\b/.test(error)) return 'pause';
  return PROVIDER_TEXT.test(error) ? 'pause' : null;
}

/** The signal in one SMTP outcome (pure). Connection failures without a reply (refused, TLS, timeouts) are none. */
export function throttleSignal(outcome: SmtpOutcome): ThrottleSignal {
  switch (outcome.kind) {
    case 'refused':
      return throttleOfReply(outcome.bounce.smtpCode, outcome.reply);
    case 'not_sent':
      return throttleOfSession(outcome.error);
    default:
      return null;
  }
}
