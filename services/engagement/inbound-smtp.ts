import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { Logger } from '../../lib/logger';
import type { EngagementMetrics } from './engagement.metrics';
import type { ReplyRecorder } from './reply-recorder';

const smtpError = (code: number, text: string): Error => Object.assign(new Error(text), { responseCode: code });

/** The message, or null once it passed the limit (the rest of the stream is read and thrown away). */
function collect(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(stream.sizeExceeded || size > maxBytes ? null : Buffer.concat(chunks)));
  });
}

/**
 * The inbound SMTP listener for replies (the `smtp-server` package): SIZE advertised and enforced (552 5.3.4),
 * recipients only in CAIRN_ENGAGEMENT_INBOUND_DOMAINS (550 5.7.1 otherwise: it never relays, it only reads),
 * no AUTH. A reply is answered 250 only once it is recorded; a message without headers gets 550 5.6.0; a
 * message that matches no followed message is accepted and dropped (counted), so senders get no backscatter.
 * No message can crash it: every failure is an SMTP reply, a store failure a temporary 451.
 */
export class InboundSmtp {
  private readonly server: SMTPServer;

  constructor(private readonly options: { maxBytes: number; domains: readonly string[]; recorder: ReplyRecorder; metrics: EngagementMetrics; log: Logger }) {
    const domains = new Set(options.domains.map((d) => d.toLowerCase()));
    this.server = new SMTPServer({
      banner: 'Cairn engagement inbound',
      size: options.maxBytes,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const domain = address.address.split('@').pop()?.toLowerCase() ?? '';
        if (domains.size > 0 && !domains.has(domain)) {
          options.metrics.replies.inc({ source: 'smtp', outcome: 'refused_relay' });
          return callback(smtpError(550, '5.7.1 Relaying denied: not an inbound domain of this server'));
        }
        callback();
      },
      onData: (stream, _session, callback) => void this.receive(stream).then(() => callback(), (error: Error) => callback(error)),
    });
    this.server.on('error', (error: Error) => options.log.warn({ err: error.message }, 'inbound_smtp_error'));
  }

  private async receive(stream: SMTPServerDataStream): Promise<void> {
    const raw = await collect(stream, this.options.maxBytes);
    if (!raw) {
      this.options.metrics.replies.inc({ source: 'smtp', outcome: 'too_large' });
      throw smtpError(552, `5.3.4 Message too big: the limit is ${this.options.maxBytes} bytes`);
    }
    let outcome;
    try {
      outcome = await this.options.recorder.record(raw, 'smtp');
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'inbound_reply_store_failed');
      throw smtpError(451, '4.3.0 Temporary failure recording the message; try again later');
    }
    if (outcome.kind === 'malformed') throw smtpError(550, outcome.reason === 'malformed_no_headers' ? '5.6.0 Message has no headers' : '5.6.0 Message cannot be parsed');
    this.options.log.info({ outcome: outcome.kind === 'matched' ? 'matched' : outcome.reason }, 'inbound_reply');
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
