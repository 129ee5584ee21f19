import { createTransport, type Transporter } from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';
import { buffer } from 'node:stream/consumers';
import { LeanSmtpPool, unsafeEnvelope } from './lean-smtp';
import { composeMime } from './mime-composer';
import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import type { OutgoingMail, SmtpOutcome } from './mail-types';
import { DomainLimiter } from './domain-limiter';
import type { FrozenVersion, RenderedMessage } from './message-renderer';

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export interface SmtpDeliveryOptions {
  url: string;
  maxConnections: number;
  maxMessagesPerConnection: number;
  perDomainConcurrency: number;
  /** messages per second in total; 0: unlimited */
  ratePerSecond: number;
  /** messages per second per destination domain; 0: unlimited */
  domainRatePerSecond?: number;
  socketTimeoutMs: number;
  dkim: DkimSettings | null;
  /** 'lean': our pipelined client (plain smtp:// only, else nodemailer); 'nodemailer': its pool */
  client?: 'lean' | 'nodemailer';
  onLatency?: (seconds: number) => void;
}

/** Signed headers: RFC 6376's recommendations plus both List-Unsubscribe headers (RFC 8058 section 4). */
const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID';

const NEVER_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Greeting never received/;

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** An error with a server reply is a refusal; one without is unknown unless nothing can have been written. */
export function outcomeOfError(error: SmtpError): SmtpOutcome {
  if (error.responseCode && error.response) {
    const bounce = classifyBounce({ smtpCode: error.responseCode, diagnostic: error.response });
    return { kind: 'refused', reply: error.response.slice(0, 500), bounce };
  }
  if (error.command === 'API' || NEVER_CONNECTED.test(error.message)) return { kind: 'not_sent', error: error.message };
  return { kind: 'unknown', error: `${error.code ?? 'ERROR'} ${error.message}`.slice(0, 300) };
}

/**
 * nodemailer's pool (persistent connections, PIPELINING when the server offers it) behind a per-domain
 * concurrency limit and a total rate. One relay URL; the limits are what a relay or direct MX delivery needs.
 */
export class SmtpDelivery {
  private readonly transport: Transporter;
  private readonly lean: LeanSmtpPool | null;
  private readonly dkim: DKIM | null;
  private readonly limiter: DomainLimiter;

  constructor(private readonly options: SmtpDeliveryOptions) {
    // one options object: a URL first and options second would make the options message defaults, not a pool
    this.transport = createTransport({
      url: options.url,
      pool: true,
      maxConnections: options.maxConnections,
      maxMessages: options.maxMessagesPerConnection,
      socketTimeout: options.socketTimeoutMs,
      greetingTimeout: options.socketTimeoutMs,
      connectionTimeout: options.socketTimeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
      ...(options.dkim ? { dkim: { ...options.dkim, headerFieldNames: DKIM_HEADERS } } : {}),
    } as never);
    const lean = options.client !== 'nodemailer' && LeanSmtpPool.supports(options.url);
    this.lean = lean
      ? new LeanSmtpPool(options.url, {
          maxMessagesPerConnection: options.maxMessagesPerConnection,
          timeoutMs: options.socketTimeoutMs,
        })
      : null;
    this.dkim = lean && options.dkim ? new DKIM({ ...options.dkim, headerFieldNames: DKIM_HEADERS }) : null;
    this.limiter = new DomainLimiter(
      options.perDomainConcurrency,
      options.maxConnections,
      options.ratePerSecond,
      options.domainRatePerSecond ?? 0,
    );
  }

  queued(): Map<string, number> {
    return this.limiter.depths();
  }

  /**
   * A connection slot for one message to this domain, within the total rate. Taken before the attempt is
   * recorded, so a message recorded as attempting is on the wire, not waiting in a queue.
   */
  acquire(domain: string): Promise<() => void> {
    return this.limiter.acquire(domain);
  }

  /** Hands one message to SMTP; call with a slot from acquire(). */
  async send(mail: OutgoingMail): Promise<SmtpOutcome> {
    // before either client: nodemailer refuses CR, LF, < and > too, but as a retriable API error, and lets NUL by
    const unsafe = unsafeEnvelope(mail.from.address, mail.to);
    if (unsafe) return unsafe;
    const started = process.hrtime.bigint();
    try {
      // MIME built into one buffer first: the pool then writes it in a few large writes instead of one per line
      let raw = composeMime(mail);
      if (this.lean) {
        if (this.dkim) raw = await buffer(this.dkim.sign(raw));
        return await this.lean.send(mail.from.address, mail.to, raw);
      }
      const info = (await this.transport.sendMail({ envelope: { from: mail.from.address, to: [mail.to] }, raw })) as {
        response?: string;
      };
      return { kind: 'delivered', reply: String(info.response ?? '').slice(0, 300) };
    } catch (error) {
      return outcomeOfError(error as SmtpError);
    } finally {
      this.options.onLatency?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  close(): void {
    this.lean?.close();
    this.transport.close();
  }
}

/** What every message hands to SMTP: addresses, subject, both parts and its Message-ID. */
export function mailOf(rendered: RenderedMessage, version: FrozenVersion, to: string): Omit<OutgoingMail, 'headers'> {
  return {
    from: { name: rendered.fromName, address: version.fromAddress },
    replyTo: version.replyTo,
    to,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: rendered.messageId,
  };
}
