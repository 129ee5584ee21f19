import { waitFor } from '../support/wait-for';
import { enqueue, seedContacts, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

// Throttling that listens (docs/sender.md#throttling): the recording peer answers 421 4.7.0 for one domain's
// recipients; that domain slows down and recovers, another domain keeps its full speed, nothing is lost or doubled.

const SLOW = 'slow.example.com';
const FAST = 'fast.example.com';
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_throttle', () => ({
    CAIRN_SENDER_MAX_ATTEMPTS: '4',
    CAIRN_SENDER_RETRY_BASE_MS: '400',
    CAIRN_SENDER_THROTTLE_CEILING: '20',
    CAIRN_SENDER_THROTTLE_DECREASE_PERCENT: '10', // 20/s → 2/s
    CAIRN_SENDER_THROTTLE_HOLD_MS: '5000',
    CAIRN_SENDER_THROTTLE_RECOVERY_MS: '3000',
    CAIRN_SENDER_THROTTLE_RECOVERY_PERCENT: '100', // 2 → 4 → 8 → 16 → unlimited, a step each 3 s of quiet
    CAIRN_SENDER_MX_TIMEOUT_MS: '0', // the test's domains have no MX: keyed by domain
    CAIRN_SENDER_THROTTLE_MAX_WAIT_MS: '1000', // past a second's wait for the pace, back to the ledger (deferred)
  }));
});

afterAll(async () => {
  await h?.close();
});

/** Contacts at one domain (seedContacts writes example.com addresses: moved to the domain). */
async function contactsAt(domain: string, count: number): Promise<{ id: string; email: string }[]> {
  const contacts = await seedContacts(h.pool, h.seeded, count);
  const moved = contacts.map((c) => ({ id: c.id, email: c.email.replace('@example.com', `@${domain}`) }));
  await h.pool.query(
    'UPDATE contacts SET email = t.email FROM unnest($1::uuid[], $2::text[]) AS t(id, email) WHERE contacts.id = t.id',
    [moved.map((c) => c.id), moved.map((c) => c.email)],
  );
  return moved;
}

interface Row {
  key: string;
  state: string;
  attempts: number;
  at: number;
}

async function rows(keys: string[]): Promise<Row[]> {
  const result = await h.pool.query<{ key: string; state: string; attempts: number; at: Date | null }>(
    'SELECT delivery_key AS key, state, attempts, attempted_at AS at FROM sender_deliveries WHERE delivery_key = ANY($1)',
    [keys],
  );
  return result.rows.map((r) => ({ ...r, at: r.at?.getTime() ?? 0 }));
}

const delivered = (keys: string[]) =>
  waitFor(
    () => rows(keys),
    (r) => r.length === keys.length && r.every((row) => row.state === 'delivered'),
    40_000,
  );

const span = (r: Row[]): number => Math.max(...r.map((x) => x.at)) - Math.min(...r.map((x) => x.at));

async function metric(name: string, key: string, label = 'key'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${h.sender.metricsPort()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`${label}="${key}"`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function send(contacts: { id: string }[]): Promise<string[]> {
  const requests = contacts.map((c) => sendRequest(h.seeded, c.id));
  await enqueue(h.queue, requests);
  return requests.map((r) => r.key);
}

it('a peer answering 421 4.7.0 for one domain slows that domain only, which then recovers', async () => {
  const refused = await contactsAt(SLOW, 6);
  for (const c of refused) h.smtp.script(c.email, { stage: 'rcpt', code: 421, text: '4.7.0 Try again later' });
  const refusedKeys = await send(refused);
  await waitFor(
    () => metric('cairn_sender_throttle_signals_total', SLOW),
    (n) => n === 6,
  );
  expect(await metric('cairn_sender_throttle_rate', SLOW)).toBe(2); // one burst of six replies: one decrease

  const [slow, fast] = [await contactsAt(SLOW, 16), await contactsAt(FAST, 16)];
  const slowKeys = await send(slow);
  const fastKeys = await send(fast);
  const [slowRows, fastRows] = [await delivered(slowKeys), await delivered(fastKeys)];
  // 16 (and the 6 retries) at 2/s then 4/s, the ones past the wait bound deferred and back later: several
  // seconds; the other domain at full speed meanwhile
  expect(span(slowRows)).toBeGreaterThanOrEqual(3_500);
  // the other domain is never held at 2–4/s (16 would take 4 s or more); how far below that is the machine's load
  expect(span(fastRows)).toBeLessThan(3_000);
  expect(Math.max(...fastRows.map((r) => r.at))).toBeLessThan(Math.max(...slowRows.map((r) => r.at)) - 2_000);

  // quiet: 2 → 4 → 8 → 16 → unlimited again (0) within about 12 s of the last signal
  await waitFor(
    () => metric('cairn_sender_throttle_rate', SLOW),
    (rate) => rate === 0,
    20_000,
    250,
  );
  const after = await contactsAt(SLOW, 16);
  const afterRows = await delivered(await send(after));
  expect(span(afterRows)).toBeLessThan(3_000);

  // the ledger and the peer: every message delivered exactly once, the refused ones on their second attempt
  // the slow domain's messages past the wait bound were deferred, not attempted: one attempt each all the same
  expect(await metric('cairn_sender_messages_total', 'deferred', 'outcome')).toBeGreaterThan(0);
  expect([...slowRows, ...fastRows, ...afterRows].every((r) => r.attempts === 1)).toBe(true);
  const refusedRows = await delivered(refusedKeys);
  expect(refusedRows.map((r) => r.attempts)).toEqual([2, 2, 2, 2, 2, 2]);
  for (const c of [...refused, ...slow, ...fast, ...after]) expect(h.smtp.to(c.email)).toHaveLength(1);
  expect(await metric('cairn_sender_throttle_signals_total', FAST)).toBeNaN(); // never throttled
}, 60_000);
