import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { uniqueName } from '../support/test-env';
import { bindGrafanaPostgres, type DashboardFile } from './grafana-binding';

/*
 * dashboards/segments.json (what Grafana provisions) on the real PostgreSQL: every variable and panel query is bound
 * as Grafana's PostgreSQL data source binds it and run under a role granted exactly what stack/postgres/grafana-role.sql
 * grants, and its rows are compared with GET /v1/insights/segments/{id} for the same days.
 */

const ROOT = join(__dirname, '..', '..');
const file = JSON.parse(readFileSync(join(ROOT, 'dashboards', 'segments.json'), 'utf8')) as DashboardFile;
const panelSql = (title: string): string => {
  const sql = file.panels.find((panel) => panel.title === title)?.targets[0]?.rawSql;
  if (sql === undefined) throw new Error(`no panel ${title}`);
  return sql;
};
const variableSql = (name: string): string => {
  const sql = file.templating.list.find((variable) => variable.name === name)?.query;
  if (sql === undefined) throw new Error(`no variable ${name}`);
  return sql;
};

/** A zone far from UTC, so that a day taken in UTC instead of the workspace's would show as the wrong date. */
const ZONE = 'Pacific/Kiritimati';
const role = uniqueName('grafana_ro').toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** The grant statements of the deployment's role file, for this test's own role (no psql syntax, no password). */
function grantStatements(): string[] {
  const text = readFileSync(join(ROOT, 'stack/postgres/grafana-role.sql'), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^(GRANT|REVOKE|ALTER ROLE cairn_grafana SET)\b/.test(line))
    .map((line) => line.replaceAll('cairn_grafana', role));
}

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
  await kit.pool.query(`CREATE ROLE ${role} NOLOGIN`);
  for (const statement of grantStatements()) await kit.pool.query(statement);
});
afterAll(async () => {
  await kit.pool.query(`DROP OWNED BY ${role}`);
  await kit.pool.query(`DROP ROLE ${role}`);
  await kit.close();
});

/** Runs a bound query as the dashboard's role would (its session settings included), read-only, rolled back. */
async function asGrafana(sql: string): Promise<Record<string, unknown>[]> {
  const session = await kit.pool.connect();
  try {
    await session.query('BEGIN');
    await session.query(`SET LOCAL ROLE ${role}`);
    await session.query('SET LOCAL transaction_read_only = on');
    return (await session.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await session.query('ROLLBACK');
    session.release();
  }
}

interface Day {
  day: string;
  entered: number;
  exited: number;
  members: number | null;
}
interface Insights {
  member_count: number;
  days: Day[];
  journeys: Array<{ id: string; name: string; status: string; uses: Array<{ how: string; tile_id: string | null }> }>;
}

async function seededSegment() {
  const ws = await createWorkspace(kit, 'seg-grafana');
  const api = client(kit, ws.key);
  expect((await api('PATCH', '/v1/workspace', { time_zone: ZONE })).statusCode).toBe(200);
  const ids: string[] = [];
  for (let i = 0; i < 5; i += 1)
    ids.push((await api('POST', '/v1/contacts', { email: `c${i}@seg.test`, attributes: {} })).json().id as string);
  const segment = (await api('POST', '/v1/segments', { name: 'Picked', kind: 'static' })).json().id as string;
  const other = (await api('POST', '/v1/segments', { name: 'Other', kind: 'static' })).json().id as string;
  const add = async (contactIds: string[]) =>
    expect((await api('POST', `/v1/segments/${segment}/members`, { contact_ids: contactIds })).statusCode).toBe(200);
  await add(ids.slice(0, 3));
  // as if those changes were counted four days ago: the days between carry the members forward
  await kit.pool.query('UPDATE segment_member_days SET day = day - 4 WHERE segment_id = $1', [segment]);
  await add(ids.slice(3, 5));
  expect((await api('DELETE', `/v1/segments/${segment}/members/${ids[0]}`)).statusCode).toBe(204);
  const tiles = [
    { id: 'in', type: 'segment', next: ['end'], config: { segment_ids: [other], combine: 'union', exclude_segment_ids: [segment] } },
    { id: 'end', type: 'end' },
  ];
  const journey = async (name: string, suppression: string | null) =>
    expect((await api('POST', '/v1/journeys', { name, graph: { tiles }, settings: { suppression_segment_id: suppression } })).statusCode).toBe(201);
  await journey('Uses it twice', segment);
  await journey('Excludes it', other);
  return { ws, api, segment, other };
}

describe('segments dashboard (PostgreSQL) against GET /v1/insights/segments/{id}', () => {
  it('shows the same members, entries, exits, today and journeys as the insights API, as the read-only role', async () => {
    const { ws, api, segment } = await seededSegment();
    const now = DateTime.now().setZone(ZONE);
    const scope = { from: now.minus({ days: 6 }).toJSDate(), to: now.toJSDate(), variables: { workspace_id: ws.id, segment_id: segment } };
    const [from, to] = [now.minus({ days: 6 }).toISODate(), now.toISODate()];
    const res = await api('GET', `/v1/insights/segments/${segment}?from=${from}&to=${to}`);
    expect(res.statusCode).toBe(200);
    const insights = res.json<Insights>();
    expect(insights.days).toHaveLength(7);
    expect(insights.days.map((d) => d.members)).toEqual([null, null, 3, 3, 3, 3, 4]); // the fixture, seen by the API
    const run = (sql: string) => asGrafana(bindGrafanaPostgres(sql, scope));

    expect(await run(variableSql('workspace_id'))).toEqual(expect.arrayContaining([{ __value: ws.id, __text: `seg-grafana (${ws.id})` }]));
    expect(await run(variableSql('segment_id'))).toEqual([
      { __value: expect.any(String), __text: 'Other' },
      { __value: segment, __text: 'Picked' },
    ]);

    const members = await run(panelSql('Members over time'));
    expect(members).toEqual(
      insights.days.map((d) => ({ time: DateTime.fromISO(d.day, { zone: ZONE }).toJSDate(), Members: d.members })),
    );
    expect(await run(panelSql('Entries and exits per day'))).toEqual(
      insights.days.map((d) => ({ Day: d.day, Entered: d.entered, Exited: d.exited })),
    );
    const today = insights.days.at(-1);
    expect(await run(panelSql('Today'))).toEqual([
      { Members: insights.member_count, 'Entered today': today?.entered, 'Exited today': today?.exited },
    ]);
    expect(today).toEqual({ day: to, entered: 2, exited: 1, members: 4 });

    const journeys = await run(panelSql('Journeys using the segment'));
    expect(journeys).toEqual(
      insights.journeys.map((j) => ({
        Journey: j.name,
        Status: j.status,
        Uses: j.uses.map((u) => (u.tile_id === null ? u.how : `${u.how} (tile ${u.tile_id})`)).join(', '),
        'Journey id': j.id,
      })),
    );
    expect(journeys.map((j) => j.Uses)).toEqual(['exclusion (tile in)', 'exclusion (tile in), suppression']);
  });

  it("reads nothing of another workspace's segment, fails a hostile value at the uuid cast, and may not read contact ids or secrets", async () => {
    const { segment } = await seededSegment();
    const stranger = await createWorkspace(kit, 'seg-grafana-stranger');
    const now = new Date();
    const scope = (variables: Record<string, string>) => ({ from: new Date(now.getTime() - 86_400_000), to: now, variables });
    const crossed = bindGrafanaPostgres(panelSql('Entries and exits per day'), scope({ workspace_id: stranger.id, segment_id: segment }));
    const rows = await asGrafana(crossed);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.Entered === 0 && row.Exited === 0)).toBe(true);
    expect(await asGrafana(bindGrafanaPostgres(panelSql('Today'), scope({ workspace_id: stranger.id, segment_id: segment })))).toEqual([
      { Members: null, 'Entered today': 0, 'Exited today': 0 },
    ]);

    const hostile = "x' OR ''='";
    for (const panel of file.panels) {
      const sql = bindGrafanaPostgres(panel.targets[0]?.rawSql ?? '', scope({ workspace_id: stranger.id, segment_id: hostile }));
      await expect(asGrafana(sql)).rejects.toMatchObject({ code: '22P02' }); // invalid input syntax for type uuid
    }
    for (const forbidden of ['SELECT contact_id FROM segment_members', 'SELECT webhook_secret FROM workspaces', 'SELECT email FROM contacts'])
      await expect(asGrafana(forbidden)).rejects.toMatchObject({ code: '42501' }); // permission denied
    await expect(asGrafana('DELETE FROM segment_member_days')).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|25006)$/) });
  });
});
