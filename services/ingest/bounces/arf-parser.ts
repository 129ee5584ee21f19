import { err, ok, type Result } from '../../../lib/platform/errors';
import { addressOf } from './dsn-parser';
import { allParts, firstHeader, headerGroups, originalHeader, parseMime } from './mime-parts';

/** RFC 5965 Abuse Reporting Format feedback report (a feedback loop complaint). */
export interface ArfReport {
  /**
   * abuse | fraud | virus | other | not-spam (RFC 5965 section 7.3), lower-cased; kept as reported, a type
   * registered later too: what each means is decided in lib/domain/bounces/feedback-types.ts
   */
  feedbackType: string;
  reporter: string | null;
  originalRecipient: string | null;
  trackingToken: string | null;
}

const MAX_BYTES = 1024 * 1024;

export function parseArf(raw: string, trackingHeader: string): Result<ArfReport, string> {
  if (raw.length > MAX_BYTES) return err('report larger than 1 MiB');
  const root = parseMime(raw);
  const feedback = allParts(root).find((part) => part.contentType === 'message/feedback-report');
  if (!feedback) return err('no message/feedback-report part (not an RFC 5965 report)');
  const fields = headerGroups(feedback.body)[0];
  const feedbackType = fields && firstHeader(fields, 'feedback-type')?.trim().toLowerCase();
  if (!fields || !feedbackType || !/^[a-z-]{1,40}$/.test(feedbackType))
    return err('feedback report has no Feedback-Type');
  const reporter = firstHeader(fields, 'reporting-mta') ?? firstHeader(fields, 'user-agent') ?? null;
  return ok({
    feedbackType,
    reporter: reporter ? reporter.replace(/^[a-z]+;\s*/i, '').slice(0, 200) : null,
    originalRecipient: addressOf(firstHeader(fields, 'original-rcpt-to')),
    trackingToken: originalHeader(root, trackingHeader)?.trim() ?? null,
  });
}
