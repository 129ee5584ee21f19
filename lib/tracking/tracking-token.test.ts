import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { parseTrackingKeys, type TrackingToken, TrackingTokenCodec } from './tracking-token';

const key = (id: number): string => `${id}:${randomBytes(32).toString('base64')}`;
const keysA = parseTrackingKeys([key(1), key(2)]);

const sample = (extra: Partial<TrackingToken> = {}): TrackingToken => ({
  workspaceId: randomUUID(),
  messageId: randomUUID(),
  contactId: randomUUID(),
  emailId: randomUUID(),
  emailVersion: 3,
  sentAt: 1_800_000_000,
  ...extra,
});

describe('TrackingTokenCodec', () => {
  const codec = new TrackingTokenCodec(keysA, 1);

  it('round-trips every field and stays compact', () => {
    const token = sample({ journeyId: randomUUID(), tileId: 'tile-7', iteration: 300, listId: randomUUID(), linkId: 'l12' });
    const text = codec.mint(token);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(200);
    expect(codec.verify(text)).toEqual(token);
  });

  it("mints a message's token and its link tokens exactly as one mint each would, and leaves the next mint alone", () => {
    for (const token of [sample({ journeyId: randomUUID(), tileId: 'tile-7', iteration: 2, listId: randomUUID() }), sample()]) {
      const linkIds = ['l1', randomUUID(), 'cta-with-a-longer-id', 'l1'];
      const minted = codec.mintMessage(token, linkIds);
      expect(minted).toEqual({ message: codec.mint(token), links: linkIds.map((linkId) => codec.mint({ ...token, linkId })) });
      expect(minted.links.map((text) => codec.verify(text)?.linkId)).toEqual(linkIds);
      expect(codec.verify(minted.message)).toMatchObject({ ...token, linkId: null });
    }
    expect(codec.mintMessage(sample(), [])).toMatchObject({ links: [] });
    // A token that carries a link id of its own still gets the message token without it.
    const linked = sample({ linkId: 'stale' });
    expect(codec.mintMessage(linked, []).message).toBe(codec.mint({ ...linked, linkId: null }));
  });

  it('fills absent optional fields with null and 0', () => {
    expect(codec.verify(codec.mint(sample()))).toMatchObject({ journeyId: null, tileId: null, iteration: 0, linkId: null });
  });

  it('rejects every single-bit flip, truncation and extension', () => {
    const raw = Buffer.from(codec.mint(sample({ linkId: 'a' })), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(codec.verify(tampered.toString('base64url'))).toBeNull();
    }
    for (let n = 0; n < raw.length; n++) expect(codec.verify(raw.subarray(0, n).toString('base64url'))).toBeNull();
    expect(codec.verify(Buffer.concat([raw, Buffer.from([0])]).toString('base64url'))).toBeNull();
  });

  it('accepts only the canonical spelling: no extra character, no other unused low bits in the last one', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const linkId of [null, 'a', 'ab', 'abc']) {
      const text = codec.mint(sample({ linkId }));
      expect(codec.verify(text)).not.toBeNull();
      for (const extra of ALPHABET) expect(codec.verify(text + extra)).toBeNull();
      const last = ALPHABET.indexOf(text.at(-1) as string);
      for (const neighbour of ALPHABET) {
        if (ALPHABET.indexOf(neighbour) === last) continue;
        expect(codec.verify(text.slice(0, -1) + neighbour)).toBeNull();
      }
    }
  });

  it('keeps the token format: key id, body, then HMAC-SHA256 of both truncated to 12 bytes', () => {
    const secret = randomBytes(32);
    const own = new TrackingTokenCodec(new Map([[7, secret]]), 7);
    const raw = Buffer.from(own.mint(sample()), 'base64url');
    const signed = raw.subarray(0, raw.length - 12);
    expect(raw[0]).toBe(7);
    expect(raw.subarray(-12)).toEqual(createHmac('sha256', secret).update(signed).digest().subarray(0, 12));
  });

  it('mints byte for byte what earlier releases minted, so links in mail already sent keep working', () => {
    // Golden tokens from the per-field encoder this one replaced: upper- and lower-case UUIDs, non-UUID ids
    // (UTF-8), a two-byte version and iteration, every optional field, and none of them.
    const golden = new TrackingTokenCodec(new Map([[3, Buffer.alloc(32, 9)]]), 3);
    const fields = {
      workspaceId: '0b6f3c2e-8d1a-4c5b-9e7f-1a2b3c4d5e6f', messageId: 'A1B2C3D4-E5F6-4789-ABCD-EF0123456789', contactId: 'contact-ñ-1',
      emailId: '11111111-2222-3333-4444-555555555555', emailVersion: 300, sentAt: 1764000000, journeyId: '99999999-8888-7777-6666-555555555555',
      tileId: 'email-1', iteration: 129, listId: 'list:42', linkId: 'abcdefghijkl',
    };
    expect(golden.mint(fields)).toBe('Ax__C288Lo0aTFuefxorPE1eb_-hssPU5fZHiavN7wEjRWeJDGNvbnRhY3Qtw7EtMf8RERERIiIzM0REVVVVVVVVrAJpJIEA_5mZmZmIiHd3ZmZVVVVVVVUHZW1haWwtMYEBB2xpc3Q6NDIMYWJjZGVmZ2hpamtsKkb6VromeHXPsb3e');
    expect(golden.mint({ ...fields, journeyId: null, tileId: null, iteration: 0, listId: null, linkId: null })).toBe(
      'AwD_C288Lo0aTFuefxorPE1eb_-hssPU5fZHiavN7wEjRWeJDGNvbnRhY3Qtw7EtMf8RERERIiIzM0REVVVVVVVVrAJpJIEAbazZgosag33AqPS2',
    );
  });

  it('rejects garbage, wrong alphabets and oversized input', () => {
    for (const bad of ['', '!!!', 'a'.repeat(601), 'abc.def', '%00', randomBytes(80).toString('base64url')]) {
      expect(codec.verify(bad)).toBeNull();
    }
  });

  it('verifies tokens minted with an older key after rotation, not with an unknown key', () => {
    const old = codec.mint(sample());
    const rotated = new TrackingTokenCodec(keysA, 2);
    expect(rotated.verify(old)).not.toBeNull();
    const stranger = new TrackingTokenCodec(parseTrackingKeys([key(1)]), 1);
    expect(stranger.verify(old)).toBeNull();
    expect(new TrackingTokenCodec(parseTrackingKeys([key(9)]), 9).verify(old)).toBeNull();
  });

  it('refuses weak or malformed key specs', () => {
    expect(() => parseTrackingKeys(['1:short'])).toThrow();
    expect(() => parseTrackingKeys(['x:' + randomBytes(32).toString('base64')])).toThrow();
    expect(() => new TrackingTokenCodec(keysA, 7)).toThrow();
  });
});
