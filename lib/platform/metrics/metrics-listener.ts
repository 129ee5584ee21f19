import type { Registry } from 'prom-client';
import { routeServer, type RouteServer } from '../health-server';

/**
 * Cairn's one Prometheus `/metrics` server, on its own listener apart from the public port: by default it binds
 * loopback only, so the public listener never exposes process internals, and operators choose where scrapers can
 * reach it. A Service (lib/platform/shutdown.ts), so a process may also run it with its others.
 */
export class MetricsListener implements RouteServer {
  readonly name = 'metrics-http';
  private readonly route: RouteServer;

  constructor(registry: Registry, options: { host: string; port: number }) {
    this.route = routeServer({
      name: this.name,
      host: options.host,
      port: options.port,
      path: '/metrics',
      handle: (res, req) => {
        if (req.method !== 'GET') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed'),
        );
      },
    });
  }

  start(): Promise<void> {
    return this.route.start();
  }

  /** e.g. http://127.0.0.1:9081 once started */
  url(): string {
    return this.route.url();
  }

  stop(): Promise<void> {
    return this.route.stop();
  }

  healthcheck(): Promise<boolean> {
    return this.route.healthcheck();
  }
}
