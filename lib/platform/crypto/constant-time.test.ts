import { createHash } from 'node:crypto';
import { sameDigest, sameSecret, sha256 } from './constant-time';

describe('constant-time compare', () => {
  it('sha256 is the digest stored for secrets', () => {
    expect(sha256('s3cret').toString('hex')).toBe(createHash('sha256').update('s3cret').digest('hex'));
  });

  it('compares digests, and a digest of another length is unequal rather than a throw', () => {
    const digest = sha256('a');
    expect(sameDigest(digest, Buffer.from(digest))).toBe(true);
    expect(sameDigest(digest, sha256('b'))).toBe(false);
    expect(sameDigest(digest, digest.subarray(0, 16))).toBe(false);
    expect(sameDigest(Buffer.alloc(0), digest)).toBe(false);
  });

  it('compares secrets of any length; an empty or missing one matches nothing', () => {
    expect(sameSecret('operator-token', 'operator-token')).toBe(true);
    expect(sameSecret('operator-token', 'operator-token-longer')).toBe(false);
    expect(sameSecret('x'.repeat(10_000), 'x')).toBe(false);
    expect(sameSecret('', '')).toBe(false);
    expect(sameSecret(undefined, 'operator-token')).toBe(false);
    expect(sameSecret('operator-token', '')).toBe(false);
  });
});
