import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from './shutdown';

/** A listener that serves one path, as a Service that also says where it listens (tests bind port 0). */
export interface RouteServer extends Service {
  /** e.g. http://127.0.0.1:9081 once started, '' before */
  url(): string;
}

/**
 * Cairn's one small HTTP listener for process plumbing (/healthz, /metrics): one path (any query string), 404 for
 * everything else; listens on start, closes its connections on stop.
 */
export function routeServer(options: {
  name: string;
  host: string;
  port: number;
  path: string;
  handle: (res: ServerResponse, req: IncomingMessage) => void;
}): RouteServer {
  let server: Server | undefined;
  let address = '';
  return {
    name: options.name,
    async start() {
      const listening = createServer((req, res) => {
        if (req.url?.split('?')[0] !== options.path)
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        else options.handle(res, req);
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port, options.host, () => resolve());
      });
      server = listening;
      const bound = listening.address() as AddressInfo;
      address = `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    healthcheck: async () => server !== undefined,
    url: () => address,
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
    handle: (res) =>
      void healthy().then((ok) =>
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })),
      ),
  });
  return { ...route, healthcheck: healthy };
}
