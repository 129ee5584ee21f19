import { EventCodec } from '../../lib/contracts/events/event-codec';
import { toRawRow } from './event-row';
import {
  ALL_EVENT_TYPES as EVENT_TYPES,
  type CairnEvent,
  type EventType,
} from '../../lib/contracts/events/event-types';
import { emailEvent } from '../../test/aggregator/aggregator-harness';
import { AvroTsvTranscoder, kafkaTopicColumn } from './avro-tsv';
import { TsvOut } from './tsv-out';
import { tsvLine } from './ingest-tsv';

const codec = new EventCodec();
const fast = new AvroTsvTranscoder(codec);
const TOPIC = 'cairn.events.email';

/** The generic path's line, or null when it refuses the message. */
function generic(value: Buffer, offset: number): string | null {
  try {
    return tsvLine(toRawRow(codec.decode(value)), TOPIC, 3, offset);
  } catch {
    return null;
  }
}

function transcoded(value: Buffer, offset: number): string | null {
  const out = new TsvOut(16);
  return fast.transcode(value, kafkaTopicColumn(TOPIC), 3, offset, out) ? out.done().toString('utf8') : null;
}

/** Deterministic pseudo-random numbers (tests must be repeatable). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
/** Printable ASCII without the characters that need escaping somewhere: lines the fast path takes. */
const PLAIN = PRINTABLE.replace(/["\\]/g, '');
let alphabet = PRINTABLE;
const ascii = (random: () => number, max: number): string =>
  Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

/**
 * A random event of a type: every field filled from its schema, nullable ones null half the time. Numbers range
 * beyond what the stores hold (event-ranges.ts), so callers write it with encodeOwn, which does not refuse them.
 */
function randomEvent(type: EventType, random: () => number): CairnEvent {
  const schema = codec.schemaFor(type).type.schema() as { fields: { name: string; type: unknown }[] };
  const data: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const t = JSON.stringify(field.type);
    const nullable = t.startsWith('["null"');
    if (nullable && random() < 0.5) data[field.name] = null;
    else if (t.includes('"string"') && t.includes('array'))
      data[field.name] = Array.from({ length: Math.floor(random() * 3) }, () => ascii(random, 8));
    else if (t.includes('"long"'))
      data[field.name] = Math.floor(random() < 0.05 ? (random() - 0.5) * 1.7e16 : random() * 4_102_444_800_000);
    else if (t.includes('"int"')) data[field.name] = Math.floor(random() < 0.05 ? -random() * 1e6 : random() * 1e6);
    else if (t.includes('"boolean"')) data[field.name] = random() < 0.5;
    else data[field.name] = random() < 0.1 ? '' : ascii(random, 40);
  }
  return { type, data } as unknown as CairnEvent;
}

describe('Avro to TabSeparated fast path', () => {
  it('covers every event type of the current schemas', () => {
    expect(fast.coveredFingerprints).toBe(EVENT_TYPES.length);
  });

  it('writes exactly the generic line for random events of every type, or declines (escaping needed)', () => {
    const random = prng(42);
    let fastCount = 0;
    for (let i = 0; i < 6_000; i++) {
      const type = EVENT_TYPES[i % EVENT_TYPES.length] as EventType;
      const value = codec.encodeOwn(randomEvent(type, random));
      const line = transcoded(value, 1_000 + i);
      if (line !== null) fastCount++;
      // Random printable ASCII includes quotes and backslashes: those lines must fall back, all others match.
      expect(line ?? generic(value, 1_000 + i)).toBe(generic(value, 1_000 + i));
    }
    expect(fastCount).toBeGreaterThan(1_000);
  });

  it('takes the fast path for everyday events and leaves escaping and non-ASCII to the generic path', () => {
    const plain = codec.encode(
      emailEvent('click', {
        event_id: 'e1',
        url: 'https://x.test/a?b=c&d="e"',
        link_id: 'cta',
        user_agent: 'Mozilla/5.0',
      }),
    );
    expect(transcoded(plain, 7)).toBe(generic(plain, 7));
    expect(transcoded(plain, 7)).not.toBeNull();
    for (const nasty of ['tab\there', 'line\nbreak', 'back\\slash', 'café', '😀']) {
      const value = codec.encode(
        emailEvent('click', { event_id: 'e2', url: 'https://x.test', link_id: 'cta', user_agent: nasty }),
      );
      expect(transcoded(value, 8)).toBeNull();
      expect(generic(value, 8)).not.toBeNull();
    }
    const quoted = codec.encode(
      emailEvent('click', { event_id: 'e3', url: 'https://x.test', link_id: 'cta', user_agent: 'say "hi"' }),
    );
    expect(transcoded(quoted, 9)).toBeNull(); // a quote in `detail` needs JSON escaping
  });

  it("carries an open's or click's country in detail on the fast path; older versions (no country) take the generic path", () => {
    const detailOf = (line: string | null): string => line?.split('\t')[24] ?? '';
    for (const type of ['open', 'click'] as const) {
      const event = emailEvent(type, { event_id: `geo-${type}`, user_agent: 'Mozilla/5.0', country: 'DE' });
      const value = codec.encode(event);
      expect(transcoded(value, 3)).toBe(generic(value, 3));
      expect(detailOf(transcoded(value, 3))).toBe('{"user_agent":"Mozilla/5.0","country":"DE"}');
      const older = codec.encodeWithVersion(event, 1);
      expect(transcoded(older, 4)).toBeNull();
      expect(detailOf(generic(older, 4))).not.toContain('country');
    }
  });

  it('declines truncated, extended, foreign and mutated messages, and never disagrees with the generic path', () => {
    const random = prng(7);
    alphabet = PLAIN;
    const bytes = [0, 1, 2, 3, 4, 0x22, 0x5c, 0x7f, 0x80, 0xff];
    let compared = 0;
    for (let i = 0; i < 8_000; i++) {
      const type = EVENT_TYPES[i % EVENT_TYPES.length] as EventType;
      const value = Buffer.from(codec.encodeOwn(randomEvent(type, random)));
      const how = i % 4;
      let input: Buffer;
      if (how === 0) input = value.subarray(0, Math.floor(random() * value.length));
      else if (how === 1) input = Buffer.concat([value, Buffer.from([Math.floor(random() * 256)])]);
      else {
        // one or two bytes of the body set to a boundary value (varint ends, union branches, booleans, escapes)
        for (let k = 0; k < how - 1; k++)
          value[10 + Math.floor(random() * (value.length - 10))] = bytes[Math.floor(random() * bytes.length)] as number;
        input = value;
      }
      const line = transcoded(input, i);
      const expected = generic(input, i);
      if (line !== null) {
        compared++;
        expect(line).toBe(expected);
      }
      if (expected === null) expect(line).toBeNull();
    }
    alphabet = PRINTABLE;
    expect(compared).toBeGreaterThan(100);
  });

  it('reserves room enough for the lines that grow most over their message (many empty list ids, short fields)', () => {
    const random = prng(7);
    alphabet = PLAIN;
    for (const count of [0, 1, 64, 5_000]) {
      const event = randomEvent('unsubscribe', random);
      Object.assign(event.data, { list_ids: Array.from({ length: count }, () => ''), event_time: 0 });
      const value = codec.encodeOwn(event);
      // the smallest room the line could start with, so any shortfall in the reservation would cut it
      expect(transcoded(value, 7)).toBe(generic(value, 7));
    }
    alphabet = PRINTABLE;
  });

  it('refuses to hand over lines written past the room reserved for them', () => {
    const out = new TsvOut(2);
    out.ensure(2);
    [1, 2, 3].forEach((byte) => out.byte(byte));
    expect(() => out.done()).toThrow(/reserved/);
  });

  it('appends lines one after the other in one growing buffer', () => {
    const out = new TsvOut(8);
    const values = ['a', 'b', 'c'].map((id) => codec.encode(emailEvent('open', { event_id: id })));
    values.forEach((value, i) => expect(fast.transcode(value, kafkaTopicColumn(TOPIC), 0, i, out)).toBe(true));
    expect(out.done().toString()).toBe(
      values.map((value, i) => generic(value, i)?.replace(`\t${TOPIC}\t3\t`, `\t${TOPIC}\t0\t`)).join(''),
    );
  });
});
