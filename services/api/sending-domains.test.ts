import { loadConfig } from '../../lib/platform/config';
import { apiConfigSchema, type ApiConfig } from './api.config';
import { recordsOf, type KeyRow } from './sending-domains';

const config = (spfInclude = ''): ApiConfig => ({ ...loadConfig(apiConfigSchema, {}), spfInclude });
const key = (selector: string, state: KeyRow['state']): KeyRow => ({ selector, public_key: `KEY${selector}`, state });

describe('sending domains: the records to publish', () => {
  it('the DKIM record of the active key, SPF and DMARC advice', () => {
    expect(recordsOf(config('spf.relay.example'), 'news.example', [key('a', 'active')])).toEqual([
      expect.objectContaining({
        name: 'a._domainkey.news.example',
        value: 'v=DKIM1; k=rsa; p=KEYa',
        purpose: 'dkim',
        required: true,
      }),
      expect.objectContaining({
        name: 'news.example',
        value: 'v=spf1 include:spf.relay.example ~all',
        required: false,
      }),
      expect.objectContaining({ name: '_dmarc.news.example', value: expect.stringMatching(/^v=DMARC1; p=none; rua=/) }),
    ]);
  });

  it("two selectors during a rotation, never a retired one; a placeholder without the relay's include", () => {
    const records = recordsOf(config(), 'news.example', [key('a', 'active'), key('b', 'next'), key('c', 'retired')]);
    expect(records.filter((r) => r.purpose.startsWith('dkim')).map((r) => [r.name, r.purpose])).toEqual([
      ['a._domainkey.news.example', 'dkim'],
      ['b._domainkey.news.example', 'dkim-next'],
    ]);
    expect(records.find((r) => r.purpose === 'spf')?.value).toContain("<your relay's SPF domain>");
  });
});

describe('CAIRN_API_SENDING_DOMAINS', () => {
  it('is strict unless set to relaxed, and refuses anything else', () => {
    expect(loadConfig(apiConfigSchema, {}).sendingDomains).toBe('strict');
    expect(loadConfig(apiConfigSchema, { CAIRN_API_SENDING_DOMAINS: 'Relaxed' }).sendingDomains).toBe('relaxed');
    expect(() => loadConfig(apiConfigSchema, { CAIRN_API_SENDING_DOMAINS: 'off' })).toThrow(/strict' or 'relaxed/);
  });
});
