import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One accepted message as the SMTP peer saw it. */
export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A scripted refusal: at RCPT TO or after DATA, with its reply code and text. */
export interface Refusal {
  stage: 'rcpt' | 'data';
  code: number;
  text: string;
}

/**
 * A real SMTP peer in-process (the smtp-server package): records every message it accepts, refuses recipients as
 * scripted (a queue of refusals per address, then a default), and can drop a connection after a message's DATA
 * was received, before it answers: the one case where the client cannot know the outcome.
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

  constructor(private readonly options: { keep?: boolean; onMessage?: (message: Received) => void } = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 0,
      onMailFrom: (address, _session, callback) => {
        if (this.options.keep !== false) this.mailFrom.push(address.address);
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (this.options.keep !== false) this.rcptTo.push(address.address);
        const refusal = this.refusalFor(address.address, 'rcpt');
        callback(refusal ? Object.assign(new Error(refusal.text), { responseCode: refusal.code }) : undefined);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          const refusal = to.length === 1 ? this.refusalFor(to[0] as string, 'data') : null;
          if (refusal) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
          const message = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to,
            raw: Buffer.concat(chunks),
          };
          this.accepted++;
          if (this.options.keep !== false) this.received.push(message);
          this.options.onMessage?.(message);
          if (this.dropEvery > 0 && this.accepted % this.dropEvery === 0) {
            this.dropped++;
            // the reply is never written: the client cannot know the message was accepted
            return this.sockets.get(session.remotePort)?.destroy();
          }
          callback();
        });
      },
    });
    this.server.on('error', () => void this.connectionErrors++);
    this.server.server.on('connection', (socket: Socket) => {
      const port = socket.remotePort ?? 0;
      this.sockets.set(port, socket);
      socket.on('error', () => void this.connectionErrors++);
      socket.on('close', () => this.sockets.delete(port));
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
