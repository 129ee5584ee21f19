import { HEATMAP_FRAME_POLICY } from '../../services/api/routes/heatmap.routes';
import {
  addDefaultContentSettings,
  call,
  client,
  createWorkspace,
  MJML_OK,
  startApiKit,
  type ApiKit,
} from './api-test-kit';

/**
 * The Links heat map (docs/api.md#insights-pages-ui): the keyed call answers a frame URL whose copy of the frozen
 * HTML has inert links and a mark per link, served without a key under its own sandboxed, script-free policy, for
 * 300 seconds; other workspaces' emails and emails that never went live are 404, bad input 400 naming the field.
 */
let kit: ApiKit;

beforeAll(async () => {
  kit = await startApiKit();
});

afterAll(async () => {
  await kit?.close();
});

async function liveEmail(api: ReturnType<typeof client>, name: string, live: boolean): Promise<string> {
  const id = (
    await api('POST', '/v1/emails', { name, subject: 'Hi', from_address: 'a@example.com', body_mjml: MJML_OK })
  ).json<{ id: string }>().id;
  if (live) expect((await api('POST', `/v1/emails/${id}/go-live`)).statusCode).toBe(200);
  return id;
}

describe('GET /v1/insights/emails/{id}/heatmap', () => {
  it('frames a copy of the live version with inert links and a mark per link, under its own policy', async () => {
    const ws = await createWorkspace(kit, 'heat');
    const api = client(kit, ws.key);
    await addDefaultContentSettings(api);
    const email = await liveEmail(api, 'heat', true);
    const res = await api('GET', `/v1/insights/emails/${email}/heatmap`);
    expect(res.statusCode).toBe(200);
    const heatmap = res.json<{
      version: number;
      frame_url: string;
      expires_in: number;
      links: Array<Record<string, unknown>>;
    }>();
    const { rows: stored } = await kit.pool.query<{ link_id: string }>(
      'SELECT link_id FROM email_links WHERE email_id = $1 AND version = 1',
      [email],
    );
    expect(heatmap.version).toBe(1);
    expect(heatmap.expires_in).toBe(300);
    expect(heatmap.links.map((l) => l.linkId).sort()).toEqual(stored.map((l) => l.link_id).sort());
    expect(heatmap.links.every((l) => l.totalClicks === 0 && l.clickThroughRate === 0 && l.heat === 0)).toBe(true);

    // no key: the ticket opens this one copy
    const frame = await call(kit.baseUrl, 'GET', heatmap.frame_url);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers.get('content-type')).toMatch(/^text\/html/);
    expect(frame.headers.get('content-security-policy')).toBe(HEATMAP_FRAME_POLICY);
    expect(HEATMAP_FRAME_POLICY).toMatch(/^default-src 'none';.*; sandbox$/);
    expect(frame.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(frame.body).not.toMatch(/href="https?:/);
    for (const { link_id } of stored) expect(frame.body).toContain(`href="#cairn-link-${link_id}"`);
    expect(frame.body.match(/class="cairn-heat /g)).toHaveLength(stored.length);
    const ticket = heatmap.frame_url.split('/').pop() ?? '';
    const ttl = await kit.redis.ttl(`cairn:ui:heatmap:${ticket}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);

    // expired (gone from Redis), unknown and malformed tickets
    await kit.redis.del(`cairn:ui:heatmap:${ticket}`);
    expect((await call(kit.baseUrl, 'GET', heatmap.frame_url)).statusCode).toBe(404);
    expect((await call(kit.baseUrl, 'GET', `/ui/frames/heatmap/${'A'.repeat(32)}`)).statusCode).toBe(404);
    expect((await call(kit.baseUrl, 'GET', '/ui/frames/heatmap/..%2F..%2Fx')).statusCode).toBe(400);

    // another workspace's key: 404; a version that does not exist: 404; bad input: 400 naming the field
    const other = await createWorkspace(kit, 'other');
    expect((await client(kit, other.key)('GET', `/v1/insights/emails/${email}/heatmap`)).statusCode).toBe(404);
    expect((await api('GET', `/v1/insights/emails/${email}/heatmap?version=7`)).statusCode).toBe(404);
    const bad = await api('GET', `/v1/insights/emails/${email}/heatmap?version=0`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('version');
  });

  it('is 404 for an email that never went live', async () => {
    const ws = await createWorkspace(kit, 'draft');
    const api = client(kit, ws.key);
    const draft = await liveEmail(api, 'draft', false);
    const res = await api('GET', `/v1/insights/emails/${draft}/heatmap`);
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('email version');
  });
});
