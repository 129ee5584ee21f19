import { classifyBounce } from './bounce-classifier';

describe('classifyBounce', () => {
  it.each([
    ['5.1.1', '550 5.1.1 <a@b.c>: Recipient address rejected: User unknown', 'hard', false],
    ['5.2.2', '552 5.2.2 Mailbox full', 'soft', false],
    ['5.7.1', '550 5.7.1 Message rejected as spam by Content Filtering', 'other', true],
    ['4.2.0', '450 4.2.0 try again later', 'soft', false],
    ['5.4.4', '550 5.4.4 unable to route', 'hard', false],
    ['5.6.0', '554 5.6.0 message content error', 'other', false],
    ['5.7.1', '550 5.7.1 No such user here', 'hard', false],
  ])('%s %s → %s', (status, diagnostic, bounceClass, policyBlock) => {
    expect(classifyBounce({ status, diagnostic })).toMatchObject({ bounceClass, policyBlock, enhancedStatus: status });
  });

  it('does not classify by the first digit: a 550 whose text says mailbox full is soft', () => {
    expect(classifyBounce({ diagnostic: '550 mailbox is full' }).bounceClass).toBe('soft');
    expect(classifyBounce({ diagnostic: '550 something went wrong' }).bounceClass).toBe('other');
  });

  it('finds the enhanced code and smtp code in the text when the Status field is missing', () => {
    expect(classifyBounce({ diagnostic: 'smtp; 550 5.1.1 nope' })).toMatchObject({
      enhancedStatus: '5.1.1',
      smtpCode: 550,
    });
  });
});
