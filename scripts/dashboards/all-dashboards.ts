import { deliverabilityDashboard } from './deliverability.dashboard';
import { emailInsightsDashboard } from './email-insights.dashboard';
import { engagementDashboard } from './engagement.dashboard';
import type { Dashboard } from './grafana-model';
import { journeyTilesDashboard } from './journey-tiles.dashboard';
import { leadScoringDashboard } from './lead-scoring.dashboard';
import { pagesFormsDashboard } from './pages-forms.dashboard';
import { pipelineHealthDashboard } from './pipeline-health.dashboard';
import { redirectUrlsDashboard } from './redirect-urls.dashboard';
import { segmentsDashboard } from './segments.dashboard';
import { senderThrottleDashboard } from './sender-throttle.dashboard';
import { webTrackingDashboard } from './web-tracking.dashboard';

/** Every dashboard and the file under dashboards/ it is written to (scripts/build-dashboards.ts). */
export const DASHBOARDS: { file: string; build: () => Dashboard }[] = [
  { file: 'email-insights.json', build: emailInsightsDashboard },
  { file: 'journey-tiles.json', build: journeyTilesDashboard },
  { file: 'deliverability.json', build: deliverabilityDashboard },
  { file: 'engagement.json', build: engagementDashboard },
  { file: 'pipeline-health.json', build: pipelineHealthDashboard },
  { file: 'pages-forms.json', build: pagesFormsDashboard },
  { file: 'redirect-urls.json', build: redirectUrlsDashboard },
  { file: 'lead-scoring.json', build: leadScoringDashboard },
  { file: 'web-tracking.json', build: webTrackingDashboard },
];

/**
 * Dashboards over PostgreSQL (state counted where it changes and kept nowhere else: segment membership), written
 * beside them; their SQL is PostgreSQL's, tested on the real PostgreSQL (test/dashboards/segments-dashboard.test.ts).
 */
export const POSTGRES_DASHBOARDS: { file: string; build: () => Dashboard }[] = [
  { file: 'segments.json', build: segmentsDashboard },
];

/** Dashboards over Prometheus (process state from /metrics), written beside them; their queries are not SQL. */
export const PROMETHEUS_DASHBOARDS: { file: string; build: () => Dashboard }[] = [
  { file: 'sender-throttle.json', build: senderThrottleDashboard },
];

/** Every dashboard file, whatever its data source: what `npm run dashboards` writes and the schema test checks. */
export const ALL_DASHBOARDS = [...DASHBOARDS, ...POSTGRES_DASHBOARDS, ...PROMETHEUS_DASHBOARDS];

/** The file's text: what Grafana provisions and what the test compares with the sources. */
export const dashboardJson = (dashboard: Dashboard): string => `${JSON.stringify(dashboard, null, 2)}\n`;
