import type { BounceClassification } from './bounce-classifier';

/**
 * What a classified bounce does to the address's suppression state (docs/sender.md#bounces-and-suppression):
 *  - hard: suppress at once (six months);
 *  - soft, and other: one more toward the five-in-a-row rule (Bounced (other) counts as a soft bounce there:
 *    docs/kpis.md#bounces-and-delivered);
 *  - a policy block (5.7.x spam, reputation, authentication, blocklist): nothing. It is about the sender, not the
 *    recipient's address: alert the sender, never suppress the recipient.
 */
export type SuppressionEffect = 'suppress' | 'count_soft' | 'none';

export function suppressionEffect(bounce: Pick<BounceClassification, 'bounceClass' | 'policyBlock'>): SuppressionEffect {
  if (bounce.policyBlock) return 'none';
  return bounce.bounceClass === 'hard' ? 'suppress' : 'count_soft';
}
