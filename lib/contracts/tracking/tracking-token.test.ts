import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  parseTrackingKeys,
  TOKEN_PURPOSES,
  type TokenPurpose,
  type TrackingToken,
  TrackingTokenCodec,
} from './tracking-token';

const key = (id: number): string => `${id}:${randomBytes(32).toString('base64')}`;
const keysA = parseTrackingKeys([key(1), key(2)]);

const PURPOSES = Object.keys(TOKEN_PURPOSES) as TokenPurpose[];
const LINKED: ReadonlySet<TokenPurpose> = new Set(['click', 'attachment']);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The token verifies; the same with an extra character, or any other last character, does not. */
function expectOnlyCanonical(codec: TrackingTokenCodec, text: string, purpose: TokenPurpose): void {
  expect(codec.verify(text, purpose)).not.toBeNull();
  for (const extra of ALPHABET) expect(codec.verify(text + extra, purpose)).toBeNull();
  for (const neighbour of ALPHABET) {
    if (neighbour !== text.at(-1)) expect(codec.verify(text.slice(0, -1) + neighbour, purpose)).toBeNull();
  }
}

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
    const token = sample({
      journeyId: randomUUID(),
      tileId: 'tile-7',
      iteration: 300,
      listId: randomUUID(),
      linkId: 'l12',
    });
    const text = codec.mint(token, 'click');
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(200);
    expect(codec.verify(text, 'click')).toEqual(token);
  });

  it("mints a message's tokens and its link tokens exactly as one mint each would, and leaves the next mint alone", () => {
    const purposes = ['open', 'unsubscribe', 'subscription_center', 'forward', 'report'] as const;
    for (const token of [
      sample({ journeyId: randomUUID(), tileId: 'tile-7', iteration: 2, listId: randomUUID() }),
      sample(),
    ]) {
      const links = [
        { linkId: 'l1', purpose: 'click' as const },
        { linkId: randomUUID(), purpose: 'attachment' as const },
        { linkId: 'cta-with-a-longer-id', purpose: 'click' as const },
        { linkId: 'l1', purpose: 'click' as const },
      ];
      const minted = codec.mintMessage(token, purposes, links);
      expect(minted).toEqual({
        message: Object.fromEntries(purposes.map((purpose) => [purpose, codec.mint(token, purpose)])),
        links: links.map(({ linkId, purpose }) => codec.mint({ ...token, linkId }, purpose)),
      });
      expect(minted.links.map((text, i) => codec.verify(text, links[i]?.purpose ?? 'click')?.linkId)).toEqual(
        links.map((l) => l.linkId),
      );
      for (const purpose of purposes)
        expect(codec.verify(minted.message[purpose], purpose)).toMatchObject({ ...token, linkId: null });
    }
    expect(codec.mintMessage(sample(), ['open'], [])).toMatchObject({ links: [] });
    // A token that carries a link id of its own still gets the message tokens without it.
    const linked = sample({ linkId: 'stale' });
    expect(codec.mintMessage(linked, ['report'], []).message.report).toBe(
      codec.mint({ ...linked, linkId: null }, 'report'),
    );
  });

  it('fills absent optional fields with null and 0', () => {
    expect(codec.verify(codec.mint(sample(), 'open'), 'open')).toMatchObject({
      journeyId: null,
      tileId: null,
      iteration: 0,
      linkId: null,
    });
  });

  it('rejects every single-bit flip, truncation and extension', () => {
    const raw = Buffer.from(codec.mint(sample({ linkId: 'a' }), 'click'), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(codec.verify(tampered.toString('base64url'), 'click')).toBeNull();
    }
    for (let n = 0; n < raw.length; n++)
      expect(codec.verify(raw.subarray(0, n).toString('base64url'), 'click')).toBeNull();
    expect(codec.verify(Buffer.concat([raw, Buffer.from([0])]).toString('base64url'), 'click')).toBeNull();
  });

  it('accepts only the canonical spelling: no extra character, no other unused low bits in the last one', () => {
    for (const linkId of [null, 'a', 'ab', 'abc']) {
      const purpose = linkId ? 'click' : 'open';
      expectOnlyCanonical(codec, codec.mint(sample({ linkId }), purpose), purpose);
    }
  });

  it('keeps the token format: key id, purpose, body, then HMAC-SHA256 of all three truncated to 12 bytes', () => {
    const secret = randomBytes(32);
    const own = new TrackingTokenCodec(new Map([[7, secret]]), 7);
    const raw = Buffer.from(own.mint(sample(), 'forward'), 'base64url');
    const signed = raw.subarray(0, raw.length - 12);
    expect(raw[0]).toBe(7);
    expect(raw[1]).toBe(TOKEN_PURPOSES.forward);
    expect(raw.subarray(-12)).toEqual(createHmac('sha256', secret).update(signed).digest().subarray(0, 12));
  });

  it('mints byte for byte the documented format (golden tokens), and no longer verifies tokens minted before purposes', () => {
    // Golden tokens of this format: upper- and lower-case UUIDs, non-UUID ids (UTF-8), a two-byte version and
    // iteration, every optional field, and none of them. Their bodies are byte for byte those of the format before
    // purposes; tokens of that format (the two PRE_PURPOSE strings) verify for no purpose: mail sent before
    // purposes existed no longer tracks (docs/security.md, "Token purposes").
    const golden = new TrackingTokenCodec(new Map([[3, Buffer.alloc(32, 9)]]), 3);
    const fields = {
      workspaceId: '0b6f3c2e-8d1a-4c5b-9e7f-1a2b3c4d5e6f',
      messageId: 'A1B2C3D4-E5F6-4789-ABCD-EF0123456789',
      contactId: 'contact-ñ-1',
      emailId: '11111111-2222-3333-4444-555555555555',
      emailVersion: 300,
      sentAt: 1764000000,
      journeyId: '99999999-8888-7777-6666-555555555555',
      tileId: 'email-1',
      iteration: 129,
      listId: 'list:42',
      linkId: 'abcdefghijkl',
    };
    expect(golden.mint(fields, 'click')).toBe(
      'AwIf_wtvPC6NGkxbnn8aKzxNXm__obLD1OX2R4mrze8BI0VniQxjb250YWN0LcOxLTH_ERERESIiMzNERFVVVVVVVawCaSSBAP-ZmZmZiIh3d2ZmVVVVVVVVB2VtYWlsLTGBAQdsaXN0OjQyDGFiY2RlZmdoaWprbP7tKLuGCAB9oCVe0Q',
    );
    expect(
      golden.mint({ ...fields, journeyId: null, tileId: null, iteration: 0, listId: null, linkId: null }, 'open'),
    ).toBe(
      'AwEA_wtvPC6NGkxbnn8aKzxNXm__obLD1OX2R4mrze8BI0VniQxjb250YWN0LcOxLTH_ERERESIiMzNERFVVVVVVVawCaSSBAJaKNmxz72nEVVu2qA',
    );
    const PRE_PURPOSE = [
      'Ax__C288Lo0aTFuefxorPE1eb_-hssPU5fZHiavN7wEjRWeJDGNvbnRhY3Qtw7EtMf8RERERIiIzM0REVVVVVVVVrAJpJIEA_5mZmZmIiHd3ZmZVVVVVVVUHZW1haWwtMYEBB2xpc3Q6NDIMYWJjZGVmZ2hpamtsKkb6VromeHXPsb3e',
      'AwD_C288Lo0aTFuefxorPE1eb_-hssPU5fZHiavN7wEjRWeJDGNvbnRhY3Qtw7EtMf8RERERIiIzM0REVVVVVVVVrAJpJIEAbazZgosag33AqPS2',
    ];
    for (const old of PRE_PURPOSE) for (const purpose of PURPOSES) expect(golden.verify(old, purpose)).toBeNull();
  });

  // Issue 20, defect 6: one token, one purpose.
  describe('purposes', () => {
    const tokenOf = (purpose: TokenPurpose, extra: Partial<TrackingToken> = {}): TrackingToken =>
      sample({
        journeyId: randomUUID(),
        tileId: 'tile-1',
        iteration: 2,
        listId: randomUUID(),
        linkId: LINKED.has(purpose) ? 'l1' : null,
        ...extra,
      });

    it("refuses a token of each purpose at every other purpose's verify", () => {
      expect(PURPOSES).toHaveLength(10);
      for (const minted of PURPOSES) {
        const token = tokenOf(minted);
        const text = codec.mint(token, minted);
        for (const asked of PURPOSES) {
          if (asked === minted) expect(codec.verify(text, asked)).toEqual(token);
          else expect(codec.verify(text, asked)).toBeNull();
        }
      }
    });

    it("breaks the MAC when the purpose byte is set to another purpose's (or to no purpose)", () => {
      for (const minted of PURPOSES) {
        const raw = Buffer.from(codec.mint(tokenOf(minted), minted), 'base64url');
        expect(raw[1]).toBe(TOKEN_PURPOSES[minted]);
        for (const forged of PURPOSES) {
          if (forged === minted) continue;
          const tampered = Buffer.from(raw);
          tampered[1] = TOKEN_PURPOSES[forged];
          expect(codec.verify(tampered.toString('base64url'), forged)).toBeNull();
          expect(codec.verify(tampered.toString('base64url'), minted)).toBeNull();
        }
        for (const code of [0, 11, 255]) {
          const tampered = Buffer.from(raw);
          tampered[1] = code;
          for (const purpose of PURPOSES) expect(codec.verify(tampered.toString('base64url'), purpose)).toBeNull();
        }
      }
    });

    it('keeps the canonical spelling for every purpose', () => {
      for (const purpose of PURPOSES) expectOnlyCanonical(codec, codec.mint(tokenOf(purpose), purpose), purpose);
    });

    it('gives a click or attachment token a link id and no other token one', () => {
      for (const purpose of PURPOSES) {
        if (LINKED.has(purpose)) expect(() => codec.mint(sample(), purpose)).toThrow(/needs link id/);
        else expect(() => codec.mint(sample({ linkId: 'l1' }), purpose)).toThrow(/takes no link id/);
      }
    });
  });

  it('rejects garbage, wrong alphabets and oversized input', () => {
    for (const bad of ['', '!!!', 'a'.repeat(601), 'abc.def', '%00', randomBytes(80).toString('base64url')]) {
      for (const purpose of PURPOSES) expect(codec.verify(bad, purpose)).toBeNull();
    }
  });

  it('verifies tokens minted with an older key after rotation, not with an unknown key', () => {
    const old = codec.mint(sample(), 'unsubscribe');
    const rotated = new TrackingTokenCodec(keysA, 2);
    expect(rotated.verify(old, 'unsubscribe')).not.toBeNull();
    expect(rotated.verify(old, 'open')).toBeNull();
    const stranger = new TrackingTokenCodec(parseTrackingKeys([key(1)]), 1);
    expect(stranger.verify(old, 'unsubscribe')).toBeNull();
    expect(new TrackingTokenCodec(parseTrackingKeys([key(9)]), 9).verify(old, 'unsubscribe')).toBeNull();
  });

  it('refuses weak or malformed key specs', () => {
    expect(() => parseTrackingKeys(['1:short'])).toThrow();
    expect(() => parseTrackingKeys(['x:' + randomBytes(32).toString('base64')])).toThrow();
    expect(() => new TrackingTokenCodec(keysA, 7)).toThrow();
  });
});
