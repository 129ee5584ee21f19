import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { definedUsers } from '../support/clickhouse-users';

const ROOT = join(__dirname, '..', '..');
const NODE = process.execPath;

/**
 * The engine in its own process: chdb holds one engine per process, and the users' passwords come from that
 * process's environment (from_env), as they come from the ClickHouse container's in docker-compose.
 */
const RUNNER = `
const { Session } = require(${JSON.stringify(join(ROOT, 'node_modules', 'chdb'))});
const [dir, config, statements] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
const session = new Session(dir, { connectionArgs: ['--config-file=' + config] });
const out = statements.map((statement) => {
  try { return { ok: String(session.query(statement, 'JSONEachRow')).trim().split('\\n').filter(Boolean).map((l) => JSON.parse(l)) }; }
  catch (error) { return { error: String(error.message) }; }
});
session.close();
process.stdout.write(JSON.stringify(out));
`;

type Outcome = { ok: Record<string, unknown>[] } | { error: string };

/**
 * Issue 20, defect 3 on current ClickHouse (chdb 26.x, the engine of the docker-compose image's major line): the
 * users file and docker-compose's overlay, mounted under the names docker-compose.yml gives them, load; each user has
 * its profile, its password and networks from the overlay, and rights on `cairn` only; and each profile refuses
 * what it should. (18.16: test/foundation/clickhouse-users.test.ts, against the real server.)
 */
describe('ClickHouse users on current ClickHouse (issue 20, defect 3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-users-'));
  const passwords = Object.fromEntries(
    [...definedUsers().keys()].map((user) => [
      `CAIRN_CLICKHOUSE_${user.replace(/^cairn_/, '').toUpperCase()}_PASSWORD`,
      `pw-${user}`,
    ]),
  );
  let runs = 0;

  beforeAll(() => {
    // The image's own users.xml, reduced: a `default` user (here allowed to read the access tables) and its profile.
    mkdirSync(join(dir, 'users.d'));
    writeFileSync(
      join(dir, 'users.xml'),
      '<clickhouse><profiles><default/></profiles><quotas><default/></quotas><users><default><password></password><access_management>1</access_management>' +
        '<networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users></clickhouse>',
    );
    writeFileSync(
      join(dir, 'config.xml'),
      `<clickhouse><users_config>${join(dir, 'users.xml')}</users_config></clickhouse>`,
    );
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: { clickhouse: { volumes: string[] } };
    };
    for (const mount of compose.services.clickhouse.volumes.filter((m) => m.includes('/users.d/'))) {
      const [source = '', target = ''] = mount.split(':');
      copyFileSync(join(ROOT, source), join(dir, 'users.d', basename(target)));
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (statements: string[]): Outcome[] =>
    JSON.parse(
      execFileSync(
        NODE,
        ['-e', RUNNER, join(dir, `data-${runs++}`), join(dir, 'config.xml'), JSON.stringify(statements)],
        {
          env: { ...process.env, ...passwords },
          encoding: 'utf8',
          timeout: 60_000,
        },
      ),
    ) as Outcome[];
  const rows = (outcome: Outcome | undefined) => (outcome && 'ok' in outcome ? outcome.ok : outcome);
  const refused = (outcome: Outcome | undefined, reason: RegExp) =>
    expect(outcome && 'error' in outcome ? outcome.error : 'accepted').toMatch(reason);

  it("loads the users with their profiles, the overlay's passwords and networks, and rights on `cairn` only", () => {
    const [users, grants, profiles, settings] = run([
      "SELECT name, auth_type, host_ip FROM system.users WHERE name LIKE 'cairn%' ORDER BY name",
      "SELECT DISTINCT user_name, database FROM system.grants WHERE user_name LIKE 'cairn%' AND database IS NOT NULL AND database != '<no_database>' ORDER BY user_name, database",
      "SELECT user_name, inherit_profile FROM system.settings_profile_elements WHERE user_name LIKE 'cairn%' ORDER BY user_name",
      "SELECT profile_name, setting_name, value FROM system.settings_profile_elements WHERE profile_name LIKE 'cairn%' ORDER BY profile_name, setting_name",
    ]);
    const names = [...definedUsers().keys()].sort();
    expect(rows(users)).toEqual(names.map((name) => ({ name, auth_type: ['plaintext_password'], host_ip: ['::/0'] })));
    expect(rows(grants)).toEqual(names.map((name) => ({ user_name: name, database: 'cairn' })));
    expect(rows(profiles)).toEqual(
      names.map((name) => ({ user_name: name, inherit_profile: definedUsers().get(name) })),
    );
    expect(rows(settings)).toEqual([
      { profile_name: 'cairn_dashboards', setting_name: 'allow_ddl', value: '0' },
      { profile_name: 'cairn_dashboards', setting_name: 'readonly', value: '2' },
      { profile_name: 'cairn_ddl', setting_name: 'allow_ddl', value: '1' },
      { profile_name: 'cairn_reader', setting_name: 'allow_ddl', value: '0' },
      { profile_name: 'cairn_reader', setting_name: 'readonly', value: '1' },
      { profile_name: 'cairn_writer', setting_name: 'allow_ddl', value: '0' },
    ]);
  });

  const TABLE = [
    'CREATE DATABASE cairn',
    'CREATE TABLE cairn.t (x UInt8) ENGINE = MergeTree ORDER BY x',
    'INSERT INTO cairn.t VALUES (1)',
  ];

  it("the writers' profile (aggregator, time-zone sync) inserts; no DDL, and allow_ddl cannot be lifted", () => {
    const [, , , , insert, alter, drop, truncate, create, lift, perQuery, profile] = run([
      ...TABLE,
      'SET allow_ddl = 0',
      'INSERT INTO cairn.t VALUES (2)',
      'ALTER TABLE cairn.t DELETE WHERE x = 1',
      'DROP TABLE cairn.t',
      'TRUNCATE TABLE cairn.t',
      'CREATE TABLE cairn.u (x UInt8) ENGINE = Memory',
      'SET allow_ddl = 1',
      'SELECT 1 SETTINGS allow_ddl = 1',
      "SET profile = 'cairn_ddl'",
    ]);
    expect(rows(insert)).toEqual([]);
    for (const outcome of [alter, drop, truncate, create, lift, perQuery, profile])
      refused(outcome, /DDL queries are prohibited/);
  });

  it("Grafana's profile sets max_execution_time and writes nothing; the API's profile sets nothing either", () => {
    const [, , , , setting, insert, create, lift] = run([
      ...TABLE,
      'SET readonly = 2',
      'SELECT 1 AS one SETTINGS max_execution_time = 10',
      'INSERT INTO cairn.t VALUES (2)',
      'CREATE TABLE cairn.u (x UInt8) ENGINE = Memory',
      'SET readonly = 0',
    ]);
    expect(rows(setting)).toEqual([{ one: 1 }]);
    for (const outcome of [insert, create, lift]) refused(outcome, /readonly/i);
    const [, , , , count, apiSetting, apiInsert] = run([
      ...TABLE,
      'SET readonly = 1',
      'SELECT count() AS n FROM cairn.t',
      'SELECT 1 SETTINGS max_execution_time = 10',
      'INSERT INTO cairn.t VALUES (2)',
    ]);
    expect(rows(count)).toEqual([{ n: 1 }]);
    for (const outcome of [apiSetting, apiInsert]) refused(outcome, /readonly/i);
  });
});
