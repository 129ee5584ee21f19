import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmtpOutcome } from '../../services/sender/mail-types';
import { RFC5321_TIMEOUTS, type SmtpTransport } from '../../services/sender/smtp-transport';
import { waitFor } from '../support/wait-for';
import { message, TRANSPORTS, TRUSTED } from './smtp-transport-kit';

// The conformance suite's postfix peer (docs/sender.md#smtp-transports): every transport against the stack's private
// postfix relay (docs/local-stack.md), which offers STARTTLS with the test-only certificate and discards what it
// accepts. What postfix did is read from its own log: the queue id the transport was given, the TLS session it
// came over, and the discard agent's delivery.

const PORT = Number(process.env.CAIRN_POSTFIX_PORT ?? 2526);
const MAILLOG = join(process.env.CAIRN_POSTFIX_DIR ?? `/tmp/cairn-postfix-${PORT}`, 'maillog');

const queueId = (outcome: SmtpOutcome): string => {
  const id = outcome.kind === 'delivered' ? /queued as ([0-9A-Za-z]+)/.exec(outcome.reply)?.[1] : undefined;
  if (!id) throw new Error(`not accepted by postfix: ${JSON.stringify(outcome)}`);
  return id;
};

/** postfix's account of one message: whether its SMTP session had TLS before the message, and where it went. */
function postfixSaw(id: string): { tls: boolean; discardedTo: string | null } {
  const lines = readFileSync(MAILLOG, 'utf8').split('\n');
  const accepted = lines.findIndex((line) => line.includes(`${id}: client=`));
  const smtpd = accepted >= 0 ? /smtpd\[(\d+)\]/.exec(lines[accepted] ?? '')?.[1] : undefined;
  const session = lines.slice(0, accepted).filter((line) => line.includes(`smtpd[${smtpd}]`));
  const opened = session.map((line) => line.includes(': connect from ')).lastIndexOf(true);
  const tls = session.slice(opened).some((line) => line.includes('TLS connection established'));
  const discarded = lines.find((line) => line.includes(`discard[`) && line.includes(`${id}: to=<`));
  return { tls, discardedTo: discarded ? (/to=<([^>]*)>/.exec(discarded)?.[1] ?? null) : null };
}

describe.each(TRANSPORTS)('SMTP transport %s against postfix', (_name, make) => {
  let transport: SmtpTransport;

  beforeEach(() => {
    transport = make(`smtp://127.0.0.1:${PORT}`, {
      tls: TRUSTED,
      timeouts: { ...RFC5321_TIMEOUTS, connectMs: 5000 },
    });
  });
  afterEach(() => transport.close());

  it('STARTTLS required and verified: three messages on one session, each accepted over TLS and delivered', async () => {
    const tos = ['one@example.net', 'two@example.org', 'three@example.com'];
    const outcomes: SmtpOutcome[] = [];
    for (const to of tos) outcomes.push(await transport.send('news@cairn.example', to, message(to)));
    const ids = outcomes.map(queueId);
    const seen = await waitFor(
      () => ids.map(postfixSaw),
      (all) => all.every((s) => s.discardedTo !== null),
      15_000,
    );
    expect(seen).toEqual(tos.map((to) => ({ tls: true, discardedTo: to })));
  });

  it('SMTPUTF8: an address beyond ASCII is accepted and delivered as written', async () => {
    const to = 'jørn.ødegård@eksempel.no';
    const id = queueId(await transport.send('news@cairn.example', to, message(to)));
    const seen = await waitFor(
      () => postfixSaw(id),
      (s) => s.discardedTo !== null,
      15_000,
    );
    expect(seen).toEqual({ tls: true, discardedTo: to });
  });

  it("postfix's refusals: 550 5.1.1 is a hard bounce, 452 4.2.2 a soft one, each with postfix's own reply", async () => {
    const hard = await transport.send('news@cairn.example', 'refused@postfix-sink.test', message('refused'));
    const soft = await transport.send('news@cairn.example', 'busy@postfix-sink.test', message('busy'));
    expect(hard).toEqual({
      kind: 'refused',
      reply: expect.stringMatching(/^550 5\.1\.1 .*no such user/),
      bounce: expect.objectContaining({ bounceClass: 'hard', enhancedStatus: '5.1.1', smtpCode: 550 }),
    });
    expect(soft).toEqual({
      kind: 'refused',
      reply: expect.stringMatching(/^452 4\.2\.2 .*mailbox full/),
      bounce: expect.objectContaining({ bounceClass: 'soft', enhancedStatus: '4.2.2', smtpCode: 452 }),
    });
    // the session goes on after a refusal
    const after = await transport.send('news@cairn.example', 'after@example.net', message('after'));
    expect(after.kind).toBe('delivered');
  });
});
