import { parseRoutes } from './routes.config';
import { SmtpRoutes, type RouteLookup } from './smtp-routes';

// discard ports on loopback: nothing here connects (transports open their connections on the first message)
const BASE = {
  url: 'smtp://127.0.0.1:9',
  maxConnections: 1,
  maxMessagesPerConnection: 1,
  perDomainConcurrency: 1,
  ratePerSecond: 0,
  dkim: null,
};
const ROUTES = parseRoutes(JSON.stringify([{ name: 'b', url: 'smtp://u:p@127.0.0.1:9', tls: 'opportunistic' }]));

function routesWith(lookup: RouteLookup): SmtpRoutes {
  return new SmtpRoutes(BASE, ROUTES, lookup);
}

describe('SmtpRoutes: the route of a message', () => {
  it('takes the looked-up route, one delivery per route, the default when none is set', async () => {
    const names: Record<string, string | null> = { ws1: 'b', ws2: null, ws3: 'default' };
    const routes = routesWith((ws) => Promise.resolve(names[ws] ?? null));
    const b = await routes.pick('ws1', 'news@brand.example');
    const none = await routes.pick('ws2', 'news@brand.example');
    const named = await routes.pick('ws3', 'news@brand.example');
    expect(b.route).toBe('b');
    expect(none.route).toBe('default');
    expect('delivery' in b && 'delivery' in none && b.delivery !== none.delivery).toBe(true);
    expect('delivery' in named && 'delivery' in none && named.delivery === none.delivery).toBe(true);
    const again = await routes.pick('ws1', 'news@brand.example');
    expect('delivery' in again && 'delivery' in b && again.delivery === b.delivery).toBe(true);
    routes.close();
  });

  it('never falls back to the default for an unknown name, nor when the lookup fails', async () => {
    const unknown = await routesWith(() => Promise.resolve('ghost')).pick('ws', 'a@b.example');
    expect(unknown).toEqual({ route: 'ghost', unsent: { kind: 'not_sent', error: 'route_unknown: ghost' } });
    const failed = await routesWith(() => Promise.reject(new Error('connection refused'))).pick('ws', 'a@b.example');
    expect(failed).toEqual({
      route: 'default',
      unsent: { kind: 'not_sent', error: 'route lookup failed: connection refused' },
    });
  });
});
