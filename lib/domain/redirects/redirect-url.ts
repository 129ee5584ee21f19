import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { addressRefusal, DEFAULT_EGRESS_POLICY } from '../../platform/egress/egress-policy';

/**
 * What the API (which makes redirect URLs) and ingest (which follows them) agree on about a redirect URL
 * (docs/redirect-urls.md): the shape of its code and what a destination may be.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^8 ≈ 2.2·10^14 codes: guessing a live one takes ingest's bad-code budget many lifetimes (docs/redirect-urls.md#codes). */
export const REDIRECT_CODE_LENGTH = 8;
const CODE = /^[0-9A-Za-z]{8,16}$/;
/** The longest destination kept (browsers and proxies differ beyond ~2,000 characters). */
export const MAX_DESTINATION_LENGTH = 2048;
const LOOPBACK_NAME = /(^|\.)localhost\.?$/i;

/** A fresh random code: each character from node:crypto's unbiased randomInt, never Math.random. */
export function newRedirectCode(): string {
  let code = '';
  for (let i = 0; i < REDIRECT_CODE_LENGTH; i++) code += BASE62[randomInt(BASE62.length)];
  return code;
}

/** Whether a path segment can be a code at all: anything else is a 404 before any lookup. */
export const isRedirectCode = (value: string): boolean => CODE.test(value);

export type DestinationCheck = { ok: true; url: string } | { ok: false; problem: string };

const refused = (problem: string): DestinationCheck => ({ ok: false, problem });

/**
 * The destination as stored and redirected to, canonicalised by the WHATWG URL parser (`HTTPS://Example.COM/a/../b`
 * becomes `https://example.com/b`), or why it is refused: not http(s), credentials in it, control characters, too
 * long, a host that is an IP literal in a loopback, private, link-local or other non-public range (ipaddr.js's
 * classes, the egress policy's) or a loopback name, or ingest's own redirect path (a chain of redirects).
 * NOTE: a redirect is the browser's request, not Cairn's, so this is not egress; refusing private targets is what
 * people expect from a public short link, and it keeps a code from probing a visitor's own network.
 */
export function checkDestination(raw: string, ownOrigin?: string): DestinationCheck {
  if (raw.length > MAX_DESTINATION_LENGTH) return refused(`must be at most ${MAX_DESTINATION_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(raw)) return refused('must not contain control characters');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return refused('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused('must be an http or https URL');
  if (url.username || url.password) return refused('must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) return refused('must name a host');
  if (LOOPBACK_NAME.test(host)) return refused(`points at ${host}, a loopback name`);
  if (isIP(host) !== 0) {
    const range = addressRefusal(host, DEFAULT_EGRESS_POLICY);
    if (range !== null) return refused(`points at ${host} (${range}); only public addresses are allowed`);
  }
  if (ownOrigin !== undefined && url.origin === new URL(ownOrigin).origin && url.pathname.startsWith('/r/'))
    return refused('must not be another redirect URL');
  if (url.href.length > MAX_DESTINATION_LENGTH) return refused(`must be at most ${MAX_DESTINATION_LENGTH} characters`);
  return { ok: true, url: url.href };
}
