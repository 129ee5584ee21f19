import { Counter, Gauge, type Registry } from 'prom-client';
import type { KeyView } from './domain-limiter';
import { PROVIDERS } from './provider-groups';

/** domains labelled by name before the rest are counted as "other" */
export const MAX_LABELLED_DOMAINS = 50;

/**
 * Bounded label values for throttle keys: every provider group, the first MAX_LABELLED_DOMAINS domains seen, then
 * "other" (docs/sender.md#throttling).
 */
export class KeyLabels {
  private readonly domains = new Set<string>();

  constructor(private readonly max = MAX_LABELLED_DOMAINS) {}

  of(key: string): string {
    if (PROVIDERS.has(key) || this.domains.has(key)) return key;
    if (this.domains.size < this.max) {
      this.domains.add(key);
      return key;
    }
    return 'other';
  }
}

/** Per label: waiting messages summed, the slowest rate (0: unlimited) of its keys. */
function byLabel(views: KeyView[], labels: KeyLabels): Map<string, { perSecond: number; waiting: number }> {
  const out = new Map<string, { perSecond: number; waiting: number }>();
  for (const view of views) {
    const label = labels.of(view.key);
    const seen = out.get(label);
    if (!seen) out.set(label, { perSecond: view.perSecond, waiting: view.waiting });
    else {
      seen.waiting += view.waiting;
      if (view.perSecond > 0 && (seen.perSecond === 0 || view.perSecond < seen.perSecond))
        seen.perSecond = view.perSecond;
    }
  }
  return out;
}

/** cairn_sender_throttle_rate / _waiting gauges and the _signals_total counter, in the sender's registry. */
export function throttleMetrics(registry: Registry, keys: () => KeyView[]): (key: string, signal: string) => void {
  const labels = new KeyLabels();
  const signals = new Counter({
    name: 'cairn_sender_throttle_signals_total',
    help: 'throttling replies per throttle key (provider group or domain) and signal (slow, pause)',
    labelNames: ['key', 'signal'],
    registers: [registry],
  });
  // NOTE: each gauge reads the keys in its own collect(): a registry collects its metrics one by one in order, so a
  // gauge filled by another's collect() would show the previous scrape's values.
  new Gauge({
    name: 'cairn_sender_throttle_waiting',
    help: 'messages waiting for their throttle key (pace or connection slot)',
    labelNames: ['key'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, view] of byLabel(keys(), labels)) this.set({ key }, view.waiting);
    },
  });
  new Gauge({
    name: 'cairn_sender_throttle_rate',
    help: 'current rate limit per throttle key, messages per second (0: unlimited)',
    labelNames: ['key'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, view] of byLabel(keys(), labels)) this.set({ key }, view.perSecond);
    },
  });
  return (key, signal) => signals.inc({ key: labels.of(key), signal });
}
