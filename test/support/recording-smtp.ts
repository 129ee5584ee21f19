import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import {
  SMTPServer,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';

/** One accepted message as the SMTP peer saw it. */
export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  /** whether it arrived over TLS (implicit or after STARTTLS) */
  secure: boolean;
}

/** A scripted refusal: at RCPT TO or after DATA, with its reply code and text. */
export interface Refusal {
  stage: 'rcpt' | 'data';
  code: number;
  text: string;
}

/** What the peer offers; every option off by default except SMTPUTF8 and PIPELINING (smtp-server's defaults). */
export interface PeerOptions {
  keep?: boolean;
  onMessage?: (message: Received) => void;
  /** 'starttls': offers STARTTLS; 'implicit': TLS from the first byte (smtps); the test-only certificate */
  tls?: 'starttls' | 'implicit';
  /** AUTH with these mechanisms and this one user (only over TLS: smtp-server refuses it in clear) */
  auth?: { user: string; pass: string; methods: ('PLAIN' | 'LOGIN')[] };
  smtpUtf8?: boolean;
  pipelining?: boolean;
  /** SIZE limit in bytes (0: none announced); a larger message is refused with 552 */
  size?: number;
  /** answer every connection 421 at greeting and close it */
  refuseAtGreeting?: boolean;
  /** wait this long before the reply to the final "." */
  finalReplyDelayMs?: number;
}

/** the test-only certificate and key (test/fixtures/tls/README.md), also the CA a client must trust */
export const TEST_CERT = readFileSync(join(__dirname, '..', 'fixtures', 'tls', 'localhost.crt'), 'utf8');
const TEST_KEY = readFileSync(join(__dirname, '..', 'fixtures', 'tls', 'localhost.key'), 'utf8');
const NON_ASCII = /[^\u0000-\u007f]/;

/** RFC 6531 section 3.4: an address beyond ASCII in a transaction without SMTPUTF8 is refused. */
function utf8Refusal(address: string, session: SMTPServerSession): Error | undefined {
  if (!NON_ASCII.test(address) || session.envelope.smtpUtf8) return undefined;
  return Object.assign(new Error('5.6.7 Address requires SMTPUTF8'), { responseCode: 553 });
}

/**
 * A real SMTP peer in-process (the smtp-server package): records every message it accepts, refuses recipients as
 * scripted (a queue of refusals per address, then a default), and can drop a connection after a message's DATA
 * was received, before it answers: the one case where the client cannot know the outcome. What it offers (TLS,
 * AUTH, SMTPUTF8, PIPELINING, SIZE, a 421 greeting, a slow final reply) is set by PeerOptions.
 */
export class RecordingSmtp {
  /** every accepted message, unless the peer was built with keep: false (a large run streams them instead) */
  readonly received: Received[] = [];
  /** every MAIL FROM and RCPT TO command the peer parsed, accepted or not: a smuggled transaction shows here */
  readonly mailFrom: string[] = [];
  readonly rcptTo: string[] = [];
  accepted = 0;
  private readonly scripted = new Map<string, Refusal[]>();
  private readonly always = new Map<string, Refusal>();
  private server: SMTPServer;
  /** client sockets by remote port, to drop one from inside a transaction */
  private readonly sockets = new Map<number, Socket>();
  /** drop the connection without answering after every n-th accepted message (0: never) */
  dropEvery = 0;
  dropped = 0;

  constructor(private readonly options: PeerOptions = {}) {
    this.server = new SMTPServer(this.serverOptions());
    this.server.on('error', () => void this.connectionErrors++);
    this.server.server.on('connection', (socket: Socket) => {
      const port = socket.remotePort ?? 0;
      this.sockets.set(port, socket);
      socket.on('error', () => void this.connectionErrors++);
      socket.on('close', () => this.sockets.delete(port));
    });
  }

  private serverOptions(): SMTPServerOptions {
    const { tls, auth, size = 0 } = this.options;
    const disabled = [...(tls === 'starttls' ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])];
    return {
      ...(tls ? { key: TEST_KEY, cert: TEST_CERT, secure: tls === 'implicit' } : {}),
      authOptional: !auth,
      ...(auth ? { authMethods: auth.methods, onAuth: (a, _s, cb) => this.onAuth(a, cb) } : {}),
      disabledCommands: disabled,
      hideSMTPUTF8: this.options.smtpUtf8 === false,
      hidePIPELINING: this.options.pipelining === false,
      logger: false,
      size,
      onConnect: (_session, callback) =>
        callback(
          this.options.refuseAtGreeting
            ? Object.assign(new Error('4.3.2 Too busy, try later'), { responseCode: 421 })
            : undefined,
        ),
      onMailFrom: (address, session, callback) => {
        if (this.options.keep !== false) this.mailFrom.push(address.address);
        callback(utf8Refusal(address.address, session));
      },
      onRcptTo: (address, session, callback) => {
        if (this.options.keep !== false) this.rcptTo.push(address.address);
        const refusal = this.refusalFor(address.address, 'rcpt');
        const error = refusal ? Object.assign(new Error(refusal.text), { responseCode: refusal.code }) : undefined;
        callback(error ?? utf8Refusal(address.address, session));
      },
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    };
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const expected = this.options.auth;
    if (expected && auth.username === expected.user && auth.password === expected.pass)
      return callback(null, { user: auth.username });
    callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address);
      if (stream.sizeExceeded)
        return callback(Object.assign(new Error('5.3.4 Message too big for this peer'), { responseCode: 552 }));
      const refusal = to.length === 1 ? this.refusalFor(to[0] as string, 'data') : null;
      if (refusal) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const message = { from, to, raw: Buffer.concat(chunks), secure: session.secure };
      this.accepted++;
      if (this.options.keep !== false) this.received.push(message);
      this.options.onMessage?.(message);
      if (this.dropEvery > 0 && this.accepted % this.dropEvery === 0) {
        this.dropped++;
        // the reply is never written: the client cannot know the message was accepted
        return this.sockets.get(session.remotePort)?.destroy();
      }
      const delay = this.options.finalReplyDelayMs ?? 0;
      if (delay > 0) setTimeout(() => callback(), delay);
      else callback();
    });
  }

  /** connection errors seen (a killed client resets its connections); a real peer logs them and goes on */
  connectionErrors = 0;

  /** Refuses the next messages to this address, one refusal each, then accepts again. */
  script(address: string, ...refusals: Refusal[]): void {
    this.scripted.set(address.toLowerCase(), [...(this.scripted.get(address.toLowerCase()) ?? []), ...refusals]);
  }

  refuseAlways(address: string, refusal: Refusal): void {
    this.always.set(address.toLowerCase(), refusal);
  }

  private refusalFor(address: string, stage: Refusal['stage']): Refusal | null {
    const queue = this.scripted.get(address.toLowerCase());
    const next = queue?.[0] ?? this.always.get(address.toLowerCase());
    if (!next || next.stage !== stage) return null;
    if (queue?.[0] === next) queue.shift();
    return next;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  to(address: string): Received[] {
    return this.received.filter((r) => r.to.includes(address));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
