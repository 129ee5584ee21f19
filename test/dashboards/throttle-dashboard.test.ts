import { senderThrottleDashboard } from '../../scripts/dashboards/sender-throttle.dashboard';
import { SenderMetrics } from '../../services/sender/sender.metrics';

// The sending-throttle dashboard (dashboards/sender-throttle.json) reads the sender's /metrics through Prometheus:
// every metric and label its PromQL names must be one the sender's registry exports, or the panel stays empty.

const PROMQL_FUNCTIONS = new Set(['min', 'max', 'sum', 'avg', 'rate', 'by', 'without']);

function queried(expr: string): { metrics: string[]; labels: string[] } {
  const labels = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? '').split(',').map((label) => label.trim()),
  );
  const metrics = [...expr.matchAll(/\b[a-z_][a-z0-9_]*\b/g)]
    .map((m) => m[0])
    .filter((word) => !PROMQL_FUNCTIONS.has(word) && !labels.includes(word));
  return { metrics, labels };
}

describe('sending-throttle dashboard', () => {
  const dashboard = senderThrottleDashboard();
  const exported = new Map<string, string[]>();

  beforeAll(async () => {
    const metrics = new SenderMetrics(
      () => new Map([['example.com', 2]]),
      () => [{ key: 'google', perSecond: 5, waiting: 3, signals: 1 }],
    );
    metrics.throttleSignal('google', 'slow');
    for (const metric of await metrics.registry.getMetricsAsJSON())
      exported.set(
        metric.name,
        metric.values.flatMap((value) => Object.keys(value.labels)),
      );
  });

  it.each(dashboard.panels.map((panel) => [panel.title, panel] as const))('%s names exported metrics and labels', (_title, panel) => {
    for (const target of panel.targets) {
      if (!('expr' in target)) throw new Error(`panel ${panel.title} has a non-PromQL target`);
      const { metrics, labels } = queried(target.expr);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics) {
        expect({ metric, exported: exported.has(metric) }).toEqual({ metric, exported: true });
        for (const label of labels) expect(exported.get(metric)).toContain(label);
      }
      for (const label of target.legendFormat.match(/(?<=\{\{)\w+(?=\}\})/g) ?? []) expect(labels).toContain(label);
    }
  });

  it('fails for a metric the sender does not export (the check can fail)', () => {
    const { metrics } = queried('sum by (key) (cairn_sender_throttle_ratee)');
    expect(metrics.filter((metric) => !exported.has(metric))).toEqual(['cairn_sender_throttle_ratee']);
  });
});
