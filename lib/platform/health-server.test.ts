import { healthServer } from './health-server';
import type { Service } from './shutdown';

const fake = (healthy: () => boolean): Service => ({
  name: 'fake',
  start: async () => undefined,
  stop: async () => undefined,
  healthcheck: async () => healthy(),
});

describe('healthServer', () => {
  it('answers 200 while every service is healthy and 503 when one is not', async () => {
    let up = true;
    const port = 39000 + Math.floor(Math.random() * 1000);
    const bound = healthServer({ host: '127.0.0.1', port, services: [fake(() => true), fake(() => up)] });
    await bound.start();
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      up = false;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await bound.stop();
      await bound.stop();
    }
  });
});
