import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import { reportEffect, suppressionEffect } from './suppression-rules';

describe('bounce suppression effect', () => {
  it('suppresses hard bounces, counts soft and other toward five in a row, leaves policy blocks alone', () => {
    const effect = (status: string, diagnostic: string) => suppressionEffect(classifyBounce({ status, diagnostic }));
    expect(effect('5.1.1', 'user unknown')).toBe('suppress');
    expect(effect('4.2.2', 'mailbox full')).toBe('count_soft');
    // a remote bounce with no recognisable status or wording: Bounced (other), "otherwise treated as soft bounces"
    expect(classifyBounce({ diagnostic: 'message could not be delivered' }).bounceClass).toBe('other');
    expect(effect('', 'message could not be delivered')).toBe('count_soft');
    // 5.7.x classified by meaning: recipient wording is hard, policy wording is a policy block
    expect(effect('5.7.1', 'recipient address rejected: user unknown')).toBe('suppress');
    expect(effect('5.7.1', 'message rejected as spam by policy')).toBe('none');
    expect(classifyBounce({ status: '5.7.1', diagnostic: 'message rejected as spam by policy' })).toMatchObject({
      bounceClass: 'other',
      policyBlock: true,
    });
  });

  it('gives each address report its effect: deliveries reset, complaints suppress when abuse or fraud', () => {
    const base = { report_id: 'r', reported_at: 0, workspace_id: 'w', address: 'a@example.com', contact_id: null };
    expect(reportEffect({ ...base, outcome: 'delivered' })).toBe('reset_soft');
    expect(reportEffect({ ...base, outcome: 'complaint', feedback_type: 'abuse' })).toBe('suppress_complaint');
    expect(reportEffect({ ...base, outcome: 'complaint', feedback_type: 'fraud' })).toBe('suppress_complaint');
    for (const type of ['not-spam', 'virus', 'other', 'x-unknown'])
      expect(reportEffect({ ...base, outcome: 'complaint', feedback_type: type })).toBe('none');
    expect(reportEffect({ ...base, outcome: 'bounce', bounce_class: 'hard', policy_block: false })).toBe('suppress');
    expect(reportEffect({ ...base, outcome: 'bounce', bounce_class: 'other', policy_block: false })).toBe('count_soft');
    expect(reportEffect({ ...base, outcome: 'bounce', bounce_class: 'other', policy_block: true })).toBe('none');
  });
});
