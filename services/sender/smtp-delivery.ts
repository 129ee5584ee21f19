import DKIM from 'nodemailer/lib/dkim';
import { buffer } from 'node:stream/consumers';
import { LeanSmtpPool, unsafeEnvelope } from './lean-smtp';
import { NodemailerPool, outcomeOfError } from './nodemailer-transport';
import { composeMime } from './mime-composer';
import type { OutgoingMail, SmtpOutcome } from './mail-types';
import { DomainLimiter, type Deferred, type KeyView, type ThrottleOptions } from './domain-limiter';
import type { FrozenVersion, RenderedMessage } from './message-renderer';
import type { SmtpTimeouts, SmtpTlsSettings, SmtpTransport } from './smtp-transport';

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export interface SmtpDeliveryOptions {
  /** smtp:// or smtps://, credentials in the URL; both clients handle every URL */
  url: string;
  maxConnections: number;
  maxMessagesPerConnection: number;
  perDomainConcurrency: number;
  /** messages per second in total; 0: unlimited */
  ratePerSecond: number;
  /** messages per second per destination domain; 0: unlimited */
  domainRatePerSecond?: number;
  /** per RFC 5321 stage; default RFC5321_TIMEOUTS */
  timeouts?: SmtpTimeouts;
  /** TLS policy, verification and CA; default: required unless the relay is loopback, verified */
  tls?: SmtpTlsSettings;
  dkim: DkimSettings | null;
  /** the signer of a From domain that is a verified sending domain of the workspace (sending-domain-keys.ts) */
  domainSigner?: (workspaceId: string, fromAddress: string) => Promise<DKIM | null>;
  /** which key signed each message handed to SMTP (cairn_sender_dkim_signed_total) */
  onSigned?: (key: 'sending_domain' | 'platform' | 'none') => void;
  /** 'lean': our pipelined client (the default); 'nodemailer': its pool */
  client?: 'lean' | 'nodemailer';
  onLatency?: (seconds: number) => void;
  /** back-off on throttling replies, provider grouping (docs/sender.md#throttling); default: the defaults */
  throttle?: ThrottleOptions;
  /** longest wait for a throttle key's pace before acquire() defers the message instead; default: no bound */
  throttleMaxWaitMs?: number;
}

/** Signed headers: RFC 6376's recommendations plus both List-Unsubscribe headers (RFC 8058 section 4). */
const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID';

/** A DKIM signer over the headers above (d= the domain, s= the selector). */
export const dkimSigner = (settings: DkimSettings): DKIM => new DKIM({ ...settings, headerFieldNames: DKIM_HEADERS });

/** The client the options name, behind the one interface (docs/sender.md#smtp-transports). */
export function transportOf(options: SmtpDeliveryOptions): SmtpTransport {
  const { url, maxConnections, maxMessagesPerConnection, timeouts, tls } = options;
  return options.client === 'nodemailer'
    ? new NodemailerPool(url, { maxConnections, maxMessagesPerConnection, timeouts, tls })
    : new LeanSmtpPool(url, { maxMessagesPerConnection, timeouts, tls });
}

/**
 * One SMTP transport behind a per-domain concurrency limit and a total rate. One relay URL; the limits are what a
 * relay or direct MX delivery needs. The message is composed and DKIM-signed here, the same for either client.
 */
export class SmtpDelivery {
  private readonly transport: SmtpTransport;
  private readonly dkim: DKIM | null;
  private readonly limiter: DomainLimiter;

  constructor(private readonly options: SmtpDeliveryOptions) {
    this.transport = transportOf(options);
    this.dkim = options.dkim ? dkimSigner(options.dkim) : null;
    this.limiter = new DomainLimiter(
      options.perDomainConcurrency,
      options.maxConnections,
      options.ratePerSecond,
      options.domainRatePerSecond ?? 0,
      options.throttle,
    );
  }

  queued(): Map<string, number> {
    return this.limiter.depths();
  }

  /**
   * A connection slot for one message to this domain, within the total rate. Taken before the attempt is
   * recorded, so a message recorded as attempting is on the wire, not waiting in a queue. Deferred when the
   * domain's throttle key would hold it longer than throttleMaxWaitMs (docs/sender.md#throttling).
   */
  acquire(domain: string): Promise<(() => void) | Deferred> {
    return this.limiter.acquire(domain, this.options.throttleMaxWaitMs ?? Infinity);
  }

  /** each throttle key's rate, waiting messages and signals (the /metrics gauges) */
  throttleKeys(): KeyView[] {
    return this.limiter.keyViews();
  }

  /**
   * Hands one message to SMTP; call with a slot from acquire(). The workspace picks its From domain's DKIM key; the
   * reply paces the domain's throttle key.
   */
  async send(mail: OutgoingMail, workspaceId?: string): Promise<SmtpOutcome> {
    const outcome = await this.handOff(mail, workspaceId);
    const signal = this.limiter.observe(mail.to.slice(mail.to.lastIndexOf('@') + 1), outcome);
    // NOTE: a throttling reply ("slow down", 421) speaks of the sender's pace, not of the recipient: the message was
    // not taken, so it is retried like one never sent, never recorded as a bounce (a soft bounce would count
    // towards the recipient's five-in-a-row suppression, docs/sender.md#throttling).
    if (signal && outcome.kind === 'refused') return { kind: 'not_sent', error: `throttled: ${outcome.reply}` };
    return outcome;
  }

  private async handOff(mail: OutgoingMail, workspaceId?: string): Promise<SmtpOutcome> {
    // before either client: nodemailer refuses CR, LF, < and > too, but as a retriable API error, and lets NUL by
    const unsafe = unsafeEnvelope(mail.from.address, mail.to);
    if (unsafe) return unsafe;
    let signer: DKIM | null;
    try {
      const own = await this.signerOf(mail, workspaceId);
      signer = own ?? this.dkim;
      this.options.onSigned?.(own ? 'sending_domain' : signer ? 'platform' : 'none');
    } catch (error) {
      // the key could not be looked up: nothing was written, so the message is tried again, never sent unaligned
      return { kind: 'not_sent', error: `DKIM key lookup failed: ${(error as Error).message}`.slice(0, 300) };
    }
    const started = process.hrtime.bigint();
    try {
      // MIME built into one buffer first: the client then writes it in a few large writes instead of one per line
      let raw = composeMime(mail);
      if (signer) raw = await buffer(signer.sign(raw));
      return await this.transport.send(mail.from.address, mail.to, raw);
    } catch (error) {
      // composing or signing failed: as before the transports were split, an error without a reply
      return outcomeOfError(error as Error);
    } finally {
      this.options.onLatency?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** The From domain's own key (d= aligned with From) when the workspace has verified it (docs/sender.md#sending-domains). */
  private signerOf(mail: OutgoingMail, workspaceId: string | undefined): Promise<DKIM | null> {
    const { domainSigner } = this.options;
    return domainSigner && workspaceId ? domainSigner(workspaceId, mail.from.address) : Promise.resolve(null);
  }

  close(): void {
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
