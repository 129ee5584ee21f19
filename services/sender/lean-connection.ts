import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { hostname } from 'node:os';
import {
  AUTH_REQUIRES_TLS,
  TLS_FAILED,
  TLS_REQUIRED_NOT_OFFERED,
  type SmtpRoute,
  type SmtpTimeouts,
} from './smtp-transport';

/** One complete SMTP reply: its code and every line's text. */
export interface Reply {
  code: number;
  text: string;
}

/** A reply that refused the session itself (AUTH): the pool turns it into a refusal with the server's words. */
export class SessionRefused extends Error {
  constructor(readonly reply: Reply) {
    super(reply.text);
  }
}

/**
 * The socket side of the lean client: replies read off the wire, one timeout per RFC 5321 stage (the socket's idle
 * timer re-armed with the stage's value), and the opening: greeting, EHLO, STARTTLS and EHLO again, AUTH. Nothing
 * the server said before TLS is kept (RFC 3207 section 4.2).
 */
export class LeanConnection {
  private socket: Socket;
  private received = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private stage = 'connect';
  private stageMs: number;
  pipelining = false;
  smtpUtf8 = false;
  secure = false;
  sent = 0;

  constructor(
    private readonly route: SmtpRoute,
    readonly timeouts: SmtpTimeouts,
  ) {
    this.stageMs = timeouts.connectMs;
    const at = { host: route.host, port: route.port };
    this.socket = route.implicitTls ? tlsConnect({ ...at, ...this.tlsOptions() }) : netConnect(at);
    this.secure = route.implicitTls;
    this.socket.setNoDelay(true);
    this.socket.once(route.implicitTls ? 'secureConnect' : 'connect', () =>
      this.expect('greeting', timeouts.greetingMs),
    );
    this.listen(this.socket);
  }

  private tlsOptions(): ConnectionOptions {
    const { host, verify, ca } = this.route;
    return { host, servername: isIP(host) ? undefined : host, rejectUnauthorized: verify, ...(ca ? { ca } : {}) };
  }

  private listen(socket: Socket): void {
    socket.setTimeout(this.stageMs, () => this.fail(new Error(`SMTP timeout waiting for ${this.stage}`)));
    socket.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('SMTP connection closed')));
  }

  get broken(): boolean {
    return this.failure !== null;
  }

  /** The next reply is awaited under this stage's timeout; the timer is only re-armed when the value changes. */
  expect(stage: string, ms: number): void {
    this.stage = stage;
    if (ms !== this.stageMs) this.socket.setTimeout((this.stageMs = ms));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.waiter?.reject(this.failure);
    this.waiter = null;
    this.socket.destroy();
  }

  private onData(text: string): void {
    this.received += text;
    for (let end = this.received.indexOf('\r\n'); end >= 0; end = this.received.indexOf('\r\n')) {
      const line = this.received.slice(0, end);
      this.received = this.received.slice(end + 2);
      this.lines.push(line);
      if (line.length < 4 || line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)) || 0, text: this.lines.join('\n') };
        this.lines = [];
        if (this.waiter) {
          this.waiter.resolve(reply);
          this.waiter = null;
        } else this.replies.push(reply);
      }
    }
  }

  reply(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  write(data: string | Buffer): void {
    if (this.failure) throw this.failure;
    this.socket.write(data);
  }

  private async command(line: string, stage: string): Promise<Reply> {
    this.expect(stage, this.timeouts.mailMs);
    this.write(`${line}\r\n`);
    return this.reply();
  }

  async open(): Promise<void> {
    const greeting = await this.reply();
    if (greeting.code !== 220) throw new Error(`SMTP greeting: ${greeting.text}`);
    let ehlo = await this.ehlo();
    const offersTls = /^250[- ]STARTTLS\b/im.test(ehlo);
    if (!this.secure && this.route.policy === 'required' && !offersTls)
      throw new Error(`${TLS_REQUIRED_NOT_OFFERED}: the relay offers no STARTTLS and the TLS policy is required`);
    if (!this.secure && this.route.policy !== 'off' && offersTls) {
      await this.startTls();
      ehlo = await this.ehlo();
    }
    this.pipelining = /^250[- ]PIPELINING\b/im.test(ehlo);
    this.smtpUtf8 = /^250[- ]SMTPUTF8\b/im.test(ehlo);
    if (this.route.user !== null) await this.authenticate(ehlo);
    this.expect('MAIL FROM', this.timeouts.mailMs);
  }

  private async ehlo(): Promise<string> {
    const reply = await this.command(`EHLO ${hostname()}`, 'EHLO');
    if (reply.code !== 250) throw new Error(`SMTP EHLO: ${reply.text}`);
    return reply.text;
  }

  private async startTls(): Promise<void> {
    const ready = await this.command('STARTTLS', 'STARTTLS');
    if (ready.code !== 220) throw new Error(`${TLS_FAILED}: STARTTLS refused: ${ready.text}`);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.setTimeout(0);
    this.received = '';
    this.lines = [];
    const secured: TLSSocket = tlsConnect({ socket: plain, ...this.tlsOptions() });
    this.socket = secured;
    secured.setTimeout(this.stageMs, () => secured.destroy());
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', resolve);
      secured.once('error', (error) => reject(new Error(`${TLS_FAILED}: ${error.message}`)));
      secured.once('close', () => reject(new Error(`${TLS_FAILED}: the connection closed during the TLS handshake`)));
    });
    this.secure = true;
    secured.removeAllListeners('timeout');
    this.listen(secured);
  }

  /** AUTH PLAIN when offered, else LOGIN (RFC 4954, RFC 4616); only ever over TLS. */
  private async authenticate(ehlo: string): Promise<void> {
    if (!this.secure)
      throw new Error(`${AUTH_REQUIRES_TLS}: the relay wants credentials and the connection is not encrypted`);
    const user = this.route.user ?? '';
    const pass = this.route.pass ?? '';
    const mechanisms = /^250[- ]AUTH[ =](.*)$/im.exec(ehlo)?.[1]?.toUpperCase().split(/\s+/) ?? [];
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    let reply: Reply;
    if (mechanisms.includes('PLAIN') || !mechanisms.includes('LOGIN')) {
      reply = await this.command(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`, 'AUTH');
    } else {
      reply = await this.command('AUTH LOGIN', 'AUTH');
      if (reply.code === 334) reply = await this.command(b64(user), 'AUTH');
      if (reply.code === 334) reply = await this.command(b64(pass), 'AUTH');
    }
    if (reply.code !== 235) throw new SessionRefused(reply);
  }

  close(): void {
    if (!this.failure) this.socket.end('QUIT\r\n');
    this.failure ??= new Error('closed');
  }
}
