import { DASHBOARDS } from '../../scripts/dashboards/all-dashboards';

/** What Grafana and the ClickHouse plugin (v4) substitute into a panel's SQL. */
export interface GrafanaScope {
  from: Date;
  to: Date;
  /** $__interval_s: the panel's interval in seconds */
  intervalSeconds: number;
  variables: Record<string, string>;
}

/** Grafana's `percentencode` format (encodeURIComponentStrict): encodeURIComponent plus ! ' ( ) *. */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Grafana's `sqlstring` format: one SQL string literal, each ' doubled. */
export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Replaces `${name:format}` with the scope's value rendered by `render`; a variable the test did not bind throws. */
function bindVariables(text: string, format: string, scope: Pick<GrafanaScope, 'variables'>, render: (value: string) => string): string {
  return text.replace(new RegExp(`\\$\\{(\\w+):${format}\\}`, 'g'), (_, name: string) => {
    const value = scope.variables[name];
    if (value === undefined) throw new Error(`dashboard query uses \${${name}}, not bound by the test`);
    return render(value);
  });
}

function noneLeft(bound: string): string {
  if (bound.includes('$__') || /\$\{/.test(bound)) throw new Error(`unbound Grafana syntax left in ${bound.slice(0, 200)}`);
  return bound;
}

/**
 * Binds a dashboard query as Grafana would: variables (only the percentencode format is used by Cairn's dashboards)
 * and the plugin's macros ($__fromTime → toDateTime(<unix seconds>), as pkg/macros/macros.go renders them).
 */
export function bindGrafana(text: string, scope: GrafanaScope): string {
  const bound = bindVariables(text, 'percentencode', scope, percentEncode)
    .replaceAll('$__fromTime', `toDateTime(${seconds(scope.from)})`)
    .replaceAll('$__toTime', `toDateTime(${seconds(scope.to)})`)
    .replaceAll('$__interval_s', String(scope.intervalSeconds));
  if (bound.includes('$')) throw new Error(`unbound Grafana syntax left in ${bound.slice(0, 200)}`);
  return bound;
}

/**
 * Binds a query of a PostgreSQL dashboard as Grafana's PostgreSQL data source would: variables in the `sqlstring`
 * format, and $__timeFrom()/$__timeTo() as quoted RFC 3339 instants in UTC (whole seconds, as Grafana renders them).
 * PostgreSQL's own positional parameters never appear in a dashboard, so any `$__` or `${` left is an error.
 */
export function bindGrafanaPostgres(text: string, scope: Pick<GrafanaScope, 'from' | 'to' | 'variables'>): string {
  const instant = (date: Date): string => `'${new Date(seconds(date) * 1000).toISOString().replace('.000Z', 'Z')}'`;
  return noneLeft(
    bindVariables(text, 'sqlstring', scope, sqlString)
      .replaceAll('$__timeFrom()', instant(scope.from))
      .replaceAll('$__timeTo()', instant(scope.to)),
  );
}

export interface DashboardQuery {
  dashboard: string;
  /** a panel's title, or "variable <name>" */
  title: string;
  sql: string;
}

/** Every query of every dashboard file: panel targets and query variables. */
export function dashboardQueries(dashboards: { file: string; json: DashboardFile }[]): DashboardQuery[] {
  return dashboards.flatMap(({ file, json }) => [
    ...json.templating.list.map((variable) => ({ dashboard: file, title: `variable ${variable.name}`, sql: variable.query })),
    ...json.panels.flatMap((panel) => panel.targets.map((target) => ({ dashboard: file, title: panel.title, sql: target.rawSql }))),
  ]);
}

export interface DashboardFile {
  uid: string;
  templating: { list: { name: string; query: string }[] };
  panels: { title: string; targets: { rawSql: string }[] }[];
}

export const DASHBOARD_FILES = DASHBOARDS.map(({ file }) => file);
