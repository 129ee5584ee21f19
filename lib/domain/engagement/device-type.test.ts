import { deviceOf } from './device-type';

describe('device type', () => {
  it('tells phones, tablets, desktops and bots apart by user agent', () => {
    expect(
      deviceOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({ type: 'mobile', os: 'iOS', client: 'Safari' });
    expect(
      deviceOf('Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148')
        .type,
    ).toBe('tablet');
    expect(
      deviceOf(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      ),
    ).toMatchObject({ type: 'desktop', os: 'Windows' });
    expect(deviceOf('Googlebot/2.1 (+http://www.google.com/bot.html)').type).toBe('bot');
  });

  it('answers unknown for no agent or an agent that names no platform', () => {
    expect(deviceOf(null)).toEqual({ type: 'unknown', os: null, client: null });
    expect(deviceOf('  ').type).toBe('unknown');
    expect(deviceOf('Mozilla/5.0').type).toBe('unknown');
  });
});
