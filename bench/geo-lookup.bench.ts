// bench: µs per client-address → country lookup (ingest's pixel and redirect) and the memory its database takes, vs encoding the open event
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventCodec } from '../lib/contracts/events/event-codec';
import type { EmailEvent } from '../lib/contracts/events/event-types';
import { loadCountryLookup } from '../services/ingest/client-country';
import { emailContext } from '../services/ingest/event-factory';
import { TrackedEventEncoder } from '../services/ingest/tracked-event-encoder';
import { isQuick, progress, report, round } from './bench-support';

const ROUNDS = isQuick ? 5 : 20;
const MIB = 2 ** 20;

// a full collection before each memory reading, so the figures are what stays reachable
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

/** Deterministic addresses (repeatable runs): public-looking IPv4, a tenth IPv4-mapped, a tenth IPv6. */
function addresses(count: number): string[] {
  let state = 20_261_203;
  const next = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0);
  return Array.from({ length: count }, (_, i) => {
    const n = next();
    const v4 = `${1 + ((n >>> 24) % 223)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    return i % 10 === 0 ? `::ffff:${v4}` : i % 10 === 1 ? `2a02:${(n & 0xffff).toString(16)}::${i.toString(16)}` : v4;
  });
}

/** µs per call of work(i), the best of several rounds (a shared VM's noise only ever adds time). */
function microseconds(label: string, count: number, work: (i: number) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (work(i) !== null) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / count);
  }
  progress(`${label}: ${round(best, 3)} µs (best of ${ROUNDS} rounds of ${count}; ${sink} non-null)`);
  return best;
}

function main(): void {
  const before = memory();
  const loadStarted = process.hrtime.bigint();
  const countryOf = loadCountryLookup();
  const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;
  const after = memory();
  const heapMib = (after.heapUsed - before.heapUsed) / MIB;
  const rssMib = (after.rss - before.rss) / MIB;
  progress(
    `database loaded in ${round(loadMs)} ms: heap +${round(heapMib, 2)} MiB, external +${round((after.external - before.external) / MIB, 2)} MiB, RSS +${round(rssMib, 1)} MiB`,
  );

  const ips = addresses(200_000);
  const known = ips.filter((ip) => countryOf(ip) !== null).length;
  const lookupUs = microseconds('countryOf(address)', ips.length, (i) => countryOf(ips[i] as string));

  // the per-hit work the lookup joins on the pixel path: encoding the open event (with its country)
  const codec = new EventCodec();
  const encoder = new TrackedEventEncoder(codec);
  const token = {
    workspaceId: randomUUID(),
    contactId: randomUUID(),
    messageId: randomUUID(),
    emailId: randomUUID(),
    emailVersion: 1,
    sentAt: 1_700_000_000,
    journeyId: randomUUID(),
    tileId: 'tile-1',
  };
  const data = {
    ...emailContext(token),
    machine_reason: null,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
    country: 'DE',
  } as EmailEvent<'open'>['data'];
  const encodeUs = microseconds('TrackedEventEncoder.encode(open)', 50_000, () =>
    encoder.encode({ type: 'open', data }),
  );

  report({
    bench: 'geo-lookup',
    value: lookupUs,
    unit: 'µs/lookup',
    baseline: 'TrackedEventEncoder.encode of the open event (work each pixel hit already does)',
    baseline_value: encodeUs,
    lookup_us: round(lookupUs, 3),
    encode_us: round(encodeUs, 3),
    addresses: ips.length,
    with_country: known,
    load_ms: round(loadMs),
    heap_mib: round(heapMib, 2),
    rss_mib: round(rssMib, 1),
  });
}

main();
