import { dashboardOf, type Dashboard, type GridPos, type JsonObject } from './grafana-model';

/*
 * The sender's throttling as it happens (docs/sender.md#throttling): read from the sender's /metrics through
 * Prometheus (stack/prometheus/prometheus.yml), not ClickHouse — a rate limit is process state, not an event. Panels
 * name only metrics the sender's registry exports; test/dashboards/throttle-dashboard.test.ts checks each one.
 */

/** The Prometheus data source provisioned by stack/grafana/provisioning/datasources/prometheus.yml. */
export const PROMETHEUS = { type: 'prometheus', uid: 'cairn-prometheus' } as const;

interface PromPanel {
  title: string;
  description: string;
  /** one PromQL expression; `legend` names each series */
  expr: string;
  legend: string;
  unit: string;
  gridPos: GridPos;
}

const TIMESERIES_OPTIONS: JsonObject = {
  legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
  tooltip: { mode: 'multi', sort: 'desc' },
};

const PANELS: PromPanel[] = [
  {
    title: 'Current rate limit per provider or domain',
    description:
      'Messages per second each throttle key (a provider group such as google, or a destination domain) is allowed now: halved on a throttling reply, +25 % per quiet minute up to its ceiling; 0 means unlimited. The slowest replica is shown.',
    expr: 'min by (key) (cairn_sender_throttle_rate)',
    legend: '{{key}}',
    unit: 'reqps',
    gridPos: { x: 0, y: 0, w: 12, h: 9 },
  },
  {
    title: 'Messages waiting per provider or domain',
    description: 'Messages held by their throttle key (pace or connection slot), summed over sender replicas.',
    expr: 'sum by (key) (cairn_sender_throttle_waiting)',
    legend: '{{key}}',
    unit: 'short',
    gridPos: { x: 12, y: 0, w: 12, h: 9 },
  },
  {
    title: 'Throttling replies per minute',
    description:
      'Receivers\' "slow down" replies (421, 4.7.x, provider texts) per key and signal (slow: the rate is halved; pause: the key waits).',
    expr: 'sum by (key, signal) (rate(cairn_sender_throttle_signals_total[5m])) * 60',
    legend: '{{key}} {{signal}}',
    unit: 'short',
    gridPos: { x: 0, y: 9, w: 12, h: 9 },
  },
  {
    title: 'Queue depth per destination domain',
    description: 'Messages waiting for a connection slot per destination domain, summed over sender replicas.',
    expr: 'sum by (domain) (cairn_sender_domain_queue_depth)',
    legend: '{{domain}}',
    unit: 'short',
    gridPos: { x: 12, y: 9, w: 12, h: 9 },
  },
];

export function senderThrottleDashboard(): Dashboard {
  return dashboardOf({
    uid: 'cairn-sender-throttle',
    title: 'Cairn: sending throttle',
    description:
      "The sender's adaptive rate limits per provider and domain, what waits for them, and the receivers' throttling replies (Prometheus).",
    variables: [],
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    panels: PANELS.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      description: panel.description,
      datasource: PROMETHEUS,
      gridPos: panel.gridPos,
      targets: [{ refId: 'A', datasource: PROMETHEUS, expr: panel.expr, legendFormat: panel.legend }],
      options: TIMESERIES_OPTIONS,
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    })),
  });
}
