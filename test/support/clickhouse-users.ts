import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClickHouse, serverClient } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../lib/platform/clickhouse/sql';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
/** Cairn's ClickHouse users and their profiles, for the local stack and docker-compose alike (docs/clickhouse.md). */
export const USERS_FILE = join(ROOT, 'stack', 'clickhouse', 'users.d', 'cairn-users.xml');

/** One ClickHouse user per process that talks to ClickHouse: `cairn_<role>` in the users file. */
export const CLICKHOUSE_ROLES = [
  'migrate',
  'aggregator',
  'time_zone_sync',
  'retention',
  'erasure',
  'api',
  'grafana',
] as const;
export type ClickHouseRole = (typeof CLICKHOUSE_ROLES)[number];

export interface ClickHouseLogin {
  user: string;
  password: string;
}
export type ClickHouseLogins = Record<ClickHouseRole, ClickHouseLogin>;

/** Each user of the users file with its profile: `cairn_api` → `cairn_reader`. */
export function definedUsers(xml = readFileSync(USERS_FILE, 'utf8')): Map<string, string> {
  const users = /<users>([\s\S]*)<\/users>/.exec(xml)?.[1] ?? '';
  return new Map(
    [...users.matchAll(/<(cairn_\w+)>\s*<profile>(\w+)<\/profile>/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

/** The CAIRN_CLICKHOUSE_USER / _PASSWORD a service process takes. */
export function clickhouseLoginEnv(login: ClickHouseLogin): Record<string, string> {
  return { CAIRN_CLICKHOUSE_USER: login.user, CAIRN_CLICKHOUSE_PASSWORD: login.password };
}

interface StackUsers {
  usersDir: string;
  logins: ClickHouseLogins;
}

let stackUsers: Promise<StackUsers> | undefined;

/**
 * The local stack's users (`cairn_api`, …) with the passwords scripts/stack.sh generated, installed into the
 * running server first if needed. Their databases are `cairn` and `cairn_demo`; tests make their own (below).
 */
export function localStackUsers(): Promise<StackUsers> {
  stackUsers ??= (async () => {
    const { stdout } = await run('bash', [join(ROOT, 'scripts', 'stack.sh'), 'clickhouse-users'], { timeout: 60_000 });
    const values = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    const usersDir = values.get('CAIRN_CLICKHOUSE_USERS_D');
    if (!usersDir) throw new Error(`scripts/stack.sh clickhouse-users printed no CAIRN_CLICKHOUSE_USERS_D:\n${stdout}`);
    const login = (role: ClickHouseRole): ClickHouseLogin => {
      const password = values.get(`CAIRN_CLICKHOUSE_${role.toUpperCase()}_PASSWORD`);
      if (!password) throw new Error(`scripts/stack.sh clickhouse-users printed no password for ${role}`);
      return { user: `cairn_${role}`, password };
    };
    return {
      usersDir,
      logins: Object.fromEntries(CLICKHOUSE_ROLES.map((role) => [role, login(role)])) as ClickHouseLogins,
    };
  })();
  return stackUsers;
}

const TEST_FILE_PREFIX = 'cairn-test-';

function usersXml(database: string, passwords: Record<ClickHouseRole, string>): string {
  const profiles = definedUsers();
  const users = CLICKHOUSE_ROLES.map((role) => {
    const profile = profiles.get(`cairn_${role}`);
    if (!profile) throw new Error(`${USERS_FILE} defines no cairn_${role}`);
    const hash = createHash('sha256').update(passwords[role]).digest('hex');
    const name = `${database}_${role}`;
    return `<${name}><password_sha256_hex>${hash}</password_sha256_hex><profile>${profile}</profile><quota>default</quota><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><allow_databases><database>${database}</database></allow_databases></${name}>`;
  });
  return `<?xml version="1.0"?>\n<!-- test/support/clickhouse-users.ts: Cairn's users for one test database -->\n<yandex><users>\n${users.join('\n')}\n</users></yandex>\n`;
}

/** Removes test users files whose database is gone (a run that died before its cleanup). */
async function sweepStale(usersDir: string, url: string): Promise<void> {
  const server = serverClient({ url, database: 'default' });
  try {
    const databases = new Set(
      (await server.rows<{ name: string }>(sql`SELECT name FROM system.databases`)).map((row) => row.name),
    );
    for (const file of readdirSync(usersDir)) {
      const database =
        file.startsWith(TEST_FILE_PREFIX) && file.endsWith('.xml')
          ? file.slice(TEST_FILE_PREFIX.length, -4)
          : undefined;
      if (database && !databases.has(database)) rmSync(join(usersDir, file), { force: true });
    }
  } finally {
    await server.close();
  }
}

export interface DatabaseUsers {
  logins: ClickHouseLogins;
  remove(): void;
}

/**
 * Cairn's users for one test database: the same profiles as the stack's users (read from the users file), each
 * allowed only `database`, written into the running server's users.d and live once the server has reread it
 * (18.16 checks every few seconds). remove() takes them away again.
 */
export async function provisionDatabaseUsers(database: string, url: string): Promise<DatabaseUsers> {
  if (!/^[a-z][a-z0-9_]*$/.test(database)) throw new Error(`unsupported database name ${database}`);
  const { usersDir } = await localStackUsers();
  await sweepStale(usersDir, url);
  const passwords = Object.fromEntries(
    CLICKHOUSE_ROLES.map((role) => [role, randomBytes(18).toString('hex')]),
  ) as Record<ClickHouseRole, string>;
  const file = join(usersDir, `${TEST_FILE_PREFIX}${database}.xml`);
  // ClickHouse reads only *.xml: the file appears whole.
  writeFileSync(`${file}.new`, usersXml(database, passwords));
  renameSync(`${file}.new`, file);
  const logins = Object.fromEntries(
    CLICKHOUSE_ROLES.map((role) => [role, { user: `${database}_${role}`, password: passwords[role] }]),
  ) as ClickHouseLogins;
  const probe = new ClickHouse({ url, database, ...logins.grafana });
  try {
    await waitFor(
      () => probe.rows<{ one: number }>(sql`SELECT 1 AS one`),
      (rows) => rows.length === 1,
      30_000,
      200,
    );
  } finally {
    await probe.close();
  }
  return { logins, remove: () => rmSync(file, { force: true }) };
}
