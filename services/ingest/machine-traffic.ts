/**
 * Machine traffic is recorded but labelled (docs/ingest.md#machine-traffic): the recipient still gets the GIF or
 * redirect, and the aggregator leaves machine=true events out of the human KPIs.
 */
export type MachineReason = 'head' | 'prefetch' | 'scanner_ua' | 'scanner_net' | 'apple_mpp' | 'too_soon';

export interface HitContext {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  /** epoch seconds the message was sent (from the token) */
  sentAt: number;
  nowMs: number;
}

/** Link scanners of mail security gateways and generic HTTP clients that no person clicks with. */
const SCANNER_UA =
  /barracuda|mimecast|proofpoint|symantec|messagelabs|trend ?micro|forcepoint|sophos|fortinet|cisco|ironport|safelinks|microsoft office|ms-office|bingpreview|slackbot|facebookexternalhit|\bbot\b|crawler|spider|python-requests|python-urllib|aiohttp|\bcurl\/|wget|go-http-client|java\/|okhttp|libwww|httpclient|axios|node-fetch|undici|scanner/i;

/** Browsers announce speculative loads in one of these headers. */
const PREFETCH_HEADERS = ['purpose', 'sec-purpose', 'x-moz'] as const;
const PREFETCH = /prefetch|preview/i;

/** Apple Mail Privacy Protection fetches through Apple's network (17.0.0.0/8). */
const APPLE_NETWORK = { base: 17 << 24, mask: 0xff000000 };

interface Cidr {
  base: number;
  mask: number;
}

/** Dotted IPv4 (or IPv4-mapped IPv6) to an unsigned int, null for anything else; parsed by char code, per hit. */
export function ipv4ToInt(ip: string): number | null {
  let at = ip.startsWith('::ffff:') ? 7 : 0;
  let value = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0 && ip.charCodeAt(at++) !== 0x2e) return null;
    let n = 0;
    let digits = 0;
    for (let c = ip.charCodeAt(at); c >= 0x30 && c <= 0x39 && digits < 4; c = ip.charCodeAt(++at), digits++)
      n = n * 10 + (c - 0x30);
    if (digits === 0 || digits > 3 || n > 255) return null;
    value = value * 256 + n;
  }
  return at === ip.length ? value : null;
}

export function parseCidrs(specs: readonly string[]): Cidr[] {
  return specs.map((spec) => {
    const [ip = '', bits = '32'] = spec.split('/');
    const base = ipv4ToInt(ip);
    const prefix = Number(bits);
    if (base === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`bad CIDR ${spec}`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { base: (base & mask) >>> 0, mask };
  });
}

function inNetwork(ip: number, cidr: Cidr): boolean {
  return (ip & cidr.mask) >>> 0 === (cidr.base & cidr.mask) >>> 0;
}

function header(headers: HitContext['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value) ?? '';
}

export function machineReason(
  hit: HitContext,
  scannerNetworks: readonly Cidr[],
  windowSeconds: number,
): MachineReason | null {
  if (hit.method === 'HEAD') return 'head';
  if (PREFETCH_HEADERS.some((name) => hit.headers[name] !== undefined && PREFETCH.test(header(hit.headers, name))))
    return 'prefetch';
  const ua = header(hit.headers, 'user-agent');
  if (!ua || SCANNER_UA.test(ua)) return 'scanner_ua';
  const ip = ipv4ToInt(hit.ip);
  if (ip !== null && scannerNetworks.some((cidr) => inNetwork(ip, cidr))) return 'scanner_net';
  if (ip !== null && inNetwork(ip, APPLE_NETWORK)) return 'apple_mpp';
  if (ua === 'Mozilla/5.0') return 'apple_mpp';
  if (hit.nowMs - hit.sentAt * 1000 < windowSeconds * 1000) return 'too_soon';
  return null;
}
