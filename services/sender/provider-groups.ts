import { promises as dns } from 'node:dns';

/** Mailbox providers whose domains share one receiving infrastructure, and so one throttle key. */
const PROVIDER_DOMAINS: Record<string, readonly string[]> = {
  google: ['gmail.com', 'googlemail.com'],
  microsoft: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'hotmail.co.uk', 'live.co.uk', 'outlook.fr'],
  yahoo: ['yahoo.com', 'ymail.com', 'aol.com', 'rocketmail.com', 'yahoo.co.uk', 'yahoo.fr', 'aim.com'],
  apple: ['icloud.com', 'me.com', 'mac.com'],
  gmx: ['gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com'],
  proton: ['proton.me', 'protonmail.com', 'pm.me'],
  zoho: ['zoho.com', 'zohomail.com'],
  yandex: ['yandex.ru', 'yandex.com', 'ya.ru'],
};

/** MX host suffixes → provider: Google Workspace and Microsoft 365 domains share their provider's limit. */
const MX_SUFFIXES: readonly (readonly [string, string])[] = [
  ['google.com', 'google'],
  ['googlemail.com', 'google'],
  ['outlook.com', 'microsoft'],
  ['hotmail.com', 'microsoft'],
  ['yahoodns.net', 'yahoo'],
  ['icloud.com', 'apple'],
  ['gmx.net', 'gmx'],
  ['web.de', 'gmx'],
  ['protonmail.ch', 'proton'],
  ['zoho.com', 'zoho'],
  ['yandex.net', 'yandex'],
];

const BY_DOMAIN = new Map(Object.entries(PROVIDER_DOMAINS).flatMap(([p, ds]) => ds.map((d) => [d, p] as const)));

/** every provider group name: metrics always label these (docs/sender.md#throttling) */
export const PROVIDERS: ReadonlySet<string> = new Set(Object.keys(PROVIDER_DOMAINS));

/** The provider of a well-known domain, or null. */
export function providerOfDomain(domain: string): string | null {
  return BY_DOMAIN.get(domain.toLowerCase()) ?? null;
}

/** The provider of an MX host name (trailing dot and case ignored), or null. */
export function providerOfMx(exchange: string): string | null {
  const host = exchange.toLowerCase().replace(/\.$/, '');
  for (const [suffix, provider] of MX_SUFFIXES) if (host === suffix || host.endsWith(`.${suffix}`)) return provider;
  return null;
}

export interface ProviderResolverOptions {
  /** longest wait for an MX answer before a send goes on under the domain's own key; 0: no MX lookups */
  timeoutMs: number;
  /** how long an answer (or a failure) is kept */
  ttlMs: number;
  resolveMx?: (domain: string) => Promise<{ exchange: string; priority: number }[]>;
  now?: () => number;
  maxEntries?: number;
}

function resolverOf(timeoutMs: number): (domain: string) => Promise<{ exchange: string; priority: number }[]> {
  const resolver = new dns.Resolver({ timeout: Math.max(1, timeoutMs), tries: 1 });
  return (domain) => resolver.resolveMx(domain);
}

/**
 * The throttle key of a destination domain: its provider when the domain is well known or its MX is a provider's,
 * else the domain itself. MX answers are cached; a lookup slower than the timeout never holds a send longer (the
 * send goes on under the domain, and the answer is kept for the next one); a failure means the domain itself.
 */
export class ProviderResolver {
  private readonly cache = new Map<string, { key: string; until: number }>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly resolveMx: NonNullable<ProviderResolverOptions['resolveMx']>;
  private readonly now: () => number;

  constructor(private readonly options: ProviderResolverOptions) {
    this.resolveMx = options.resolveMx ?? resolverOf(options.timeoutMs);
    this.now = options.now ?? Date.now;
  }

  /** what keyOf() last answered for this domain, without a lookup */
  cached(domain: string): string {
    const name = domain.toLowerCase();
    return providerOfDomain(name) ?? this.cache.get(name)?.key ?? name;
  }

  async keyOf(domain: string): Promise<string> {
    const name = domain.toLowerCase();
    const known = providerOfDomain(name);
    if (known || this.options.timeoutMs <= 0) return known ?? name;
    const hit = this.cache.get(name);
    if (hit && hit.until > this.now()) return hit.key;
    const lookup = this.pending.get(name) ?? this.lookup(name);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(name), this.options.timeoutMs)));
    try {
      return await Promise.race([lookup, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private lookup(name: string): Promise<string> {
    const settle = (key: string): string => {
      if (this.cache.size >= (this.options.maxEntries ?? 10_000)) this.cache.clear();
      this.cache.set(name, { key, until: this.now() + this.options.ttlMs });
      this.pending.delete(name);
      return key;
    };
    const lookup = this.resolveMx(name).then(
      (records) => {
        const first = [...records].sort((a, b) => a.priority - b.priority)[0];
        return settle((first && providerOfMx(first.exchange)) ?? name);
      },
      () => settle(name),
    );
    this.pending.set(name, lookup);
    return lookup;
  }
}
