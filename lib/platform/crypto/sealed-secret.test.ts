import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config';
import { dkimKeyEncryptionKey, openSecret, parseSealingKey, sealSecret } from './sealed-secret';

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

describe('CAIRN_DKIM_KEY_ENCRYPTION_KEY', () => {
  const schema = { key: dkimKeyEncryptionKey };

  it('is optional, and parsed to 32 bytes when set', () => {
    expect(loadConfig(schema, {}).key).toBeNull();
    const key = randomBytes(32);
    expect(loadConfig(schema, { CAIRN_DKIM_KEY_ENCRYPTION_KEY: key.toString('base64') }).key?.equals(key)).toBe(true);
  });

  it('refuses a key of another length without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadConfig(schema, { CAIRN_DKIM_KEY_ENCRYPTION_KEY: short })).toThrow(
      /CAIRN_DKIM_KEY_ENCRYPTION_KEY must be 32 bytes/,
    );
    try {
      loadConfig(schema, { CAIRN_DKIM_KEY_ENCRYPTION_KEY: short });
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });
});
