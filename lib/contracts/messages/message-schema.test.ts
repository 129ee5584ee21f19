import { defineMessage, describeMessageError, fields, messageUnion } from './message-schema';

const point = defineMessage('point', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'kind', 'id', 'n'],
  properties: { v: { const: 1 }, kind: { const: 'point' }, id: fields.uuid, n: fields.integer },
} as const);
const legacyPoint = defineMessage(
  'legacy point',
  1,
  {
    type: 'object',
    required: ['v', 'kind'],
    properties: { v: { const: 1 }, kind: { const: 'legacy' } },
  } as const,
  { unversionedIsV1: true },
);
const good = { v: 1, kind: 'point', id: '0b7c1f1e-7d5c-4b8e-9a55-1d2f3c4b5a60', n: 3 } as const;

describe('a message type', () => {
  it('decodes a good message to its typed value, as it was', () => {
    const read = point.decode(good);
    expect(read).toEqual({ ok: true, value: good });
    // the type is the schema's: n is a number
    if (read.ok) expect(read.value.n + 1).toBe(4);
  });

  it.each([
    ['missing v', { ...good, v: undefined }, undefined, '/v'],
    ['an unknown v', { ...good, v: 2 }, 2, '/v'],
    ['an ill-typed field', { ...good, n: 'three' }, 1, '/n'],
    ['a fraction where an integer goes', { ...good, n: 1.5 }, 1, '/n'],
    ['an id that is no uuid', { ...good, id: 'c-1' }, 1, '/id'],
    ['a missing field', { v: 1, kind: 'point', id: good.id }, 1, ''],
    ['a field it does not know', { ...good, more: 1 }, 1, ''],
    ['no object', [good], undefined, ''],
  ])('refuses %s, naming the message, the version it saw and the field', (_what, data, version, path) => {
    const read = point.decode(data);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.error).toMatchObject({ message: 'point', version, path });
      expect(read.error.reason).not.toBe('');
    }
  });

  it('says what is wrong in one line', () => {
    const read = point.decode({ ...good, v: 2 });
    expect(!read.ok && describeMessageError(read.error)).toBe('point v2: /v is not a version this reader knows (1)');
    const unversioned = point.decode({ kind: 'point' });
    expect(!unversioned.ok && describeMessageError(unversioned.error)).toBe(
      'point without v: /v is missing: every message carries its version',
    );
  });

  it('reads a message without v as v1 only where the previous build may have queued it', () => {
    expect(legacyPoint.decode({ kind: 'legacy' })).toEqual({ ok: true, value: { v: 1, kind: 'legacy' } });
    expect(legacyPoint.decode({ v: 2, kind: 'legacy' })).toMatchObject({
      ok: false,
      error: { version: 2, path: '/v' },
    });
    expect(point.decode({ kind: 'point', id: good.id, n: 1 })).toMatchObject({ ok: false, error: { path: '/v' } });
  });
});

describe('a union of message types', () => {
  const union = messageUnion<{ v: 1; kind: 'point'; id: string; n: number } | { v: 1; kind: 'legacy' }>('either', {
    point,
    legacy: legacyPoint,
  });

  it('decodes each kind with its own type', () => {
    expect(union.decode(good)).toEqual({ ok: true, value: good });
    expect(union.decode({ v: 1, kind: 'legacy' })).toEqual({ ok: true, value: { v: 1, kind: 'legacy' } });
  });

  it('refuses a kind it does not know, naming /kind, and the kind it knows with its own errors', () => {
    expect(union.decode({ ...good, kind: 'line' })).toMatchObject({
      ok: false,
      error: { message: 'either', version: 1, path: '/kind', reason: 'must be one of point, legacy' },
    });
    expect(union.decode({ ...good, n: 'x' })).toMatchObject({ ok: false, error: { message: 'point', path: '/n' } });
  });
});
