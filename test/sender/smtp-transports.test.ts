import type { SmtpOutcome } from '../../services/sender/mail-types';
import {
  RFC5321_TIMEOUTS,
  type SmtpTimeouts,
  type SmtpTlsSettings,
  type SmtpTransport,
} from '../../services/sender/smtp-transport';
import { throttleSignal } from '../../services/sender/throttle-signal';
import { RecordingSmtp, type PeerOptions, type Refusal } from '../support/recording-smtp';
import { message, TRANSPORTS, TRUSTED } from './smtp-transport-kit';

// One conformance suite for every SMTP transport of the sender (docs/sender.md#smtp-transports), each against a
// real SMTP peer (smtp-server) offering what the case needs, with the test-only certificate as its CA; the same
// transports against postfix are in smtp-postfix.test.ts.

interface Case {
  peer?: PeerOptions;
  scheme?: 'smtp' | 'smtps';
  credentials?: string;
  tls?: Partial<SmtpTlsSettings>;
  timeouts?: Partial<SmtpTimeouts>;
  raw?: Buffer;
  /** the peer drops the connection after each message's DATA, without a reply */
  drop?: boolean;
  /** one scripted refusal per address */
  refuse?: Record<string, Refusal>;
}

describe.each(TRANSPORTS)('SMTP transport %s', (name, make) => {
  const peers: RecordingSmtp[] = [];
  const transports: SmtpTransport[] = [];

  afterEach(async () => {
    for (const transport of transports.splice(0)) transport.close();
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });

  /** a peer with these options and a transport to it; sends one message per `to` in turn */
  async function exchange(c: Case, ...tos: string[]): Promise<{ outcomes: SmtpOutcome[]; peer: RecordingSmtp }> {
    const peer = new RecordingSmtp(c.peer);
    peers.push(peer);
    if (c.drop) peer.dropEvery = 1;
    for (const [address, refusal] of Object.entries(c.refuse ?? {})) peer.script(address, refusal);
    const port = await peer.listen();
    const url = `${c.scheme ?? 'smtp'}://${c.credentials ? `${c.credentials}@` : ''}127.0.0.1:${port}`;
    const transport = make(url, {
      tls: { ...TRUSTED, ...c.tls },
      timeouts: { ...RFC5321_TIMEOUTS, connectMs: 5000, ...c.timeouts },
    });
    transports.push(transport);
    const outcomes: SmtpOutcome[] = [];
    for (const to of tos.length ? tos : ['reader@example.com'])
      outcomes.push(await transport.send('news@cairn.example', to, c.raw ?? message(to)));
    return { outcomes, peer };
  }

  it('plain to a loopback peer that offers no TLS (opportunistic, the loopback default)', async () => {
    const { outcomes, peer } = await exchange({ tls: { policy: null } });
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'delivered' })]);
    expect(peer.received.map((r) => [r.to, r.secure])).toEqual([[['reader@example.com'], false]]);
  });

  it('STARTTLS, the certificate verified against the test CA; EHLO again after it', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls' } }, 'a@example.com', 'b@example.com');
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered']);
    expect(peer.received.map((r) => r.secure)).toEqual([true, true]);
  });

  it('implicit TLS (smtps://)', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'implicit' }, scheme: 'smtps' });
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered']);
    expect(peer.received.map((r) => r.secure)).toEqual([true]);
  });

  it.each(['PLAIN', 'LOGIN'] as const)('AUTH %s over STARTTLS', async (method) => {
    const auth = { user: 'relay-user', pass: 'p@ss word', methods: [method] };
    const credentials = `relay-user:${encodeURIComponent('p@ss word')}`;
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls', auth }, credentials });
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered']);
    expect(peer.received).toHaveLength(1);
  });

  it('AUTH with a wrong password: not sent (kept for another attempt, no bounce), with the server reply', async () => {
    const auth = { user: 'relay-user', pass: 'right', methods: ['PLAIN' as const] };
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls', auth }, credentials: 'relay-user:wrong' });
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'not_sent', error: expect.stringMatching(/^auth_refused: .*535/) }),
    ]);
    expect(peer.mailFrom).toHaveLength(0);
  });

  it('TLS required and no STARTTLS offered: nothing reaches the peer, not_sent with the reason', async () => {
    const { outcomes, peer } = await exchange({ tls: { policy: 'required' } });
    expect(outcomes).toEqual([
      { kind: 'not_sent', error: expect.stringContaining('tls_required_not_offered') as unknown },
    ]);
    expect(peer.mailFrom).toHaveLength(0);
    expect(peer.received).toHaveLength(0);
  });

  it('a certificate not trusted: not sent', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls' }, tls: { ca: null } });
    expect(outcomes).toEqual([{ kind: 'not_sent', error: expect.stringContaining('tls_failed') as unknown }]);
    expect(peer.mailFrom).toHaveLength(0);
  });

  it('SMTPUTF8: an address beyond ASCII to a peer that offers it', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls' } }, 'josé@exämple.com');
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered']);
    expect(peer.received.map((r) => r.to)).toEqual([['josé@exämple.com']]);
  });

  it('SMTPUTF8: an address beyond ASCII to a peer that does not offer it is refused, never delivered', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls', smtpUtf8: false } }, 'josé@exämple.com');
    // lean knows the peer's extensions and writes nothing; nodemailer sends MAIL FROM and the peer refuses it
    expect(outcomes).toEqual([
      name === 'lean'
        ? expect.objectContaining({ kind: 'invalid', code: 'SMTPUTF8_NOT_OFFERED' })
        : expect.objectContaining({ kind: 'refused', reply: expect.stringContaining('553') as unknown }),
    ]);
    expect(peer.received).toHaveLength(0);
    if (name === 'lean') expect(peer.mailFrom).toHaveLength(0);
  });

  it('PIPELINING off: one command at a time, the connection reused', async () => {
    const { outcomes, peer } = await exchange(
      { peer: { tls: 'starttls', pipelining: false } },
      'a@example.com',
      'b@example.com',
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered']);
    expect(peer.received).toHaveLength(2);
  });

  it('SIZE: a message over the peer limit is refused with 552, nothing kept', async () => {
    const big = message('big@example.com', 'x'.repeat(4000));
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls', size: 2000 }, raw: big }, 'big@example.com');
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'refused', reply: expect.stringContaining('552') })]);
    expect(peer.received).toHaveLength(0);
  });

  it('the peer drops the connection after DATA, before its reply: unknown', async () => {
    const { outcomes, peer } = await exchange({ peer: { tls: 'starttls' }, drop: true });
    expect(outcomes.map((o) => o.kind)).toEqual(['unknown']);
    expect(peer.received).toHaveLength(1);
  });

  it('421 at greeting: not delivered, and kept for another attempt', async () => {
    const { outcomes, peer } = await exchange({ peer: { refuseAtGreeting: true } });
    const [outcome] = outcomes;
    // lean: not_sent; nodemailer: the 421 as a temporary refusal; both are retried by the send pipeline
    if (outcome?.kind === 'refused') expect(outcome.bounce.bounceClass).toBe('soft');
    else expect(outcome).toMatchObject({ kind: 'not_sent' });
    // a throttle signal either way: lean's refused session pauses the key, nodemailer's 421 reply slows it
    expect(outcome && throttleSignal(outcome)).toBe(outcome?.kind === 'refused' ? 'slow' : 'pause');
    expect(peer.mailFrom).toHaveLength(0);
  });

  it('421 at RCPT, the peer closing the channel: a refusal with its reply (a throttle signal), then a new connection', async () => {
    const refuse = { 'slow@example.com': { stage: 'rcpt', code: 421, text: '4.7.0 Try again later' } as const };
    const { outcomes, peer } = await exchange(
      { peer: { tls: 'starttls' }, refuse },
      'slow@example.com',
      'b@example.com',
    );
    expect(outcomes[0]).toMatchObject({ kind: 'refused', reply: expect.stringContaining('4.7.0 Try again later') });
    expect(outcomes.map(throttleSignal)).toEqual(['slow', null]);
    expect(outcomes[1]?.kind).toBe('delivered');
    expect(peer.to('b@example.com')).toHaveLength(1);
  });

  const stages = (ms: number): Partial<SmtpTimeouts> => ({
    greetingMs: ms,
    mailMs: ms,
    rcptMs: ms,
    dataInitMs: ms,
    dataBlockMs: ms,
    finalMs: ms,
  });

  it('a slow final reply (2 s) within the final timeout (5 s): delivered', async () => {
    const { outcomes } = await exchange({ peer: { tls: 'starttls', finalReplyDelayMs: 2000 }, timeouts: stages(5000) });
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered']);
  });

  it('a slow final reply (2 s) past the final timeout (1 s): unknown', async () => {
    const { outcomes } = await exchange({ peer: { tls: 'starttls', finalReplyDelayMs: 2000 }, timeouts: stages(1000) });
    expect(outcomes.map((o) => o.kind)).toEqual(['unknown']);
  });
});
