import { readWebHit } from './web-hit';

const SITE = '0b7c6f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const body = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    website: SITE.toUpperCase(),
    kind: 'page_view',
    url: 'https://shop.example/spring?email=a@b.example#x',
    title: 'Spring\u0000\nsale',
    referrer: 'News.Example',
    view: 'a'.repeat(32),
    hit: 'b'.repeat(32),
    visitor: '',
    token: '',
    ...over,
  });

describe('readWebHit', () => {
  it('reads a page view: the id lower-cased, the title without control characters, the referrer host', () => {
    const hit = readWebHit(body());
    if ('field' in hit) throw new Error(hit.message);
    expect(hit).toMatchObject({
      websiteId: SITE,
      kind: 'page_view',
      href: '',
      title: 'Spring  sale',
      referrerHost: 'news.example',
      visitorId: '',
    });
    expect(hit.page.pathname).toBe('/spring');
  });

  it("keeps a click's destination as origin and path only", () => {
    const hit = readWebHit(body({ kind: 'link_click', href: 'https://partner.example/a/b?token=secret#f' }));
    expect('field' in hit ? hit : hit.href).toBe('https://partner.example/a/b');
  });

  it('names the first wrong field', () => {
    const cases: [unknown, string][] = [
      [undefined, 'body'],
      ['', 'body'],
      ['{', 'body'],
      ['null', 'body'],
      ['"text"', 'body'],
      [body({ website: 42 }), 'website'],
      [body({ kind: 'PAGE_VIEW' }), 'kind'],
      [body({ url: '/relative' }), 'url'],
      [body({ url: 'https://user:pw@shop.example/' }), 'url'],
      [body({ url: `https://shop.example/${'x'.repeat(2_000)}` }), 'url'],
      [body({ kind: 'link_click' }), 'href'],
      [body({ kind: 'link_click', href: 'mailto:a@b.example' }), 'href'],
      [body({ view: 'x'.repeat(65) }), 'view'],
      [body({ hit: 'no spaces allowed here' }), 'hit'],
      [body({ visitor: 'short' }), 'visitor'],
      [body({ token: 7 }), 'token'],
      [body({ token: 'x'.repeat(601) }), 'token'],
    ];
    for (const [raw, field] of cases) {
      const hit = readWebHit(raw);
      expect([raw, 'field' in hit ? hit.field : 'accepted']).toEqual([raw, field]);
    }
  });

  it('drops a referrer that is not a host name', () => {
    const hit = readWebHit(body({ referrer: 'https://x.example/path' }));
    expect('field' in hit ? hit : hit.referrerHost).toBeNull();
  });
});
