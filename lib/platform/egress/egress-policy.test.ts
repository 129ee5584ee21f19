import { ConfigError, loadConfig } from '../config';
import {
  addressRefusal,
  DEFAULT_EGRESS_POLICY,
  egressPolicyOf,
  egressSchema,
  literalEgressRefusal,
} from './egress-policy';

// Issue 20 defect 1: the address classes and the save-time literal check of the egress policy.
const policy = (env: Record<string, string>) => egressPolicyOf(loadConfig(egressSchema, env));

describe('egress address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['::7f00:1', 'ipv4Compatible'],
  ])('refuses %s (%s) by default', (address, range) => {
    expect(addressRefusal(address, DEFAULT_EGRESS_POLICY)).toBe(range);
  });

  it.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111'])('lets public unicast %s through', (address) => {
    expect(addressRefusal(address, DEFAULT_EGRESS_POLICY)).toBeNull();
  });

  it('lets an allowlisted CIDR through and nothing beside it; an IPv4 CIDR does not open IPv4-mapped IPv6', () => {
    const allowing = policy({ CAIRN_EGRESS_ALLOW_CIDRS: '10.1.0.0/16, 127.0.0.0/8, fd00::5' });
    expect(allowing.allowCidrs).toEqual(['10.1.0.0/16', '127.0.0.0/8', 'fd00::5/128']);
    expect(addressRefusal('10.1.200.3', allowing)).toBeNull();
    expect(addressRefusal('127.8.8.8', allowing)).toBeNull();
    expect(addressRefusal('fd00::5', allowing)).toBeNull();
    expect(addressRefusal('10.2.0.1', allowing)).toBe('private');
    expect(addressRefusal('fd00::6', allowing)).toBe('uniqueLocal');
    expect(addressRefusal('::ffff:127.0.0.1', allowing)).toBe('ipv4Mapped');
    expect(addressRefusal('169.254.169.254', allowing)).toBe('linkLocal');
  });
});

describe('literal egress check (save time)', () => {
  it.each([
    ['http://127.0.0.1:8123/?query=%2F*', /port 8123/],
    ['http://127.0.0.1/', /loopback/],
    ['http://0x7f.1/', /127\.0\.0\.1 \(loopback\)/],
    ['http://2130706433/', /127\.0\.0\.1 \(loopback\)/],
    ['http://[::ffff:127.0.0.1]/', /ipv4Mapped/],
    ['http://[::]/', /unspecified/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['http://100.64.1.1/', /carrierGradeNat/],
    ['http://localhost/', /localhost \(loopback\)/],
    ['http://hooks.localhost./', /loopback/],
    ['ftp://example.com/', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(literalEgressRefusal(url, DEFAULT_EGRESS_POLICY)).toMatch(reason);
  });

  it.each([
    'https://hooks.example.com/cairn',
    'http://example.com:80/x',
    'https://93.184.215.14/',
    'https://[2606:4700:4700::1111]/',
  ])('accepts %s', (url) => {
    expect(literalEgressRefusal(url, DEFAULT_EGRESS_POLICY)).toBeNull();
  });

  it('accepts loopback and other ports only when the operator configures them', () => {
    const open = policy({ CAIRN_EGRESS_ALLOW_CIDRS: '127.0.0.0/8', CAIRN_EGRESS_ALLOW_PORTS: '80,443,8000-8999' });
    expect(literalEgressRefusal('http://127.0.0.1:8123/', open)).toBeNull();
    expect(literalEgressRefusal('http://localhost:8080/', open)).toBeNull();
    expect(literalEgressRefusal('http://127.0.0.1:9000/', open)).toMatch(/port 9000/);
    expect(literalEgressRefusal('http://10.0.0.1:8080/', open)).toMatch(/private/);
  });

  it('reports every bad egress setting at start', () => {
    expect(() => policy({ CAIRN_EGRESS_ALLOW_CIDRS: '10.0.0.0/33', CAIRN_EGRESS_ALLOW_PORTS: '80,70000' })).toThrow(
      ConfigError,
    );
    expect(() => policy({ CAIRN_EGRESS_ALLOW_CIDRS: 'example.com' })).toThrow(
      /CAIRN_EGRESS_ALLOW_CIDRS "example.com" is not an IP address or CIDR/,
    );
    expect(() => policy({ CAIRN_EGRESS_ALLOW_PORTS: '443-80' })).toThrow(/CAIRN_EGRESS_ALLOW_PORTS "443-80"/);
  });
});
