import { randomBytes } from 'node:crypto';
import { openSecret, parseSealingKey, sealSecret } from './sealed-secret';

describe('sealed secrets', () => {
  const key = randomBytes(32);

  it('opens what it sealed, only with the same key and the same binding', () => {
    const sealed = sealSecret(key, 'private key PEM', 'domain-1:sel');
    expect(sealed).not.toContain('private');
    expect(openSecret(key, sealed, 'domain-1:sel')).toBe('private key PEM');
    expect(openSecret(key, sealed, 'domain-2:sel')).toBeNull();
    expect(openSecret(randomBytes(32), sealed, 'domain-1:sel')).toBeNull();
  });

  it('refuses an altered or truncated value', () => {
    const sealed = sealSecret(key, 'secret', 'x');
    const parts = sealed.split('.');
    expect(openSecret(key, [parts[0], parts[1], parts[2]?.slice(0, 8), parts[3]].join('.'), 'x')).toBeNull();
    const body = parts[3] ?? '';
    const flipped = `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`;
    expect(openSecret(key, [parts[0], parts[1], parts[2], flipped].join('.'), 'x')).toBeNull();
    expect(openSecret(key, 'v2.a.b.c', 'x')).toBeNull();
  });

  it('takes a 32-byte base64 operator key only', () => {
    expect(parseSealingKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseSealingKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseSealingKey('not base64!')).toThrow(/32 bytes/);
  });
});
