import { readFileSync } from 'node:fs';
import type { FieldSpec } from '../../lib/platform/config';
import { routeOf, type SmtpTlsPolicy } from './smtp-transport';

/** A route name: what the API stores and the sender looks up; bounded, so it can label metrics. */
export const ROUTE_NAME = /^[a-z0-9-]{1,40}$/;
export const DEFAULT_ROUTE = 'default';

/**
 * One named relay of the operator's (docs/sender.md#routes). The URL may carry credentials: it is held in a private
 * field, so neither JSON.stringify, util.inspect nor a template string shows it; `describe()` names the host only.
 */
export class SmtpRouteSetting {
  readonly #url: string;

  constructor(
    readonly name: string,
    url: string,
    readonly tls: SmtpTlsPolicy | null,
    readonly tlsVerify: boolean,
    readonly connections: number | null,
    readonly ratePerSecond: number | null,
  ) {
    this.#url = url;
  }

  /** The relay URL, credentials included: only for the transport that connects. */
  secretUrl(): string {
    return this.#url;
  }

  /** Name, scheme, host and port: what a log or an error may say of a route. */
  describe(): string {
    const parsed = new URL(this.#url);
    return `${this.name} (${parsed.protocol}//${parsed.host})`;
  }

  toString(): string {
    return `route ${this.describe()}`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, relay: this.describe(), tls: this.tls, tls_verify: this.tlsVerify };
  }
}

const KEYS = new Set(['name', 'url', 'tls', 'tls_verify', 'connections', 'rate_per_second']);

function own(entry: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(entry, key) ? entry[key] : undefined;
}

function positiveInt(value: unknown, where: string, min: number): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 100_000)
    throw new Error(`${where} must be an integer from ${min} to 100000`);
  return value;
}

/** The URL checked without ever repeating it in an error (it may hold a password). */
function relayUrl(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}.url must be a string`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${where}.url is not a URL`);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    throw new Error(`${where}.url must be smtp:// or smtps://`);
  if (!parsed.hostname) throw new Error(`${where}.url has no host`);
  return value;
}

function tlsPolicy(value: unknown, where: string): SmtpTlsPolicy | null {
  if (value === undefined) return null;
  if (value === 'required' || value === 'opportunistic' || value === 'off') return value;
  throw new Error(`${where}.tls must be 'required', 'opportunistic' or 'off'`);
}

function routeEntry(entry: unknown, index: number): SmtpRouteSetting {
  const where = `route ${index}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where} is not an object`);
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !KEYS.has(key));
  if (unknown !== undefined) throw new Error(`${where} has an unknown field ${JSON.stringify(unknown.slice(0, 40))}`);
  const name = own(fields, 'name');
  if (typeof name !== 'string' || !ROUTE_NAME.test(name)) throw new Error(`${where}.name must match [a-z0-9-]{1,40}`);
  if (name === DEFAULT_ROUTE) throw new Error(`${where}: "default" is CAIRN_SENDER_SMTP_URL and its settings`);
  const at = `route ${name}`;
  const url = relayUrl(own(fields, 'url'), at);
  const verify = own(fields, 'tls_verify') ?? true;
  if (typeof verify !== 'boolean') throw new Error(`${at}.tls_verify must be true or false`);
  const route = new SmtpRouteSetting(
    name,
    url,
    tlsPolicy(own(fields, 'tls'), at),
    verify,
    positiveInt(own(fields, 'connections'), `${at}.connections`, 1),
    positiveInt(own(fields, 'rate_per_second'), `${at}.rate_per_second`, 0),
  );
  // credentials with the TLS policy off are refused here, at start, rather than at the first message
  try {
    routeOf(url, { policy: route.tls, verify, ca: null });
  } catch (error) {
    throw new Error(`${at}: ${(error as Error).message}`);
  }
  return route;
}

/** CAIRN_SENDER_ROUTES: a JSON list of routes, names unique; the error never quotes a URL. */
export function parseRoutes(raw: string): SmtpRouteSetting[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON list of routes');
  }
  if (!Array.isArray(parsed)) throw new Error('must be a JSON list of routes');
  const routes = parsed.map(routeEntry);
  const names = new Set<string>();
  for (const route of routes) {
    if (names.has(route.name)) throw new Error(`route ${route.name} is named twice`);
    names.add(route.name);
  }
  return routes;
}

export const routesSchema = {
  routes: {
    env: 'CAIRN_SENDER_ROUTES',
    doc: 'named relays besides "default": a JSON list of {name, url, tls?, tls_verify?, connections?, rate_per_second?} (docs/sender.md#routes)',
    parse: parseRoutes,
    default: [],
    secret: true,
  } satisfies FieldSpec<SmtpRouteSetting[]>,
  routesFile: {
    env: 'CAIRN_SENDER_ROUTES_FILE',
    doc: 'a file holding the JSON of CAIRN_SENDER_ROUTES (read at start; not both)',
    parse: (path: string) => parseRoutes(readFileSync(path, 'utf8')),
    default: [],
  } satisfies FieldSpec<SmtpRouteSetting[]>,
};

/** The routes of either setting; both set is a configuration error (which one would win is not obvious). */
export function routesOf(config: { routes: SmtpRouteSetting[]; routesFile: SmtpRouteSetting[] }): SmtpRouteSetting[] {
  if (config.routes.length > 0 && config.routesFile.length > 0)
    throw new Error('CAIRN_SENDER_ROUTES and CAIRN_SENDER_ROUTES_FILE are both set: use one');
  return config.routes.length > 0 ? config.routes : config.routesFile;
}
