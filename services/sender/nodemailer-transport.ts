import { createTransport, type Transporter } from 'nodemailer';
import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import type { SmtpOutcome } from './mail-types';
import {
  AUTH_REFUSED,
  DEFAULT_TLS,
  RFC5321_TIMEOUTS,
  TLS_FAILED,
  TLS_REQUIRED_NOT_OFFERED,
  routeOf,
  type SmtpTimeouts,
  type SmtpTlsSettings,
  type SmtpTransport,
} from './smtp-transport';

const NEVER_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Greeting never received/;
/** the codes of node:tls certificate and handshake errors, which nodemailer keeps as originalCode */
const TLS_ERROR_CODE = /CERT|SIGNATURE|ERR_TLS|ERR_SSL|ISSUER/;

interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** TLS that failed or was not offered: always before any message was written, so never sent. */
function tlsProblem(error: SmtpError): SmtpOutcome | null {
  if (error.command === 'STARTTLS' && error.responseCode && error.responseCode >= 500)
    return { kind: 'not_sent', error: `${TLS_REQUIRED_NOT_OFFERED}: ${error.message}`.slice(0, 300) };
  if (error.code === 'ETLS' || TLS_ERROR_CODE.test(error.originalCode ?? ''))
    return { kind: 'not_sent', error: `${TLS_FAILED}: ${error.message}`.slice(0, 300) };
  if (error.code === 'EAUTH') return { kind: 'not_sent', error: `${AUTH_REFUSED}: ${error.message}`.slice(0, 300) };
  return null;
}

/**
 * An error with a server reply is a refusal; one without is unknown unless nothing can have been written. TLS
 * failures come first: a server that does not know STARTTLS answers 5xx, which is no refusal of the message.
 */
export function outcomeOfError(error: SmtpError): SmtpOutcome {
  const tls = tlsProblem(error);
  if (tls) return tls;
  if (error.responseCode && error.response) {
    const bounce = classifyBounce({ smtpCode: error.responseCode, diagnostic: error.response });
    return { kind: 'refused', reply: error.response.slice(0, 500), bounce };
  }
  if (error.command === 'API' || NEVER_CONNECTED.test(error.message)) return { kind: 'not_sent', error: error.message };
  return { kind: 'unknown', error: `${error.code ?? 'ERROR'} ${error.message}`.slice(0, 300) };
}

export interface NodemailerPoolOptions {
  maxConnections: number;
  maxMessagesPerConnection: number;
  timeouts?: SmtpTimeouts;
  tls?: SmtpTlsSettings;
}

/**
 * nodemailer's pool (persistent connections, PIPELINING when offered) with the same TLS policy as the lean client:
 * required → requireTLS, off → ignoreTLS, credentials → requireTLS too (never AUTH in clear). Its timeouts are
 * coarser than RFC 5321's stages: a greeting timeout and one idle timeout for every stage (the final reply's).
 */
export class NodemailerPool implements SmtpTransport {
  private readonly transport: Transporter;

  constructor(url: string, options: NodemailerPoolOptions) {
    const route = routeOf(url, options.tls ?? DEFAULT_TLS);
    const timeouts = options.timeouts ?? RFC5321_TIMEOUTS;
    const mustEncrypt = !route.implicitTls && (route.policy === 'required' || route.user !== null);
    // one options object: a URL first and options second would make the options message defaults, not a pool
    this.transport = createTransport({
      host: route.host,
      port: route.port,
      secure: route.implicitTls,
      ...(route.user !== null ? { auth: { user: route.user, pass: route.pass ?? '' } } : {}),
      requireTLS: mustEncrypt,
      ignoreTLS: !mustEncrypt && route.policy === 'off',
      tls: { rejectUnauthorized: route.verify, ...(route.ca ? { ca: route.ca } : {}) },
      pool: true,
      maxConnections: options.maxConnections,
      maxMessages: options.maxMessagesPerConnection,
      connectionTimeout: timeouts.connectMs,
      greetingTimeout: timeouts.greetingMs,
      socketTimeout: Math.max(timeouts.mailMs, timeouts.rcptMs, timeouts.dataInitMs, timeouts.finalMs),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(from: string, to: string, raw: Buffer): Promise<SmtpOutcome> {
    try {
      const info = (await this.transport.sendMail({ envelope: { from, to: [to] }, raw })) as { response?: string };
      return { kind: 'delivered', reply: String(info.response ?? '').slice(0, 300) };
    } catch (error) {
      return outcomeOfError(error as SmtpError);
    }
  }

  close(): void {
    this.transport.close();
  }
}
