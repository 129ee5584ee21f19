import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import type { SmtpOutcome } from './mail-types';
import { LeanConnection, SessionRefused, type Reply } from './lean-connection';
import {
  AUTH_REFUSED,
  DEFAULT_TLS,
  RFC5321_TIMEOUTS,
  needsSmtpUtf8,
  routeOf,
  type SmtpRoute,
  type SmtpTimeouts,
  type SmtpTlsSettings,
  type SmtpTransport,
} from './smtp-transport';

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

/** A server reply that refuses the message: classified like every bounce. */
function refusedBy(reply: Reply): SmtpOutcome {
  return {
    kind: 'refused',
    reply: reply.text.slice(0, 500),
    bounce: classifyBounce({ smtpCode: reply.code, diagnostic: reply.text }),
  };
}

/** MAIL FROM, RCPT TO and DATA, pipelined (RFC 2920) when offered; the replies, stopping at the first refusal. */
async function envelope(connection: LeanConnection, from: string, to: string, utf8: boolean): Promise<Reply[]> {
  const { timeouts } = connection;
  const commands = [`MAIL FROM:<${from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n'];
  const answers: Reply[] = [];
  if (connection.pipelining) {
    connection.expect('MAIL FROM', timeouts.mailMs);
    connection.write(commands.join(''));
    // a 421 closes the channel (RFC 5321 section 3.8): no reply follows it, and it is the one that counts
    for (let i = 0; i < 3 && answers[i - 1]?.code !== 421; i++) answers.push(await connection.reply());
    return answers;
  }
  const stages: [string, number][] = [
    ['MAIL FROM', timeouts.mailMs],
    ['RCPT TO', timeouts.rcptMs],
    ['DATA', timeouts.dataInitMs],
  ];
  for (const [i, command] of commands.entries()) {
    connection.expect(...(stages[i] as [string, number]));
    connection.write(command);
    const answer = await connection.reply();
    answers.push(answer);
    if (answer.code >= 400) break;
  }
  return answers;
}

/**
 * One transaction on an open connection. Never throws: every failure is an outcome. It knows exactly whether the
 * terminating "." was written, which is what decides between a message never sent (safe to retry) and one whose
 * outcome is unknown.
 */
export async function transact(
  connection: LeanConnection,
  from: string,
  to: string,
  raw: Buffer,
): Promise<SmtpOutcome> {
  const unsafe = unsafeEnvelope(from, to);
  if (unsafe) return unsafe;
  const utf8 = needsSmtpUtf8(from, to);
  if (utf8 && !connection.smtpUtf8)
    return {
      kind: 'invalid',
      code: 'SMTPUTF8_NOT_OFFERED',
      error: 'an address needs SMTPUTF8 and the relay does not offer it',
    };
  let terminated = false;
  try {
    const answers = await envelope(connection, from, to, utf8);
    const refusal = answers.find((a, i) => (i < 2 ? a.code >= 300 : a.code !== 354));
    if (refusal?.code === 421) {
      connection.close(); // the server is closing it: never reused
      return refusedBy(refusal);
    }
    if (refusal) {
      if (answers[2]?.code === 354) connection.write('.\r\n'); // a server that accepted DATA anyway gets an empty message ended
      connection.write('RSET\r\n');
      if (answers[2]?.code === 354) await connection.reply();
      await connection.reply();
      return refusedBy(refusal);
    }
    const body = dotStuff(raw);
    connection.expect('the end of DATA', connection.timeouts.dataBlockMs);
    connection.write(
      body[body.length - 1] === 0x0a
        ? Buffer.concat([body, CRLF_DOT_CRLF.subarray(2)])
        : Buffer.concat([body, CRLF_DOT_CRLF]),
    );
    terminated = true;
    connection.expect('the final reply', connection.timeouts.finalMs);
    const final = await connection.reply();
    connection.sent++;
    if (final.code >= 200 && final.code < 300) return { kind: 'delivered', reply: final.text.slice(0, 300) };
    return refusedBy(final);
  } catch (error) {
    const message = (error as Error).message;
    return terminated
      ? { kind: 'unknown', error: `after the end of DATA: ${message}` }
      : { kind: 'not_sent', error: message };
  }
}

export interface LeanPoolOptions {
  maxMessagesPerConnection: number;
  timeouts?: SmtpTimeouts;
  tls?: SmtpTlsSettings;
}

/**
 * The lean client (pipelined, the message in one write) as a pool of persistent connections, one message at a time
 * each; the caller bounds concurrency (DomainLimiter). TLS and AUTH are per connection: a plain connection's
 * per-message path is the same as before them.
 */
export class LeanSmtpPool implements SmtpTransport {
  private readonly idle: LeanConnection[] = [];
  private readonly route: SmtpRoute;
  private readonly timeouts: SmtpTimeouts;
  private closed = false;

  constructor(
    url: string,
    private readonly options: LeanPoolOptions,
  ) {
    this.route = routeOf(url, options.tls ?? DEFAULT_TLS);
    this.timeouts = options.timeouts ?? RFC5321_TIMEOUTS;
  }

  private async connection(): Promise<LeanConnection | SmtpOutcome> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!c.broken) return c;
    const fresh = new LeanConnection(this.route, this.timeouts);
    try {
      await fresh.open();
      return fresh;
    } catch (error) {
      fresh.close();
      if (error instanceof SessionRefused)
        return { kind: 'not_sent', error: `${AUTH_REFUSED}: ${error.reply.code} ${error.reply.text}`.slice(0, 300) };
      return { kind: 'not_sent', error: (error as Error).message };
    }
  }

  async send(from: string, to: string, raw: Buffer): Promise<SmtpOutcome> {
    const connection = await this.connection();
    if (!(connection instanceof LeanConnection)) return connection;
    const outcome = await transact(connection, from, to, raw);
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
