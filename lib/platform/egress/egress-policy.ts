import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { int, loadConfig, type FieldSpec } from '../config';

/**
 * The egress policy: where Cairn's outbound HTTP calls (launch-workflow webhooks, alert webhooks) may go. Only
 * public unicast addresses on the allowed ports, unless the operator allowlists private ranges
 * (docs/security.md#egress-webhook-signing-and-scopes). Address classes come from ipaddr.js, the same
 * definitions request-filtering-agent uses at connect time (egress-client.ts), so the save-time check and the
 * send-time check agree.
 */
export interface EgressPolicy {
  /** CIDRs allowed although they are not public unicast, normalised (`10.1.0.0/16`); empty by default */
  readonly allowCidrs: readonly string[];
  /** inclusive destination port ranges */
  readonly allowPorts: readonly (readonly [number, number])[];
  /** most bytes of an answer read before the connection is cut */
  readonly maxResponseBytes: number;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * IPv4-compatible IPv6 (`::a.b.c.d`, long deprecated) is "unicast" to ipaddr.js; denied here and in the
 * agent's deny list. (IPv4-mapped `::ffff:a.b.c.d` is its own non-unicast range, refused like every other.)
 */
export const ALWAYS_DENIED_CIDRS: readonly string[] = ['::/96'];

function parseCidr(item: string): string {
  if (isIP(item) !== 0) {
    const address = ipaddr.parse(item);
    return `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
  }
  if (!ipaddr.isValidCIDR(item)) throw new Error(`"${item}" is not an IP address or CIDR`);
  const [address, bits] = ipaddr.parseCIDR(item);
  return `${address.toString()}/${bits}`;
}

function parsePorts(raw: string): [number, number][] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
      const from = Number(match?.[1]);
      const to = Number(match?.[2] ?? match?.[1]);
      if (!match || from < 1 || to > 65_535 || from > to)
        throw new Error(`"${item}" is not a port or a port range (1-65535)`);
      return [from, to];
    });
}

const listOf = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const spec = <T>(field: FieldSpec<T>): FieldSpec<T> => field;

/** The egress settings; every service that calls out spreads them into its config schema. */
export const egressSchema = {
  egressAllowCidrs: spec<readonly string[]>({
    env: 'CAIRN_EGRESS_ALLOW_CIDRS',
    doc: 'comma-separated CIDRs (or addresses) outbound webhooks may reach although they are loopback, private, link-local or otherwise not public (empty: public addresses only)',
    parse: (raw: string) => listOf(raw).map(parseCidr),
    default: [],
  }),
  egressAllowPorts: spec<readonly (readonly [number, number])[]>({
    env: 'CAIRN_EGRESS_ALLOW_PORTS',
    doc: 'destination ports outbound webhooks may use: ports and ranges, comma-separated (e.g. 80,443,8443)',
    parse: parsePorts,
    default: [
      [80, 80],
      [443, 443],
    ],
  }),
  egressMaxResponseBytes: int(
    'CAIRN_EGRESS_MAX_RESPONSE_BYTES',
    'most bytes of a webhook answer read before the connection is cut',
    { default: 65_536 },
  ),
};

export function egressPolicyOf(config: {
  egressAllowCidrs: readonly string[];
  egressAllowPorts: readonly (readonly [number, number])[];
  egressMaxResponseBytes: number;
}): EgressPolicy {
  return Object.freeze({
    allowCidrs: config.egressAllowCidrs,
    allowPorts: config.egressAllowPorts,
    maxResponseBytes: config.egressMaxResponseBytes,
  });
}

/** What an operator who configured nothing gets. */
export const DEFAULT_EGRESS_POLICY: EgressPolicy = egressPolicyOf(loadConfig(egressSchema, {}));

/** An IPv4 address never matches an IPv6 CIDR (ipaddr.js throws on mixed kinds): compared within one kind. */
const inAny = (address: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly string[]): boolean =>
  cidrs.some((text) => {
    const cidr: Cidr = ipaddr.parseCIDR(text);
    return cidr[0].kind() === address.kind() && address.match(cidr);
  });

/**
 * Why an IP address is refused (its ipaddr.js range, e.g. `loopback`, `carrierGradeNat`, `ipv4Mapped`), or
 * null when the policy lets it through: an allowlisted CIDR first, then only public unicast.
 */
export function addressRefusal(address: string, policy: EgressPolicy): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.parse(address);
  if (inAny(parsed, policy.allowCidrs)) return null;
  const range = parsed.range();
  if (range !== 'unicast') return range;
  return inAny(parsed, ALWAYS_DENIED_CIDRS) ? 'ipv4Compatible' : null;
}

export const portAllowed = (port: number, policy: EgressPolicy): boolean =>
  policy.allowPorts.some(([from, to]) => port >= from && port <= to);

/** `localhost` and `*.localhost` are loopback names by definition, whatever a resolver says (docs/security.md). */
const LOOPBACK_NAME = /(^|\.)localhost\.?$/i;

/**
 * The synchronous check for save time (journey check, go-live, alert webhook settings): scheme, port, and a host
 * that is an IP literal (in any form the WHATWG URL parser accepts: `0x7f.1`, `2130706433`, `[::ffff:7f00:1]`)
 * or a loopback name. A name that resolves to a refused address passes here and is refused at send time.
 * Returns the reason the URL is refused, or null.
 */
export function literalEgressRefusal(raw: string, policy: EgressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `uses ${url.protocol.replace(/:$/, '')}; only http and https are allowed`;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!portAllowed(port, policy))
    return `uses port ${port}, which the egress policy does not allow (CAIRN_EGRESS_ALLOW_PORTS)`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const address = isIP(host) !== 0 ? host : LOOPBACK_NAME.test(host) ? '127.0.0.1' : null;
  const refusal = address === null ? null : addressRefusal(address, policy);
  return refusal === null
    ? null
    : `points at ${host} (${refusal}), which the egress policy refuses (CAIRN_EGRESS_ALLOW_CIDRS)`;
}
