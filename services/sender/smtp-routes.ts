import type { Pool } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import type { KeyView } from './domain-limiter';
import type { SmtpOutcome } from './mail-types';
import { DEFAULT_ROUTE, type SmtpRouteSetting } from './routes.config';
import { SmtpDelivery, type SmtpDeliveryOptions } from './smtp-delivery';
import { TtlCache } from './ttl-cache';

/** A message's route: its delivery, or why it has none (not_sent, retried: the operator fixes the settings). */
export type Routed =
  { route: string; delivery: SmtpDelivery } | { route: string; unsent: Extract<SmtpOutcome, { kind: 'not_sent' }> };

/** Where a (workspace, From address) goes, by route name; null: the default. */
export type RouteLookup = (workspaceId: string, fromAddress: string) => Promise<string | null>;

/**
 * The route name of a message's From domain, then of its workspace (docs/sender.md#routes), cached per (workspace,
 * From address) for a short TTL so no message waits on a query and a change reaches the sender within it.
 */
export class RouteNames {
  private readonly cache: TtlCache<string | null>;

  constructor(
    private readonly pool: Pool,
    ttlMs: number,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  nameFor(workspaceId: string, fromAddress: string): Promise<string | null> {
    return this.cache.get(`${workspaceId}:${fromAddress}`, () =>
      this.load(workspaceId, sendingDomainOfAddress(fromAddress)),
    );
  }

  private async load(workspaceId: string, domain: string | null): Promise<string | null> {
    const { rows } = await this.pool.query<{ route_name: string | null }>(
      `SELECT coalesce((SELECT route_name FROM sending_domains WHERE workspace_id = $1 AND domain = $2),
                       route_name) AS route_name
         FROM workspaces WHERE id = $1`,
      [workspaceId, domain ?? ''],
    );
    return rows[0]?.route_name ?? null;
  }
}

/**
 * One SmtpDelivery (transport pool and limiter) per route, the default built at start, the others on their first
 * message. A route takes the default's settings but for its URL, TLS policy and verification, connections and rate.
 */
export class SmtpRoutes {
  private readonly deliveries = new Map<string, SmtpDelivery>();
  private readonly settings: Map<string, SmtpRouteSetting>;

  constructor(
    private readonly base: SmtpDeliveryOptions,
    routes: readonly SmtpRouteSetting[],
    private readonly lookup: RouteLookup | null,
    /** what differs per route besides its settings: the metrics callbacks labelled with its name */
    private readonly perRoute: (route: string) => Partial<SmtpDeliveryOptions> = () => ({}),
  ) {
    this.settings = new Map(routes.map((route) => [route.name, route]));
    this.deliveries.set(DEFAULT_ROUTE, new SmtpDelivery({ ...base, ...perRoute(DEFAULT_ROUTE) }));
  }

  async pick(workspaceId: string, fromAddress: string): Promise<Routed> {
    let name: string;
    try {
      name = (this.lookup ? await this.lookup(workspaceId, fromAddress) : null) ?? DEFAULT_ROUTE;
    } catch (error) {
      const reason = `route lookup failed: ${(error as Error).message}`.slice(0, 300);
      return { route: DEFAULT_ROUTE, unsent: { kind: 'not_sent', error: reason } };
    }
    const delivery = this.deliveryOf(name);
    // NOTE: a route name the sender does not know is never replaced by the default: the tenant's mail would leave
    // through a relay the operator did not choose for it; not_sent, retried until the settings name it.
    if (!delivery) return { route: name, unsent: { kind: 'not_sent', error: `route_unknown: ${name}` } };
    return { route: name, delivery };
  }

  private deliveryOf(name: string): SmtpDelivery | null {
    const found = this.deliveries.get(name);
    if (found) return found;
    const setting = this.settings.get(name);
    if (!setting) return null;
    const { base } = this;
    const delivery = new SmtpDelivery({
      ...base,
      url: setting.secretUrl(),
      maxConnections: setting.connections ?? base.maxConnections,
      ratePerSecond: setting.ratePerSecond ?? base.ratePerSecond,
      tls: { policy: setting.tls, verify: setting.tlsVerify, ca: base.tls?.ca ?? null },
      ...this.perRoute(name),
    });
    this.deliveries.set(name, delivery);
    return delivery;
  }

  /** Messages waiting per destination domain, summed over the routes. */
  queued(): Map<string, number> {
    const total = new Map<string, number>();
    for (const delivery of this.deliveries.values())
      for (const [domain, depth] of delivery.queued()) total.set(domain, (total.get(domain) ?? 0) + depth);
    return total;
  }

  /** Each route's throttle keys; another route's keys carry its name ("<route>:<key>"), the default's do not. */
  throttleKeys(): KeyView[] {
    return [...this.deliveries].flatMap(([name, delivery]) =>
      delivery.throttleKeys().map((view) => (name === DEFAULT_ROUTE ? view : { ...view, key: `${name}:${view.key}` })),
    );
  }

  close(): void {
    for (const delivery of this.deliveries.values()) delivery.close();
  }
}
