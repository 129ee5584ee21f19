import type { BounceClass } from '../../contracts/events/event-types';

/**
 * Classification by RFC 3463 enhanced status code first, then by the diagnostic text; never by the first
 * digit of the basic SMTP code alone (docs/sender.md#bounces-and-suppression).
 */
export interface BounceClassification {
  bounceClass: BounceClass;
  /** 5.7.x and policy wording: alert the sender, do not suppress the recipient */
  policyBlock: boolean;
  enhancedStatus: string | null;
  smtpCode: number | null;
}

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const BASIC = /\b([245]\d\d)\b/;

const HARD_TEXT =
  /user unknown|unknown user|no such (user|mailbox|recipient)|does ?n[o']t exist|unknown recipient|invalid (recipient|mailbox|address)|recipient (address )?rejected|mailbox (unavailable|not found|disabled)|account (has been )?disabled|address rejected|no mailbox/i;
const SOFT_TEXT =
  /mailbox (is )?full|over ?quota|quota exceeded|insufficient (system )?storage|try again later|temporar|greylist|deferred|rate limit|too many (connections|messages)/i;
const POLICY_TEXT = /spam|blocked|block ?list|black ?list|policy|reputation|dmarc|spf|dkim|denied|content rejected/i;

/** Subject.detail codes (RFC 3463 section 3) with a fixed meaning regardless of wording. */
const HARD_CODES = new Set(['1.1', '1.2', '1.3', '1.6', '1.10', '2.1', '4.4']);
const SOFT_CODES = new Set(['2.2', '3.1', '4.5', '4.7']);

export function extractEnhancedStatus(text: string | null | undefined): string | null {
  const match = ENHANCED.exec(text ?? '');
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : null;
}

export function extractSmtpCode(text: string | null | undefined): number | null {
  const match = BASIC.exec((text ?? '').replace(ENHANCED, ' '));
  return match ? Number(match[1]) : null;
}

function byStatus(status: string, text: string): BounceClassification['bounceClass'] | 'policy' | null {
  const [klass, subject, detail] = status.split('.');
  const subjectDetail = `${subject}.${detail}`;
  if (klass === '4') return POLICY_TEXT.test(text) && subject === '7' ? 'policy' : 'soft';
  if (subject === '7') return HARD_TEXT.test(text) && !POLICY_TEXT.test(text) ? 'hard' : 'policy';
  if (SOFT_CODES.has(subjectDetail)) return 'soft';
  if (HARD_CODES.has(subjectDetail)) return 'hard';
  return null;
}

function byText(text: string): BounceClassification['bounceClass'] | 'policy' | null {
  if (HARD_TEXT.test(text)) return 'hard';
  if (SOFT_TEXT.test(text)) return 'soft';
  if (POLICY_TEXT.test(text)) return 'policy';
  return null;
}

export function classifyBounce(input: {
  status?: string | null;
  smtpCode?: number | null;
  diagnostic?: string | null;
}): BounceClassification {
  const text = input.diagnostic ?? '';
  const enhancedStatus = extractEnhancedStatus(input.status) ?? extractEnhancedStatus(text);
  const smtpCode = input.smtpCode ?? extractSmtpCode(text);
  let verdict = (enhancedStatus && byStatus(enhancedStatus, text)) || byText(text);
  if (!verdict && !enhancedStatus && smtpCode !== null && smtpCode < 500) verdict = 'soft';
  if (!verdict && enhancedStatus?.startsWith('4.')) verdict = 'soft';
  const policyBlock = verdict === 'policy';
  return {
    bounceClass: verdict === 'hard' || verdict === 'soft' ? verdict : 'other',
    policyBlock,
    enhancedStatus,
    smtpCode,
  };
}
