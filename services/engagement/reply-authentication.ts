import { Resolver } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import { authenticate, type DNSResolver } from 'mailauth';

/** What the SMTP session knows about the peer; the webhook knows none of it (its relay does). */
export interface SmtpPeer {
  ip: string;
  helo: string;
  mailFrom: string;
}

/**
 * The outcome of SPF (connecting IP and MAIL FROM), DKIM and DMARC for one message (mailauth). `domain` is the
 * From domain when it is authenticated: DMARC passed, or, for a domain that publishes no DMARC record, a DKIM
 * signature of that domain verified or SPF passed for exactly that domain. Anything else (a DMARC fail, a DNS
 * failure, several From addresses) leaves it null.
 */
export interface MessageAuthentication {
  domain: string | null;
  results: { spf: string; dkim: string; dmarc: string };
}

export const NOT_CHECKED: MessageAuthentication = {
  domain: null,
  results: { spf: 'none', dkim: 'none', dmarc: 'none' },
};

/**
 * node:dns with a per-query timeout and two tries: a slow or dead DNS server makes the check a temporary error
 * (the reply stays unverified), never an SMTP transaction that hangs.
 */
export function dnsResolver(timeoutMs: number): DNSResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  // mailauth declares string answers but hands MX and other records on as node:dns gives them, unchanged
  return (name, rrtype) => resolver.resolve(name, rrtype) as ReturnType<DNSResolver>;
}

/**
 * Reads the message from the stream once (mailauth hashes the body as it passes) and judges its From domain.
 * SPF may take up to ten lookups, each bounded by the resolver; `deadlineMs` bounds the whole check, after
 * which it rejects (the caller records the reply unverified) and the SMTP client gets its answer.
 */
export async function authenticateMessage(
  message: Readable,
  peer: SmtpPeer | null,
  options: { resolver: DNSResolver; mta: string; deadlineMs: number },
): Promise<MessageAuthentication> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('authentication took too long')), options.deadlineMs);
  });
  const checked = authenticate(message, {
    ...(peer ? { ip: peer.ip, helo: peer.helo, sender: peer.mailFrom } : {}),
    resolver: options.resolver,
    mta: options.mta,
    disableArc: true,
    disableBimi: true,
  });
  const result = await Promise.race([checked, deadline]).finally(() => clearTimeout(timer));
  const from = result.dkim.headerFrom ?? [];
  const fromDomain = from.length === 1 ? (from[0]?.split('@').pop()?.toLowerCase() ?? '') : '';
  const dmarc = result.dmarc ? result.dmarc.status.result : 'none';
  const dkimPass = result.dkim.results.filter((r) => r.status.result === 'pass');
  const dkimOwn = dkimPass.some((r) => r.signingDomain.toLowerCase() === fromDomain);
  const spf = result.spf || null;
  const spfOwn = spf?.status.result === 'pass' && spf.domain.toLowerCase() === fromDomain;
  const authenticated = fromDomain !== '' && (dmarc === 'pass' || (dmarc === 'none' && (dkimOwn || spfOwn)));
  return {
    domain: authenticated ? fromDomain : null,
    results: {
      spf: spf?.status.result ?? 'none',
      dkim: dkimPass.length > 0 ? 'pass' : (result.dkim.results[0]?.status.result ?? 'none'),
      dmarc,
    },
  };
}
