import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('stack:status', () => {
  it('shows Kafka, ClickHouse, PostgreSQL, Redis the SMTP sink and the postfix relay healthy with their addresses', () => {
    const out = execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'stack.sh'), 'status'], {
      encoding: 'utf8',
    });
    for (const [name, address] of [
      ['kafka', '127.0.0.1:9092'],
      ['clickhouse', 'http://127.0.0.1:8123'],
      ['postgresql', '127.0.0.1:5432'],
      ['redis', '127.0.0.1:6379'],
      ['smtp-sink', '127.0.0.1:2525'],
      ['postfix', '127.0.0.1:2526'],
    ] as const) {
      expect(out).toMatch(new RegExp(`^${name}\\s+${address.replace(/\./g, '\\.')}\\s+healthy$`, 'm'));
    }
  });

  it('names the Node.js the services run on and the Kafka broker version', () => {
    const out = execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'stack.sh'), 'status'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(new RegExp(`^node\\s+${process.version.replace(/\./g, '\\.')}\\s`, 'm'));
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(out).toMatch(/^kafka-broker\s+4\.\d+\.\d+\s/m);
  });
});
