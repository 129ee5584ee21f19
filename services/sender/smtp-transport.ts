import type { SmtpOutcome } from './mail-types';

/**
 * One SMTP client as SmtpDelivery sees it: a message already composed (and DKIM-signed) goes in, its outcome comes
 * out, never an exception. Both clients (lean-smtp.ts, nodemailer-transport.ts) implement it and
 * test/sender/smtp-transports.test.ts runs one suite against each (docs/sender.md#smtp-transports).
 */
export interface SmtpTransport {
  send(from: string, to: string, raw: Buffer): Promise<SmtpOutcome>;
  close(): void;
}

/**
 * required: a message is never sent in clear text (no STARTTLS offered → not sent, kept for retry);
 * opportunistic: STARTTLS when offered; off: never STARTTLS (implicit TLS of smtps:// still applies).
 */
export type SmtpTlsPolicy = 'required' | 'opportunistic' | 'off';

export interface SmtpTlsSettings {
  /** null: `required` for a relay that is not loopback, `opportunistic` for one that is */
  policy: SmtpTlsPolicy | null;
  /** verify the peer's certificate chain and name; false only by explicit setting (logged at start) */
  verify: boolean;
  /** PEM of extra CAs to trust (a private relay's, the tests' self-signed one) */
  ca: string | null;
}

/** Per stage of a transaction, RFC 5321 section 4.5.3.2, plus the TCP connect itself. */
export interface SmtpTimeouts {
  connectMs: number;
  greetingMs: number;
  mailMs: number;
  rcptMs: number;
  dataInitMs: number;
  dataBlockMs: number;
  finalMs: number;
}

export const RFC5321_TIMEOUTS: SmtpTimeouts = {
  connectMs: 30_000,
  greetingMs: 300_000,
  mailMs: 300_000,
  rcptMs: 300_000,
  dataInitMs: 120_000,
  dataBlockMs: 180_000,
  finalMs: 600_000,
};

export const DEFAULT_TLS: SmtpTlsSettings = { policy: null, verify: true, ca: null };

/** Reasons a message was not sent for the route's own rules; they lead the not_sent error text. */
export const TLS_REQUIRED_NOT_OFFERED = 'tls_required_not_offered';
export const AUTH_REQUIRES_TLS = 'auth_requires_tls';
export const TLS_FAILED = 'tls_failed';
/**
 * The relay refused our credentials: no message was written, so not_sent (retried, then sending_failed with the
 * relay's words), never a bounce of the recipients (a wrong password would otherwise bounce a whole send).
 */
export const AUTH_REFUSED = 'auth_refused';

/** Where and how to connect: the relay URL read once, with the TLS policy resolved for its host. */
export interface SmtpRoute {
  host: string;
  port: number;
  /** smtps:// (or ?secure=true): TLS from the first byte, port 465 by default */
  implicitTls: boolean;
  user: string | null;
  pass: string | null;
  policy: SmtpTlsPolicy;
  verify: boolean;
  ca: string | null;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Credentials are never sent in clear text: a route with them and no TLS at all is a configuration error. */
export function routeOf(url: string, tls: SmtpTlsSettings): SmtpRoute {
  const parsed = new URL(url);
  const implicitTls = parsed.protocol === 'smtps:' || parsed.searchParams.get('secure') === 'true';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const route: SmtpRoute = {
    host,
    port: Number(parsed.port) || (implicitTls ? 465 : 25),
    implicitTls,
    user: parsed.username ? decodeURIComponent(parsed.username) : null,
    pass: parsed.password ? decodeURIComponent(parsed.password) : null,
    policy: tls.policy ?? (isLoopback(host) ? 'opportunistic' : 'required'),
    verify: tls.verify,
    ca: tls.ca,
  };
  if (route.user !== null && route.policy === 'off' && !implicitTls)
    throw new Error('SMTP relay URL has credentials but the TLS policy is off: credentials are never sent in clear');
  return route;
}

/** True when an address of the envelope needs SMTPUTF8 (RFC 6531): anything beyond ASCII. */
export function needsSmtpUtf8(from: string, to: string): boolean {
  return NON_ASCII.test(from) || NON_ASCII.test(to);
}
const NON_ASCII = /[^\u0000-\u007f]/;
