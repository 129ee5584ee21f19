import { createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256';

describe('HmacSha256', () => {
  it('equals node:crypto HMAC-SHA256 for every message length up to 300 bytes and keys of 16 to 200 bytes', () => {
    for (const keyLength of [16, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const hmac = new HmacSha256(key);
      for (let length = 0; length <= 300; length++) {
        const message = randomBytes(length);
        const out = Buffer.alloc(32);
        hmac.digestInto(message, 0, length, out);
        expect(out.toString('hex')).toBe(createHmac('sha256', key).update(message).digest('hex'));
      }
    }
  });

  it('signs a slice of a larger buffer and verifies a truncated MAC, refusing any changed byte', () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256(key);
    const body = randomBytes(99);
    const mac = createHmac('sha256', key).update(body).digest().subarray(0, 12);
    const token = Buffer.concat([randomBytes(5), body, mac]);
    expect(hmac.verify(token, 5, 104, token, 104, 12)).toBe(true);
    for (const at of [5, 60, 103, 104, 115]) {
      const tampered = Buffer.from(token);
      tampered[at] = (tampered[at] as number) ^ 1;
      expect(hmac.verify(tampered, 5, 104, tampered, 104, 12)).toBe(false);
    }
    // A MAC shorter than asked for never verifies.
    expect(hmac.verify(token, 5, 104, token.subarray(0, 110), 104, 12)).toBe(false);
  });
});
