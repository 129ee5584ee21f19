/**
 * What an RFC 5965 feedback report (ARF) means, per Feedback-Type, decided here once for every service
 * (docs/kpis.md#feedback-loops): the Feedback loops KPI and the interactions list (services/api/insights), the
 * suppression writer (services/sender/suppression-rules.ts), the journey trigger `complained`
 * (services/scheduler/tile-rules.ts) and the dashboards (scripts/dashboards). Every report is recorded whatever its
 * type (a `complaint` event in events_raw); this says what else it does.
 *
 * - abuse: the recipient marked the message as spam. Counts, suppresses, moves `complained`.
 * - fraud: the recipient reported the message as fraud or phishing: a complaint about the sender as strong as
 *   spam. Counts, suppresses, moves `complained`.
 * - virus: a filter found malware in the message: about the message's content, not the recipient's wish.
 *   Recorded, not counted, no suppression, no trigger.
 * - not-spam: the recipient took a spam verdict back. Never counts and suppresses nothing (it does not lift a
 *   suppression either).
 * - other, and any type RFC 5965 may register later: recorded, not counted.
 */
export const FEEDBACK_TYPES = ['abuse', 'fraud', 'virus', 'other', 'not-spam'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

export interface FeedbackEffect {
  /** a Feedback loops complaint: counted by the KPI (and Sent), listed under `complained`, moves the trigger */
  counted: boolean;
  /** the sender suppresses the address at once and for good */
  suppresses: boolean;
}

const EFFECTS: Record<FeedbackType, FeedbackEffect> = {
  abuse: { counted: true, suppresses: true },
  fraud: { counted: true, suppresses: true },
  virus: { counted: false, suppresses: false },
  other: { counted: false, suppresses: false },
  'not-spam': { counted: false, suppresses: false },
};

const isKnown = (type: string): type is FeedbackType => (FEEDBACK_TYPES as readonly string[]).includes(type);

/** The effect of a report of this Feedback-Type (case-insensitive); an unknown type is treated as `other`. */
export function feedbackEffect(feedbackType: string): FeedbackEffect {
  const type = feedbackType.trim().toLowerCase();
  return EFFECTS[isKnown(type) ? type : 'other'];
}

/** The types Feedback loops counts, lower-case, for queries that match the stored type (events_raw.reason). */
export const COUNTED_FEEDBACK_TYPES: readonly FeedbackType[] = FEEDBACK_TYPES.filter((t) => EFFECTS[t].counted);

/** The types after which the sender suppresses the address. */
export const SUPPRESSING_FEEDBACK_TYPES: readonly FeedbackType[] = FEEDBACK_TYPES.filter((t) => EFFECTS[t].suppresses);
