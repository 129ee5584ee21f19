import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../lib/platform/logger';
import type { EngagementMetrics } from './engagement.metrics';
import { scanMessage } from './inbound-message';
import type { MailtoUnsubscribe } from './mailto-unsubscribe';
import type { MessageAuthentication, SmtpPeer } from './reply-authentication';
import type { ReplyRecorder } from './reply-recorder';

const smtpError = (code: number, text: string): Error => Object.assign(new Error(text), { responseCode: code });

/** How long stop() lets open SMTP sessions finish before they are answered 421 and closed. */
const CLOSE_GRACE_MS = 5_000;

export interface InboundSmtpOptions {
  maxBytes: number;
  maxClients: number;
  socketTimeoutMs: number;
  /** recipient domains that are ours; empty: no mail is accepted at all */
  domains: readonly string[];
  /** the List-Unsubscribe mailbox when one is configured; null: unsubscribe@ each of `domains` */
  unsubscribeMailbox: string | null;
  recorder: ReplyRecorder;
  unsubscriber: MailtoUnsubscribe;
  authenticate: (message: Readable, peer: SmtpPeer) => Promise<MessageAuthentication>;
  metrics: EngagementMetrics;
  log: Logger;
}

type RecipientKind = 'reply' | 'unsubscribe';

/**
 * The inbound SMTP listener (the `smtp-server` package) for replies and mailto unsubscribes. Bounded: at most
 * `maxClients` connections (421 beyond), an idle client is dropped after `socketTimeoutMs`, SIZE is advertised
 * (a declared size over it is refused at MAIL FROM) and a message is counted as it streams in: the moment it
 * passes `maxBytes` it is answered 552 5.3.4 and the connection closed, so nothing is buffered whole.
 * Recipients only in CAIRN_ENGAGEMENT_INBOUND_DOMAINS or the unsubscribe mailbox (550 5.7.1 otherwise: it
 * never relays); no AUTH. A reply is answered 250 only once it is recorded; a message without headers gets
 * 550 5.6.0; one that matches no followed message is accepted and dropped (counted), so senders get no
 * backscatter. No message can crash it: every failure is an SMTP reply, a store failure a temporary 451.
 */
export class InboundSmtp {
  private readonly server: SMTPServer;
  private readonly domains: ReadonlySet<string>;

  constructor(private readonly options: InboundSmtpOptions) {
    this.domains = new Set(options.domains.map((d) => d.toLowerCase()));
    this.server = new SMTPServer({
      banner: 'Cairn engagement inbound',
      size: options.maxBytes,
      maxClients: options.maxClients,
      socketTimeout: options.socketTimeoutMs,
      closeTimeout: CLOSE_GRACE_MS,
      // the PTR name of a client proves nothing and costs a DNS query per connection
      disableReverseLookup: true,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.kindOf(address.address)) return callback();
        options.metrics.replies.inc({ source: 'smtp', outcome: 'refused_relay' });
        callback(smtpError(550, '5.7.1 Relaying denied: not an inbound address of this server'));
      },
      onData: (stream, session, callback) =>
        void this.receive(stream, session).then(
          () => callback(),
          (error: Error) => callback(error),
        ),
    });
    this.server.on('error', (error: Error) => options.log.warn({ err: error.message }, 'inbound_smtp_error'));
  }

  /** Which of our mailboxes an address is, or null when it is not ours. */
  private kindOf(address: string): RecipientKind | null {
    const lower = address.toLowerCase();
    if (this.options.unsubscribeMailbox !== null && lower === this.options.unsubscribeMailbox.toLowerCase())
      return 'unsubscribe';
    const at = lower.lastIndexOf('@');
    if (at < 0 || !this.domains.has(lower.slice(at + 1))) return null;
    return this.options.unsubscribeMailbox === null && lower.slice(0, at) === 'unsubscribe' ? 'unsubscribe' : 'reply';
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const kinds = new Set(session.envelope.rcptTo.map((rcpt) => this.kindOf(rcpt.address)));
    const peer: SmtpPeer = {
      ip: session.remoteAddress,
      helo: session.hostNameAppearsAs || session.remoteAddress,
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    };
    // only a reply needs SPF/DKIM/DMARC: an unsubscribe is authenticated by its token
    const authenticate = kinds.has('reply')
      ? (message: Readable) => this.options.authenticate(message, peer)
      : undefined;
    const scan = await scanMessage(stream, { maxBytes: this.options.maxBytes, authenticate });
    if (scan.kind === 'too_large') {
      this.options.metrics.replies.inc({ source: 'smtp', outcome: 'too_large' });
      this.dropConnection(session, `5.3.4 Message too big: the limit is ${this.options.maxBytes} bytes`);
      throw smtpError(552, `5.3.4 Message too big: the limit is ${this.options.maxBytes} bytes`);
    }
    try {
      if (kinds.has('unsubscribe'))
        this.options.log.info(
          { outcome: await this.options.unsubscriber.handle(scan.message.header) },
          'inbound_unsubscribe',
        );
      if (!kinds.has('reply')) return;
      const outcome = await this.options.recorder.record(scan.message, 'smtp');
      if (outcome.kind === 'malformed')
        throw smtpError(
          550,
          outcome.reason === 'malformed_no_headers' ? '5.6.0 Message has no headers' : '5.6.0 Message cannot be parsed',
        );
      this.options.log.info(
        { outcome: outcome.kind === 'matched' ? `matched_${outcome.verdict}` : outcome.reason },
        'inbound_reply',
      );
    } catch (error) {
      if ((error as { responseCode?: number }).responseCode) throw error;
      this.options.log.warn({ err: (error as Error).message }, 'inbound_store_failed');
      throw smtpError(451, '4.3.0 Temporary failure recording the message; try again later');
    }
  }

  /**
   * Answers now and closes the connection, while the client is still sending: reading the rest only to throw
   * it away would let one client keep the listener busy for as long as it likes. A client that declared SIZE
   * was refused at MAIL FROM already; this is for the ones that did not.
   */
  private dropConnection(session: SMTPServerSession, text: string): void {
    for (const connection of this.server.connections) {
      if (connection.session !== session) continue;
      connection.send(552, text);
      connection.close();
    }
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
