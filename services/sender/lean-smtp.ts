import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import type { SmtpOutcome } from './mail-types';

/** One complete SMTP reply: its code and every line's text. */
interface Reply {
  code: number;
  text: string;
}

const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n');

/**
 * One address of an SMTP path as Cairn writes it (docs/security.md, "Addresses, templates and forwards"): local
 * part "@" domain, at most 254 characters, and none of what ends a command or a path: controls (CR, LF, NUL …),
 * space, DEL, "<" or ">".
 */
const PATH_ADDRESS = /^[^\u0000-\u0020\u007f-\u009f<>@]+@[^\u0000-\u0020\u007f-\u009f<>@]+$/;

/**
 * Why this envelope cannot be written, or null. The last line of defence under the validation where addresses
 * are stored: a CRLF in MAIL FROM would end the command and smuggle another transaction onto the connection.
 * Not a second address validator: whether an address is one is parseMailbox's call (lib/domain/email), made where
 * it is stored and before a recipient is sent to; this only keeps the SMTP framing whole, at a regular
 * expression's cost per message (the parser takes about a tenth of a millisecond a call).
 */
export function envelopeProblem(from: string, to: string): string | null {
  if (from.length > 254 || !PATH_ADDRESS.test(from))
    return 'MAIL FROM address refused: not one address a path may hold';
  if (to.length > 254 || !PATH_ADDRESS.test(to)) return 'RCPT TO address refused: not one address a path may hold';
  return null;
}

/** The outcome of an envelope refused before anything was written: never retried, the connection stays in step. */
export function unsafeEnvelope(from: string, to: string): SmtpOutcome | null {
  const problem = envelopeProblem(from, to);
  return problem ? { kind: 'invalid', code: 'SMTP_ENVELOPE_UNSAFE', error: problem } : null;
}

/** RFC 5321 section 4.5.2: a line starting with "." gets another one; only scanned for when one exists. */
export function dotStuff(raw: Buffer): Buffer {
  if (raw[0] !== 0x2e && raw.indexOf('\n.') < 0) return raw;
  const parts: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) parts.push(Buffer.from('.'));
  for (let at = raw.indexOf('\n.'); at >= 0; at = raw.indexOf('\n.', at + 1)) {
    parts.push(raw.subarray(from, at + 1), Buffer.from('.'));
    from = at + 1;
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

/**
 * A plain SMTP client connection that does only what bulk delivery needs: EHLO, then per message MAIL FROM,
 * RCPT TO and DATA pipelined in one write (RFC 2920) when the server offers it, the pre-built message in one
 * write, and the reply. It knows exactly whether the terminating "." was written, which is what decides between
 * a message never sent (safe to retry) and one whose outcome is unknown.
 */
class LeanConnection {
  private readonly socket: Socket;
  private received = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  pipelining = false;
  sent = 0;

  constructor(host: string, port: number, timeoutMs: number) {
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(timeoutMs, () => this.fail(new Error('SMTP socket timeout')));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('SMTP connection closed')));
  }

  get broken(): boolean {
    return this.failure !== null;
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

  async open(): Promise<void> {
    const greeting = await this.reply();
    if (greeting.code !== 220) throw new Error(`SMTP greeting: ${greeting.text}`);
    this.write(`EHLO ${hostname()}\r\n`);
    const ehlo = await this.reply();
    if (ehlo.code !== 250) throw new Error(`SMTP EHLO: ${ehlo.text}`);
    this.pipelining = /^250[- ]PIPELINING\b/im.test(ehlo.text);
  }

  close(): void {
    if (!this.failure) this.socket.end('QUIT\r\n');
    this.failure ??= new Error('closed');
  }

  /** One transaction. Never throws: every failure is an outcome. */
  async transact(from: string, to: string, raw: Buffer): Promise<SmtpOutcome> {
    const unsafe = unsafeEnvelope(from, to);
    if (unsafe) return unsafe;
    let terminated = false;
    try {
      const commands = [`MAIL FROM:<${from}>\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n'];
      const answers: Reply[] = [];
      if (this.pipelining) {
        this.write(commands.join(''));
        for (let i = 0; i < 3; i++) answers.push(await this.reply());
      } else {
        for (const command of commands) {
          this.write(command);
          const answer = await this.reply();
          answers.push(answer);
          if (answer.code >= 400) break;
        }
      }
      const refusal = answers.find((a, i) => (i < 2 ? a.code >= 300 : a.code !== 354));
      if (refusal) {
        if (answers[2]?.code === 354) this.write('.\r\n'); // a server that accepted DATA anyway gets an empty message ended
        this.write('RSET\r\n');
        if (answers[2]?.code === 354) await this.reply();
        await this.reply();
        return {
          kind: 'refused',
          reply: refusal.text.slice(0, 500),
          bounce: classifyBounce({ smtpCode: refusal.code, diagnostic: refusal.text }),
        };
      }
      const body = dotStuff(raw);
      this.write(
        body[body.length - 1] === 0x0a
          ? Buffer.concat([body, CRLF_DOT_CRLF.subarray(2)])
          : Buffer.concat([body, CRLF_DOT_CRLF]),
      );
      terminated = true;
      const final = await this.reply();
      this.sent++;
      if (final.code >= 200 && final.code < 300) return { kind: 'delivered', reply: final.text.slice(0, 300) };
      return {
        kind: 'refused',
        reply: final.text.slice(0, 500),
        bounce: classifyBounce({ smtpCode: final.code, diagnostic: final.text }),
      };
    } catch (error) {
      const message = (error as Error).message;
      return terminated
        ? { kind: 'unknown', error: `after the end of DATA: ${message}` }
        : { kind: 'not_sent', error: message };
    }
  }
}

/** Persistent lean connections, one message at a time each; the caller bounds concurrency (DomainLimiter). */
export class LeanSmtpPool {
  private readonly idle: LeanConnection[] = [];
  private readonly host: string;
  private readonly port: number;
  private closed = false;

  constructor(
    url: string,
    private readonly options: { maxMessagesPerConnection: number; timeoutMs: number },
  ) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port) || 25;
  }

  /** Plain smtp:// without credentials; anything else (TLS, AUTH) needs nodemailer. */
  static supports(url: string): boolean {
    const parsed = new URL(url);
    return parsed.protocol === 'smtp:' && !parsed.username && !parsed.searchParams.has('secure');
  }

  private async connection(): Promise<LeanConnection | SmtpOutcome> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!c.broken) return c;
    const fresh = new LeanConnection(this.host, this.port, this.options.timeoutMs);
    try {
      await fresh.open();
      return fresh;
    } catch (error) {
      fresh.close();
      return { kind: 'not_sent', error: (error as Error).message };
    }
  }

  async send(from: string, to: string, raw: Buffer): Promise<SmtpOutcome> {
    const connection = await this.connection();
    if (!(connection instanceof LeanConnection)) return connection;
    const outcome = await connection.transact(from, to, raw);
    if (this.closed || connection.broken || connection.sent >= this.options.maxMessagesPerConnection)
      connection.close();
    else this.idle.push(connection);
    return outcome;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.close();
  }
}
