import { createServer, type Server } from 'node:http';
import type { Service } from './shutdown';

/**
 * A minimal /healthz for services that have no HTTP server of their own (the aggregator), so orchestrators
 * (docker compose, Kubernetes) can probe them: 200 when every service's healthcheck() passes, 503 otherwise.
 */
export function healthServer(options: { host: string; port: number; services: readonly Service[] }): Service {
  let server: Server | undefined;
  const healthy = async (): Promise<boolean> => {
    const results = await Promise.all(options.services.map((service) => service.healthcheck().catch(() => false)));
    return results.every(Boolean);
  };
  return {
    name: 'health-http',
    async start() {
      server = createServer((req, res) => {
        if (req.url !== '/healthz') {
          res.writeHead(404).end();
          return;
        }
        void healthy().then((ok) => res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })));
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
    healthcheck: healthy,
  };
}
