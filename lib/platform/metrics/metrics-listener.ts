import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * Prometheus `/metrics` on its own listener, apart from the public port: by default it binds loopback only, so
 * the public listener never exposes process internals, and operators choose where scrapers can reach it.
 */
export class MetricsListener {
  private server: Server | undefined;
  private address = '';

  constructor(
    private readonly registry: Registry,
    private readonly options: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.address = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /** e.g. http://127.0.0.1:9081 once started */
  url(): string {
    return this.address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
