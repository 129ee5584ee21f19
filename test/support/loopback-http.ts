import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on an ephemeral loopback port; resolves with the server's origin. */
export async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const closeServer = (server: Server | undefined): Promise<unknown> =>
  new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));

/**
 * A loopback port free a moment ago, for a service whose public URL must be its real address (the browser's Origin
 * on its own pages is then its public origin).
 */
export async function freeLoopbackPort(): Promise<string> {
  const probe = createServer();
  const port = new URL(await listenLoopback(probe)).port;
  await closeServer(probe);
  return port;
}
