import { normaliseSendingDomain, sendingDomainOfAddress } from './sending-domain';

describe('sending domain names', () => {
  it('normalises case, a trailing dot and IDNA', () => {
    expect(normaliseSendingDomain('News.Example.COM.')).toBe('news.example.com');
    expect(normaliseSendingDomain('bücher.example')).toBe('xn--bcher-kva.example');
  });

  it('refuses IP addresses, single labels, bad labels and names over 253 characters', () => {
    for (const bad of ['1.2.3.4', '[::1]', '::1', '0x7f.1', 'localhost', 'a..b', '-a.com', 'a_b.com', 'a b.com', ''])
      expect(normaliseSendingDomain(bad)).toBeNull();
    expect(normaliseSendingDomain(`${'a'.repeat(63)}.`.repeat(4) + 'com')).toBeNull();
    expect(normaliseSendingDomain(`${'a'.repeat(64)}.com`)).toBeNull();
  });

  it('takes the domain of a From address', () => {
    expect(sendingDomainOfAddress('news@Mail.Example.com')).toBe('mail.example.com');
    expect(sendingDomainOfAddress('not an address')).toBeNull();
  });
});
