import { TrackingTokenCodec, type TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import { withWebToken, WEB_TOKEN_PARAM } from './web-links';

const codec = new TrackingTokenCodec(new Map([[1, Buffer.alloc(32, 7)]]), 1);
const click: TrackingToken = {
  workspaceId: 'w-1',
  messageId: 'm-1',
  contactId: 'c-1',
  emailId: 'e-1',
  emailVersion: 2,
  sentAt: 1_790_000_000,
  journeyId: 'j-1',
  tileId: 't-1',
  iteration: 1,
  listId: 'l-1',
  linkId: 'link-1',
};
const ORIGINS = ['https://shop.example', 'http://127.0.0.1:8088'];

describe('withWebToken', () => {
  it("adds a web token with the click's message context (no link, no list) to a registered website's page", () => {
    const url = new URL(withWebToken(codec, 'https://shop.example/spring?utm=1#top', click, ORIGINS));
    expect(`${url.origin}${url.pathname}${url.hash}`).toBe('https://shop.example/spring#top');
    expect(url.searchParams.get('utm')).toBe('1');
    const web = codec.verify(url.searchParams.get(WEB_TOKEN_PARAM) ?? '', 'web');
    expect(web).toEqual({ ...click, linkId: null, listId: null });
    expect(codec.verify(url.searchParams.get(WEB_TOKEN_PARAM) ?? '', 'landing')).toBeNull();
    expect(withWebToken(codec, 'http://127.0.0.1:8088', click, ORIGINS)).toContain(`${WEB_TOKEN_PARAM}=`);
  });

  it('leaves every other destination as it is', () => {
    for (const destination of [
      'https://shop.example.evil.example/spring',
      'https://shop.example:8443/spring',
      'http://shop.example/spring',
      'https://other.example/?next=https://shop.example/',
      'http://127.0.0.1:80881/',
    ])
      expect(withWebToken(codec, destination, click, ORIGINS)).toBe(destination);
    expect(withWebToken(codec, 'https://shop.example/', click, [])).toBe('https://shop.example/');
  });
});
