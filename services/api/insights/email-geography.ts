import { ident, join, sql } from '../../../lib/platform/clickhouse/sql';
import { EMAIL_KPI_COUNTS, emailSource } from './email-kpis';
import { emailWhere, num, type EmailFilter, type QueryRunner } from './insights-filters';
import type { CountryKpis } from './insights-types';

export type { CountryKpis } from './insights-types';

/** The KPI card's own opens, clicks and attachment views (email-kpis.ts), per country: human traffic only. */
const BY_COUNTRY = [
  'openedTotal',
  'openedUnique',
  'clickedTotal',
  'clickedUnique',
  'attachmentViewsTotal',
  'attachmentViewsUnique',
] as const satisfies ReadonlyArray<Exclude<keyof CountryKpis, 'country'>>;
type CountName = (typeof BY_COUNTRY)[number];

/**
 * Opens and clicks by the country of the client address (kpi_email_geography, sql/clickhouse 0100), with the
 * definitions of docs/kpis.md#opens exactly as the KPI card computes them (the same expressions, not a copy): Opened
 * (total) = human opens, Opened (unique) = messages opened at least once, Clicked likewise, attachments apart. A
 * message opened from two countries is one unique open in each, so the unique counts of all countries can add up to
 * more than the card's; the totals add up to the card's. Countries by unique opens, then unique clicks; unknown last
 * among equals.
 */
export async function emailGeography(ch: QueryRunner, filter: EmailFilter): Promise<CountryKpis[]> {
  const select = join(BY_COUNTRY.map((name) => sql`${EMAIL_KPI_COUNTS[name]} AS ${ident(name)}`));
  // kpi_email_geography keeps no tile: one tile's rows are derived from its raw events (kpi-source.ts)
  const { tileId, ...rest } = filter;
  const tile = tileId === undefined ? [] : [sql`tile_id = ${tileId}`];
  const source = await emailSource(ch, rest, 'email_geography', tile);
  const rows = await ch.rows<Record<CountName | 'country', string>>(sql`
    SELECT country, ${select} FROM ${source} WHERE ${emailWhere(rest)} AND machine = 0
    GROUP BY country ORDER BY openedUnique DESC, clickedUnique DESC, country = '', country`);
  return rows.map((row) => {
    const kpis = { country: row.country === '' ? null : row.country } as CountryKpis;
    for (const name of BY_COUNTRY) kpis[name] = num(row[name]);
    return kpis;
  });
}
