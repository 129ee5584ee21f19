/*
 * Builders for Grafana's dashboard JSON model (schemaVersion 39, Grafana 11.2 as in docker-compose.yml). The
 * dashboards in dashboards/*.json are generated from scripts/dashboards/*.dashboard.ts by scripts/build-dashboards.ts,
 * so their SQL can render the KPI expressions of services/api/insights instead of restating them; a test checks every file
 * against @grafana/schema and that the committed JSON equals what the sources generate.
 */

/** The ClickHouse data source provisioned by stack/grafana/provisioning/datasources/clickhouse.yml. */
export const CLICKHOUSE = { type: 'grafana-clickhouse-datasource', uid: 'cairn-clickhouse' } as const;

/**
 * The PostgreSQL data source provisioned by stack/grafana/provisioning/datasources/postgres.yml (Grafana's built-in
 * plugin), read-only on the few tables the segments dashboard reads (stack/postgres/grafana-role.sql).
 */
export const POSTGRES = { type: 'grafana-postgresql-datasource', uid: 'cairn-postgres' } as const;

/** A SQL data source a dashboard's panels and variables read. */
export type SqlSource = typeof CLICKHOUSE | typeof POSTGRES;

const GRID_WIDTH = 24;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type JsonObject = Record<string, unknown>;

/** One ClickHouse SQL query of a panel, as the plugin (v4) stores it. */
export interface ClickHouseTarget {
  refId: string;
  datasource: typeof CLICKHOUSE;
  editorType: 'sql';
  /** the plugin's result format: 0 time series (long rows become one series per label), 1 table */
  format: 0 | 1;
  queryType: 'timeSeries' | 'table';
  rawSql: string;
}

/** One PostgreSQL query of a panel, as Grafana's PostgreSQL data source stores a query written as code. */
export interface PostgresTarget {
  refId: string;
  datasource: typeof POSTGRES;
  editorMode: 'code';
  rawQuery: true;
  format: 'time_series' | 'table';
  rawSql: string;
}

/** One PromQL query of a panel (the sending-throttle dashboard reads the sender's /metrics through Prometheus). */
export interface PrometheusTarget {
  refId: string;
  datasource: { type: 'prometheus'; uid: string };
  expr: string;
  legendFormat: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description: string;
  datasource: SqlSource | PrometheusTarget['datasource'];
  gridPos: GridPos;
  targets: Array<ClickHouseTarget | PostgresTarget> | PrometheusTarget[];
  options: JsonObject;
  fieldConfig: { defaults: JsonObject; overrides: JsonObject[] };
}

/** A panel before layout: the grid position is computed from the order of the panels and their sizes. */
export interface PanelSpec {
  type: 'stat' | 'timeseries' | 'table' | 'barchart';
  title: string;
  description: string;
  sql: string;
  w: number;
  h: number;
  options?: JsonObject;
  defaults?: JsonObject;
  overrides?: JsonObject[];
}

export interface Variable {
  type: 'query';
  name: string;
  label: string;
  description: string;
  datasource: SqlSource;
  query: string;
  /** 1: on dashboard load (the lists change as events arrive, not with the time range) */
  refresh: 1;
  sort: 1;
  includeAll: false;
  multi: false;
  hide: 0;
  regex: '';
  options: [];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser';
  editable: true;
  graphTooltip: 1;
  schemaVersion: 39;
  version: 1;
  refresh: string;
  time: { from: string; to: string };
  links: JsonObject[];
  annotations: { list: JsonObject[] };
  templating: { list: Variable[] };
  panels: Panel[];
}

export function queryVariable(name: string, label: string, description: string, sql: string, source: SqlSource = CLICKHOUSE): Variable {
  return {
    type: 'query', name, label, description, datasource: source, query: sql,
    refresh: 1, sort: 1, includeAll: false, multi: false, hide: 0, regex: '', options: [],
  };
}

const PANEL_DEFAULTS: Record<PanelSpec['type'], { options: JsonObject; format: ClickHouseTarget['format'] }> = {
  stat: {
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'value' },
    format: 1,
  },
  timeseries: { options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } }, format: 0 },
  table: { options: { showHeader: true, cellHeight: 'sm' }, format: 1 },
  barchart: {
    options: { orientation: 'auto', showValue: 'auto', stacking: 'none', xTickLabelRotation: 0, legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] } },
    format: 1,
  },
};

/** The panel's one query in the shape its data source's plugin stores. */
function targetOf(source: SqlSource, sql: string, timeSeries: boolean): ClickHouseTarget | PostgresTarget {
  if (source === POSTGRES) return { refId: 'A', datasource: POSTGRES, editorMode: 'code', rawQuery: true, format: timeSeries ? 'time_series' : 'table', rawSql: sql };
  return { refId: 'A', datasource: CLICKHOUSE, editorType: 'sql', format: timeSeries ? 0 : 1, queryType: timeSeries ? 'timeSeries' : 'table', rawSql: sql };
}

/** Places panels left to right in rows of 24 grid units, as Grafana's own layout would. */
export function layout(specs: PanelSpec[], source: SqlSource = CLICKHOUSE): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index) => {
    if (x + spec.w > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: spec.w, h: spec.h };
    x += spec.w;
    rowHeight = Math.max(rowHeight, spec.h);
    const defaults = PANEL_DEFAULTS[spec.type];
    const timeSeries = defaults.format === 0;
    return {
      id: index + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      datasource: source,
      gridPos,
      targets: [targetOf(source, spec.sql, timeSeries)],
      options: { ...defaults.options, ...spec.options },
      fieldConfig: { defaults: spec.defaults ?? {}, overrides: spec.overrides ?? [] },
    };
  });
}

/** Every Cairn dashboard links to the others (same variables and time range carried over). */
const CAIRN_LINKS = [{ type: 'dashboards', tags: ['cairn'], asDropdown: true, includeVars: true, keepTime: true, title: 'Cairn dashboards', tooltip: '', icon: 'external link', url: '', targetBlank: false }];

/** A dashboard of panels already placed; `time` defaults to the last 30 days. */
export function dashboardOf(spec: { uid: string; title: string; description: string; variables: Variable[]; panels: Panel[]; refresh?: string; time?: Dashboard['time'] }): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['cairn'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: spec.refresh ?? '',
    time: spec.time ?? { from: 'now-30d', to: 'now' },
    links: CAIRN_LINKS,
    annotations: { list: [] },
    templating: { list: spec.variables },
    panels: spec.panels,
  };
}

export function dashboard(spec: { uid: string; title: string; description: string; variables: Variable[]; panels: PanelSpec[]; refresh?: string; source?: SqlSource }): Dashboard {
  return dashboardOf({ ...spec, panels: layout(spec.panels, spec.source) });
}
