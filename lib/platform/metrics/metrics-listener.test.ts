import { Counter, Registry } from 'prom-client';
import { MetricsListener } from './metrics-listener';

describe('MetricsListener', () => {
  it('serves the registry at GET /metrics on the port it was given (0: any), 404 elsewhere, and stops twice', async () => {
    const registry = new Registry();
    new Counter({ name: 'cairn_test_things_total', help: 'things', registers: [registry] }).inc(3);
    const listener = new MetricsListener(registry, { host: '127.0.0.1', port: 0 });
    expect(listener.url()).toBe('');
    await listener.start();
    try {
      expect(listener.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await listener.healthcheck()).toBe(true);
      const page = await fetch(`${listener.url()}/metrics?x=1`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe(registry.contentType);
      expect(await page.text()).toContain('cairn_test_things_total 3');
      expect((await fetch(`${listener.url()}/healthz`)).status).toBe(404);
      expect((await fetch(`${listener.url()}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await listener.stop();
      await listener.stop();
    }
    expect(await listener.healthcheck()).toBe(false);
  });
});
