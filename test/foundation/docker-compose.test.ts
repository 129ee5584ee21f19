import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { definedUsers } from '../support/clickhouse-users';

const ROOT = join(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  healthcheck?: { test?: unknown; disable?: boolean };
  command?: unknown;
  environment?: Record<string, string | number | boolean>;
  volumes?: unknown[];
  ports?: unknown[];
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('has the whole stack and every Cairn service', () => {
    const names = services.map(([name]) => name);
    for (const wanted of [
      'kafka',
      'clickhouse',
      'postgres',
      'redis',
      'grafana',
      'prometheus',
      'mailpit',
      'migrate',
      'postgres-grafana-role',
      'ingest',
      'aggregator',
      'scheduler',
      'sender',
      'engagement',
      'api',
    ]) {
      expect(names).toContain(wanted);
    }
  });

  it.each(services)('%s pins its image to a version', (_name, service) => {
    expect(service.image).toBeDefined();
    const image = String(service.image);
    const tag = image.split(':')[1] ?? '';
    expect(tag).toMatch(/\d+\.\d+/);
    expect(tag).not.toMatch(/latest/);
  });

  /** Jobs that run once and exit: what waits for them waits for their success, not their health. */
  const ONE_SHOT = ['migrate', 'postgres-grafana-role'];

  it.each(services.filter(([name]) => !ONE_SHOT.includes(name)))('%s has a health check', (_name, service) => {
    expect(service.healthcheck?.test).toBeDefined();
    expect(service.healthcheck?.disable).not.toBe(true);
  });

  it('runs the same Kafka major version as the local stack, and the services with plain node', () => {
    const pom = readFileSync(join(ROOT, 'stack/kafka/pom.xml'), 'utf8');
    const local = /<artifactId>kafka_2\.13<\/artifactId><version>(\d+)\./.exec(pom)?.[1];
    expect(String(compose.services.kafka?.image)).toMatch(new RegExp(`^apache/kafka:${local}\\.`));
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24\./m);
    expect(dockerfile).toMatch(/--omit=dev/);
    expect(dockerfile).not.toMatch(/tsx/);
    expect(JSON.stringify(compose.services.migrate?.command)).not.toMatch(/tsx/);
  });

  it('provisions the ClickHouse data source and dashboards for Grafana', () => {
    expect(existsSync(join(ROOT, 'stack/grafana/provisioning/datasources/clickhouse.yml'))).toBe(true);
    expect(existsSync(join(ROOT, 'stack/grafana/provisioning/dashboards/cairn.yml'))).toBe(true);
    expect(existsSync(join(ROOT, 'dashboards'))).toBe(true);
  });

  it('runs the one-shot jobs to completion once, and waits for their success', () => {
    const waits = services.flatMap(([, service]) => Object.entries(service.depends_on ?? {}));
    for (const name of ONE_SHOT) {
      expect([name, compose.services[name]?.healthcheck?.disable]).toEqual([name, true]);
      expect(waits.filter(([job]) => job === name).map(([, on]) => on.condition)).toEqual(
        expect.arrayContaining(['service_completed_successfully']),
      );
    }
    expect(compose.services['postgres-grafana-role']?.restart).toBe('no');
  });

  it('gives Grafana a read-only PostgreSQL role for the segments dashboard, granted after the migrations', () => {
    const job = compose.services['postgres-grafana-role'];
    expect(job?.image).toBe(compose.services.postgres?.image);
    expect(job?.volumes).toContain('./stack/postgres/grafana-role.sql:/grafana-role.sql:ro');
    expect(JSON.stringify(job?.command)).toContain('-f /grafana-role.sql');
    const grants = readFileSync(join(ROOT, 'stack/postgres/grafana-role.sql'), 'utf8').replace(/^--.*$/gm, '');
    expect(grants).not.toMatch(
      /segment_members\b|contacts|webhook_secret\)|GRANT SELECT ON (workspaces|segments|journeys)\b/,
    );
    const source = readFileSync(join(ROOT, 'stack/grafana/provisioning/datasources/postgres.yml'), 'utf8');
    expect(source).toContain('uid: cairn-postgres');
    expect(source).toContain('type: grafana-postgresql-datasource');
    expect(source).toContain('user: cairn_grafana');
    expect(source).toContain('password: $CAIRN_POSTGRES_GRAFANA_PASSWORD');
  });

  it('lets Prometheus scrape the sender for the sending-throttle dashboard, on the compose network only', () => {
    const prometheus = readFileSync(join(ROOT, 'stack/prometheus/prometheus.yml'), 'utf8');
    const port = compose.services.sender?.environment?.CAIRN_SENDER_METRICS_PORT ?? '9465';
    expect(prometheus).toContain(`"sender:${port}"`);
    expect(compose.services.sender?.environment?.CAIRN_SENDER_METRICS_HOST).toBe('0.0.0.0');
    expect(compose.services.prometheus?.ports).toBeUndefined();
    const source = readFileSync(join(ROOT, 'stack/grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    expect(source).toContain('uid: cairn-prometheus');
    expect(source).toContain('url: http://prometheus:9090');
  });

  // Issue 20, defect 3: compose started with public secrets (CAIRN_ADMIN_TOKEN=change-me, a tracking key and webhook
  // secrets in the file), Grafana with anonymous access, and every process as ClickHouse's `default` user.
  describe('secrets and ClickHouse users (issue 20, defect 3)', () => {
    const SECRET = /(SECRET|PASSWORD|TOKEN|TRACKING_KEYS)$/;
    const required = (name: string) => new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`);
    const env = (service: string) => compose.services[service]?.environment ?? {};
    const passwordVariable = (user: string) => `CAIRN_CLICKHOUSE_${user.replace(/^cairn_/, '').toUpperCase()}_PASSWORD`;

    it('has no default for any secret: each is required from .env, which scripts/compose-env.sh writes', () => {
      const references = [...composeText.matchAll(/\$\{(\w+)([^}]*)\}/g)].map((m) => ({
        name: m[1] ?? '',
        rest: m[2] ?? '',
      }));
      const secrets = references.filter((ref) => SECRET.test(ref.name));
      expect(secrets.map((ref) => ref.name)).toEqual(
        expect.arrayContaining(['CAIRN_ADMIN_TOKEN', 'CAIRN_TRACKING_KEYS', 'CAIRN_GRAFANA_ADMIN_PASSWORD']),
      );
      for (const ref of secrets) expect(`${ref.name}${ref.rest}`).toMatch(/^\w+:\?./);
      for (const [name, service] of services) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (SECRET.test(key))
            expect([name, key, String(value)]).toEqual([name, key, expect.stringMatching(/\$\{\w+:\?[^}]+\}/)]);
        }
      }
      const script = readFileSync(join(ROOT, 'scripts/compose-env.sh'), 'utf8');
      expect(script).toContain('docker-compose.yml');
    });

    it('gives Grafana no anonymous access, a required admin password and the read-only ClickHouse user', () => {
      expect(env('grafana').GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
      expect(String(env('grafana').GF_SECURITY_ADMIN_PASSWORD)).toMatch(required('CAIRN_GRAFANA_ADMIN_PASSWORD'));
      const source = parse(
        readFileSync(join(ROOT, 'stack/grafana/provisioning/datasources/clickhouse.yml'), 'utf8'),
      ) as {
        datasources: { jsonData: { username: string }; secureJsonData: { password: string } }[];
      };
      expect(source.datasources.map((d) => [d.jsonData.username, d.secureJsonData.password])).toEqual([
        ['cairn_grafana', '$CAIRN_CLICKHOUSE_GRAFANA_PASSWORD'],
      ]);
      expect(String(env('grafana').CAIRN_CLICKHOUSE_GRAFANA_PASSWORD)).toMatch(
        required('CAIRN_CLICKHOUSE_GRAFANA_PASSWORD'),
      );
    });

    it('runs each process that talks to ClickHouse as its own user, and the others as none', () => {
      const expected: Record<string, string> = {
        migrate: 'cairn_migrate',
        aggregator: 'cairn_aggregator',
        'time-zone-sync': 'cairn_time_zone_sync',
        retention: 'cairn_retention',
        api: 'cairn_api',
      };
      for (const [name] of services) {
        const user = env(name).CAIRN_CLICKHOUSE_USER;
        expect([name, user]).toEqual([name, expected[name]]);
        if (user) expect(String(env(name).CAIRN_CLICKHOUSE_PASSWORD)).toMatch(required(passwordVariable(String(user))));
      }
      expect(env('api').CAIRN_API_ERASURE_CLICKHOUSE_USER).toBe('cairn_erasure');
      expect(String(env('api').CAIRN_API_ERASURE_CLICKHOUSE_PASSWORD)).toMatch(
        required('CAIRN_CLICKHOUSE_ERASURE_PASSWORD'),
      );
    });

    it("gives every user of the users file a password from the ClickHouse container's required environment", () => {
      const mounts = (compose.services.clickhouse?.volumes ?? []).map(String);
      const target = (source: string) => mounts.find((m) => m.startsWith(`./${source}:`))?.split(':')[1] ?? '';
      const definitions = target('stack/clickhouse/users.d/cairn-users.xml');
      const overlay = target('stack/clickhouse/docker-users.xml');
      expect(definitions).toMatch(/^\/etc\/clickhouse-server\/users\.d\/.+\.xml$/);
      // users.d is merged in name order: the overlay's networks replace the definitions' only when it comes later
      expect(overlay > definitions && overlay.startsWith('/etc/clickhouse-server/users.d/')).toBe(true);
      const overlayXml = readFileSync(join(ROOT, 'stack/clickhouse/docker-users.xml'), 'utf8');
      for (const user of definedUsers().keys()) {
        const variable = passwordVariable(user);
        expect(overlayXml).toContain(`<${user}><password from_env="${variable}"/>`);
        expect(String(env('clickhouse')[variable])).toMatch(required(variable));
      }
    });
  });
});
