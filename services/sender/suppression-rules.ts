import type { AddressReport } from '../../lib/contracts/suppression/address-report';
import type { BounceClassification } from '../../lib/domain/bounces/bounce-classifier';
import { feedbackEffect } from '../../lib/domain/bounces/feedback-types';

/**
 * What a classified bounce does to the address's suppression state (docs/sender.md "Suppression", the glossary's
 * bounce rules in docs/clickhouse.md):
 *  - hard: suppress at once (six months);
 *  - soft, and other: one more toward the five-in-a-row rule ("Bounced (other) ... These are otherwise treated as
 *    soft bounces");
 *  - a policy block (5.7.x spam, reputation, authentication, blocklist): nothing. It is about the sender, not the
 *    recipient's address: alert the sender, never suppress the recipient.
 */
export type SuppressionEffect = 'suppress' | 'count_soft' | 'none';

export function suppressionEffect(
  bounce: Pick<BounceClassification, 'bounceClass' | 'policyBlock'>,
): SuppressionEffect {
  if (bounce.policyBlock) return 'none';
  return bounce.bounceClass === 'hard' ? 'suppress' : 'count_soft';
}

/**
 * What one address report does: a bounce as above; a complaint of a type that suppresses (ARF `abuse`, `fraud`:
 * lib/domain/bounces/feedback-types.ts, docs/kpis.md#feedback-loops) suppresses at once and for good, any other type
 * (`virus`, `other`, `not-spam`) changes nothing; a delivery resets the consecutive soft-bounce count.
 */
export type ReportEffect = SuppressionEffect | 'suppress_complaint' | 'reset_soft';

export function reportEffect(report: AddressReport): ReportEffect {
  switch (report.outcome) {
    case 'delivered':
      return 'reset_soft';
    case 'complaint':
      return feedbackEffect(report.feedback_type).suppresses ? 'suppress_complaint' : 'none';
    case 'bounce':
      return suppressionEffect({ bounceClass: report.bounce_class, policyBlock: report.policy_block });
  }
}
