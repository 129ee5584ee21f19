import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  healthcheck?: { test?: unknown; disable?: boolean };
  command?: unknown;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('has the whole stack and every Cairn service', () => {
    const names = services.map(([name]) => name);
    for (const wanted of ['kafka', 'clickhouse', 'postgres', 'redis', 'grafana', 'mailpit', 'migrate', 'ingest', 'aggregator', 'scheduler', 'sender', 'engagement', 'api']) {
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

  it.each(services.filter(([name]) => name !== 'migrate'))('%s has a health check', (_name, service) => {
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
});
