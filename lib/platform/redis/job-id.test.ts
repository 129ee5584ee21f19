import { createHash } from 'node:crypto';
import { hashedJobId } from './job-id';

describe('hashedJobId', () => {
  it("is the prefix and 32 hex digits of the key's SHA-256, as job ids already queued were made", () => {
    const key = 'journey:tile:0:contact';
    expect(hashedJobId('webhook', key)).toBe(`webhook-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`);
    expect(hashedJobId('direct', 'a')).toBe('direct-ca978112ca1bbdcafac231b39a23dc4d');
  });

  it('holds no colon, whatever the key', () => {
    expect(hashedJobId('retry', 'a:b:c')).toMatch(/^retry-[0-9a-f]{32}$/);
  });
});
