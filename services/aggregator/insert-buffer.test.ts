import { Readable } from 'node:stream';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { raw } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from './event-row';
import { emailEvent } from '../../test/aggregator/aggregator-harness';
import { createTestEnv, testLogger, type TestEnv } from '../../test/support/test-env';
import { waitFor } from '../../test/support/wait-for';
import { insertSettingsFor } from './aggregator.app';
import type { IngestBatch } from './ingest-batch';
import { InsertBuffer, type InsertBufferOptions } from './insert-buffer';
import { OffsetLedger } from './offset-ledger';
import { tsvLine } from './ingest-tsv';

let env: TestEnv;
let buffer: InsertBuffer | undefined;

beforeAll(async () => {
  env = await createTestEnv('cairn_insert_buffer');
});

afterEach(async () => {
  insertBodies.length = 0;
  await buffer?.close();
  await env.clickhouse.exec(raw.trusted('TRUNCATE TABLE events_raw'));
});

afterAll(async () => {
  await env?.cleanup();
});

/** A chunk of `count` open events of one partition, from offset `first`. */
function chunk(partition: number, first: number, count: number): IngestBatch {
  const offsets = Array.from({ length: count }, (_, i) => first + i);
  const lines = offsets.map((offset) =>
    tsvLine(toRawRow(emailEvent('open', { event_id: `p${partition}-${offset}` })), 'topic', partition, offset),
  );
  return { topic: 'topic', partition, offsets, tsv: Buffer.from(lines.join('')) };
}

/** The bodies of the inserts the buffer sent: the real client, observed, to see how much of a body it has sent. */
const insertBodies: Readable[] = [];
function observedClickHouse(ch: ClickHouse): ClickHouse {
  const client = new Proxy(ch.client, {
    get(target, property) {
      if (property === 'insert') {
        return (params: Parameters<ClickHouse['client']['insert']>[0]) => {
          if (params.values instanceof Readable) insertBodies.push(params.values);
          return target.insert(params);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return Object.assign(Object.create(Object.getPrototypeOf(ch) as object) as ClickHouse, ch, { client });
}

type Overrides = Partial<
  Pick<InsertBufferOptions, 'maxRows' | 'maxInFlight' | 'lingerMs' | 'writtenBelow' | 'poisonAttempts' | 'deadLetter'>
>;

async function newBuffer(options: Overrides = {}): Promise<InsertBuffer> {
  buffer = new InsertBuffer({
    ch: observedClickHouse(env.clickhouse),
    log: testLogger('insert-buffer'),
    maxRows: options.maxRows ?? 1_000,
    maxInFlight: options.maxInFlight ?? 2,
    lingerMs: options.lingerMs ?? 10_000,
    retryMaxMs: 100,
    insertSettings: await insertSettingsFor(env.clickhouse),
    writtenBelow: options.writtenBelow ?? (async () => 0n),
    poisonAttempts: options.poisonAttempts ?? 3,
    deadLetter: options.deadLetter ?? (async () => undefined),
  });
  return buffer;
}

const rawIds = async (): Promise<string[]> =>
  (
    await env.clickhouse.rows<{ event_id: string }>(raw.trusted('SELECT event_id FROM events_raw ORDER BY event_id'))
  ).map((row) => row.event_id);

describe('insert buffer', () => {
  it('streams a batch chunk by chunk into one insert that lands when the batch ends and the insert is flushed', async () => {
    // No sleep: wait until the insert is under way and the client has handed the first part of its body to the
    // connection (the body stream is drained), then check that none of it is visible before the body ends.
    const FIRST = 1_000;
    const b = await newBuffer({ maxRows: FIRST + 3 });
    const sink = b.open(FIRST + 3);
    sink.write(chunk(0, 0, FIRST));
    const body = await waitFor(
      () => insertBodies[0],
      (stream) => stream !== undefined,
    );
    await waitFor(
      () => body?.readableLength,
      (left) => left === 0,
    );
    expect(await rawIds()).toEqual([]);
    sink.write(chunk(0, FIRST, 3));
    const landed = sink.end();
    b.flushNow();
    await landed;
    expect(await rawIds()).toHaveLength(FIRST + 3);
  });

  it('does not close an insert in the middle of a batch, and starts a new one for a batch that would not fit', async () => {
    const b = await newBuffer({ maxRows: 4 });
    const first = b.open(4);
    first.write(chunk(1, 0, 2));
    const second = b.open(4); // would not fit with the first: a new insert
    second.write(chunk(2, 0, 4));
    const secondLanded = second.end();
    await secondLanded;
    expect((await rawIds()).every((id) => id.startsWith('p2-'))).toBe(true);
    first.write(chunk(1, 2, 2));
    await first.end();
    expect(await rawIds()).toHaveLength(8);
  });

  it('a fence drops rows not yet sent and rejects their batches; an aborted batch writes nothing, the others land', async () => {
    const b = await newBuffer({ maxInFlight: 1 });
    const aborted = b.open(2);
    aborted.write(chunk(3, 0, 2));
    const kept = b.open(2);
    kept.write(chunk(4, 0, 2));
    aborted.abort();
    const keptLanded = kept.end();
    b.flushNow();
    await keptLanded;
    expect(await rawIds()).toEqual(['p4-0', 'p4-1']);

    const unsent = b.open(2);
    unsent.write(chunk(5, 0, 2));
    const unsentLanded = unsent.end();
    b.fence();
    await expect(unsentLanded).rejects.toThrow(/reassigned/);
    await b.drain();
    expect(await rawIds()).toEqual(['p4-0', 'p4-1']);
  });

  // Issue 20 defect 8: rows ClickHouse refuses for their values (18.16: "Cannot parse input", code 27) used to be
  // retried forever, holding up every row behind them. Now the messages at fault are dead-lettered, the rest land.
  it('dead-letters the messages whose rows ClickHouse refuses and writes every other row once, offsets in order', async () => {
    const poisoned = chunk(6, 0, 100);
    const lines = poisoned.tsv.toString().split('\n').slice(0, -1);
    const refused = (line: string): string =>
      line
        .split('\t')
        .map((value, column) => (column === 9 ? '-1' : value))
        .join('\t'); // email_version UInt32
    lines[37] = refused(lines[37] as string);
    // an envelope: two lines at offset 60, one of them refused; the message goes whole or not at all
    lines.splice(61, 0, refused(lines[60] as string).replace('p6-60', 'p6-60b'));
    const offsets = [...poisoned.offsets.slice(0, 61), 60, ...poisoned.offsets.slice(61)];
    const letters: { offset: number; error: string }[] = [];
    const ledger = new OffsetLedger(env.clickhouse);
    const b = await newBuffer({
      poisonAttempts: 2,
      writtenBelow: (topic, partition) => ledger.readFromClickHouse(topic, partition),
      deadLetter: async (rows, error) => void letters.push({ offset: rows.offset, error: error.message }),
    });
    const sinks = [b.open(101), b.open(20)];
    sinks[0]?.write({ ...poisoned, offsets, tsv: Buffer.from(`${lines.join('\n')}\n`) });
    sinks[1]?.write(chunk(7, 0, 20));
    const landed = Promise.all(sinks.map((sink) => sink.end()));
    b.flushNow();
    await landed;

    expect(letters.map((letter) => letter.offset)).toEqual([37, 60]);
    expect(letters.every((letter) => /Code: 27|Cannot parse/.test(letter.error))).toBe(true);
    const ids = await rawIds();
    expect(ids).toHaveLength(98 + 20);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => ['p6-37', 'p6-60', 'p6-60b'].includes(id))).toEqual([]);
    expect(await ledger.readFromClickHouse('topic', 6)).toBe(100n);
  }, 60_000);
});
