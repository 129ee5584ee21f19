import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import type { SmtpOutcome } from './mail-types';
import { throttleOfReply, throttleSignal } from './throttle-signal';

const refused = (code: number, text: string): SmtpOutcome => ({
  kind: 'refused',
  reply: text,
  bounce: classifyBounce({ smtpCode: code, diagnostic: text }),
});

describe('throttleSignal', () => {
  it.each([
    [421, '4.7.0 Try again later, closing connection'],
    [421, 'Service not available'],
    [450, '4.7.1 Client host rejected: too many connections'],
    [451, '4.7.28 Our system has detected an unusual rate of unsolicited mail: rate limited'],
    [421, '4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume'],
    [451, '4.7.650 The mail server has been temporarily rate limited due to IP reputation'],
    [451, 'S3150 Too many messages from this IP'],
    [452, 'Too many concurrent SMTP connections; please try again later'],
    [451, '4.4.5 Server busy'],
    [450, 'rate limit exceeded'],
  ])('slows down on %d %s', (code, text) => {
    expect(throttleSignal(refused(code, text))).toBe('slow');
  });

  it.each([
    [550, '5.1.1 User unknown'],
    [554, '5.7.1 Message rejected: too many complaints, rate limited'],
    [452, '4.2.2 Mailbox full, try again later'],
    [450, '4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages'],
    [451, '4.3.0 Temporary local problem'],
    [452, 'Insufficient system storage'],
  ])('leaves the pace alone on %d %s', (code, text) => {
    expect(throttleSignal(refused(code, text))).toBeNull();
  });

  it('pauses on a session refused at the greeting, not on a connection that failed', () => {
    expect(throttleSignal({ kind: 'not_sent', error: 'SMTP greeting: 4.3.2 Too busy, try later' })).toBe('pause');
    expect(throttleSignal({ kind: 'not_sent', error: 'Invalid greeting. response=421 Too many connections' })).toBe(
      'pause',
    );
    expect(throttleSignal({ kind: 'not_sent', error: 'connect ECONNREFUSED 127.0.0.1:25' })).toBeNull();
    expect(throttleSignal({ kind: 'unknown', error: 'after the end of DATA: socket closed' })).toBeNull();
    expect(throttleSignal({ kind: 'delivered', reply: '250 2.0.0 OK rate limit fine' })).toBeNull();
  });

  it('reads the enhanced code from the text when the basic code is missing', () => {
    expect(throttleOfReply(null, '4.7.0 slow down')).toBe('slow');
    expect(throttleOfReply(null, '5.7.0 too many')).toBeNull();
  });
});
