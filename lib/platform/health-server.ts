import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Service } from './shutdown';

/** A one-route HTTP listener as a Service (health, metrics): listens on start, closes on stop. */
export function routeServer(options: { name: string; host: string; port: number; path: string; handle: (res: ServerResponse) => void }): Service {
  let server: Server | undefined;
  return {
    name: options.name,
    async start() {
      server = createServer((req, res) => {
        if (req.url !== options.path) res.writeHead(404).end();
        else options.handle(res);
      });
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(options.port, options.host, () => resolve());
      });
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    healthcheck: async () => server !== undefined,
  };
}

/**
 * A minimal /healthz for services that have no HTTP server of their own (the aggregator), so orchestrators
 * (docker compose, Kubernetes) can probe them: 200 when every service's healthcheck() passes, 503 otherwise.
 */
export function healthServer(options: { host: string; port: number; services: readonly Service[] }): Service {
  const healthy = async (): Promise<boolean> => {
    const results = await Promise.all(options.services.map((service) => service.healthcheck().catch(() => false)));
    return results.every(Boolean);
  };
  const route = routeServer({
    name: 'health-http',
    host: options.host,
    port: options.port,
    path: '/healthz',
    handle: (res) => void healthy().then((ok) => res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }))),
  });
  return { ...route, healthcheck: healthy };
}
