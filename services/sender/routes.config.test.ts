import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig } from '../../lib/platform/config';
import { parseRoutes, routesOf, routesSchema } from './routes.config';

const route = (fields: Record<string, unknown>): string => JSON.stringify([{ name: 'ses', ...fields }]);
const SECRET = 'hunter2-secret-pass';

describe('CAIRN_SENDER_ROUTES', () => {
  it('parses a route with its limits and TLS policy', () => {
    const [ses] = parseRoutes(
      route({
        url: `smtp://AKIA:${SECRET}@email-smtp.eu-west-1.amazonaws.com:587`,
        connections: 4,
        rate_per_second: 14,
      }),
    );
    expect(ses?.name).toBe('ses');
    expect(ses?.connections).toBe(4);
    expect(ses?.ratePerSecond).toBe(14);
    expect(ses?.tls).toBeNull();
    expect(ses?.describe()).toBe('ses (smtp://email-smtp.eu-west-1.amazonaws.com:587)');
  });

  it('keeps credentials out of toString, JSON and inspect', () => {
    const routes = parseRoutes(route({ url: `smtps://apikey:${SECRET}@smtp.sendgrid.net:465`, tls: 'required' }));
    const [sendgrid] = routes;
    expect(sendgrid?.secretUrl()).toContain(SECRET);
    for (const shown of [String(sendgrid), `${sendgrid}`, JSON.stringify(routes), inspect(routes, { depth: 5 })])
      expect(shown).not.toContain(SECRET);
  });

  it.each([
    ['a bad name', route({ name: 'Bad_Name', url: 'smtp://relay.example:587' }), 'name'],
    ['a name too long', route({ name: 'a'.repeat(41), url: 'smtp://relay.example:587' }), 'name'],
    ['"default"', route({ name: 'default', url: 'smtp://relay.example:587' }), 'default'],
    ['an http URL', route({ url: `http://u:${SECRET}@relay.example/` }), 'smtp://'],
    ['no URL', route({}), 'url'],
    ['an unknown TLS policy', route({ url: 'smtp://relay.example', tls: 'maybe' }), 'tls'],
    ['zero connections', route({ url: 'smtp://relay.example', connections: 0 }), 'connections'],
    ['an unknown field', route({ url: 'smtp://relay.example', host: 'x' }), 'unknown field'],
    ['credentials in clear', route({ url: `smtp://u:${SECRET}@relay.example:587`, tls: 'off' }), 'clear'],
    ['not a list', '{"name":"a"}', 'list'],
    ['not JSON', `smtp://u:${SECRET}@relay`, 'JSON'],
  ])('refuses %s, never quoting the URL', (_what, raw, says) => {
    let message = '';
    try {
      parseRoutes(raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(says);
    expect(message).not.toContain(SECRET);
  });

  it('refuses a name given twice', () => {
    const twice = JSON.stringify([
      { name: 'b', url: 'smtp://a.example' },
      { name: 'b', url: 'smtp://c.example' },
    ]);
    expect(() => parseRoutes(twice)).toThrow('named twice');
  });

  it('is a secret setting: a bad value fails the start without repeating it', () => {
    expect(routesSchema.routes.secret).toBe(true);
    const bad = `[{"name":"x","url":"ftp://u:${SECRET}@h"}]`;
    expect(() => loadConfig(routesSchema, { CAIRN_SENDER_ROUTES: bad })).toThrow(/CAIRN_SENDER_ROUTES/);
    expect(() => loadConfig(routesSchema, { CAIRN_SENDER_ROUTES: bad })).not.toThrow(SECRET);
  });

  it('reads CAIRN_SENDER_ROUTES_FILE at start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-routes-')), 'routes.json');
    writeFileSync(file, route({ url: 'smtp://relay.example:587' }));
    const config = loadConfig(routesSchema, { CAIRN_SENDER_ROUTES_FILE: file });
    expect(routesOf(config).map((r) => r.name)).toEqual(['ses']);
    writeFileSync(file, route({ url: `gopher://u:${SECRET}@relay.example` }));
    expect(() => loadConfig(routesSchema, { CAIRN_SENDER_ROUTES_FILE: file })).toThrow(/CAIRN_SENDER_ROUTES_FILE/);
  });

  it('takes one of the two settings, not both', () => {
    const one = parseRoutes(route({ url: 'smtp://relay.example' }));
    expect(routesOf({ routes: one, routesFile: [] })).toBe(one);
    expect(routesOf({ routes: [], routesFile: one })).toBe(one);
    expect(() => routesOf({ routes: one, routesFile: one })).toThrow('both');
  });
});
