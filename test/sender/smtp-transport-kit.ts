import { LeanSmtpPool } from '../../services/sender/lean-smtp';
import { NodemailerPool } from '../../services/sender/nodemailer-transport';
import type { SmtpTimeouts, SmtpTlsSettings, SmtpTransport } from '../../services/sender/smtp-transport';
import { TEST_CERT } from '../support/recording-smtp';

/** Every SMTP transport of the sender, made the way the conformance suites need (docs/sender.md#smtp-transports). */
export type Make = (url: string, options: { tls: SmtpTlsSettings; timeouts: SmtpTimeouts }) => SmtpTransport;

export const TRANSPORTS: [string, Make][] = [
  ['lean', (url, options) => new LeanSmtpPool(url, { maxMessagesPerConnection: 100, ...options })],
  [
    'nodemailer',
    (url, options) => new NodemailerPool(url, { maxConnections: 1, maxMessagesPerConnection: 100, ...options }),
  ],
];

/** TLS required, the certificate verified against the test-only CA (test/fixtures/tls/README.md). */
export const TRUSTED: SmtpTlsSettings = { policy: 'required', verify: true, ca: TEST_CERT };

export const message = (to: string, body = 'hello'): Buffer =>
  Buffer.from(`From: news@cairn.example\r\nTo: ${to}\r\nSubject: conformance\r\n\r\n${body}\r\n`);
