import { randomUUID } from 'node:crypto';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 20, defect 9: a contact import must not reset what it does not give. An empty CSV cell, and an absent or
 * null NDJSON member, keep the stored value (docs/api.md, bulk import); a value sets it. Every importable field,
 * through the API into the real PostgreSQL.
 */
let kit: ApiKit;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  kit = await startApiKit();
  api = client(kit, (await createWorkspace(kit, 'import-fields')).key);
});
afterAll(async () => {
  await kit.close();
});

const STORED = {
  first_name: 'Ann',
  last_name: 'Berg',
  time_zone: 'Europe/Oslo',
  consent_level: 4,
  do_not_bulk_email: true,
  allow_follow_email: false,
  attributes: { city: 'Oslo', plan: 'pro' },
};

/** A contact with every field set, as the API stores it. */
async function storedContact(): Promise<{ id: string; email: string }> {
  const email = `c-${randomUUID()}@ex.com`;
  const res = await api('POST', '/v1/contacts', { email, ...STORED });
  expect(res.statusCode).toBe(201);
  return { id: res.json().id, email };
}

const contactRow = async (id: string) => {
  const { rows } = await kit.pool.query(
    'SELECT first_name, last_name, time_zone, consent_level, do_not_bulk_email, allow_follow_email, attributes FROM contacts WHERE id = $1',
    [id],
  );
  return rows[0];
};

const importCsv = (body: string) => api('POST', '/v1/contacts/import', body, { 'content-type': 'text/csv' });
const importNdjson = (lines: unknown[]) =>
  api('POST', '/v1/contacts/import', lines.map((l) => JSON.stringify(l)).join('\n'), {
    'content-type': 'application/x-ndjson',
  });

// [field as a column, the CSV cell that sets it, the NDJSON value, what is then stored]
const FIELDS: Array<[string, string, unknown, Partial<typeof STORED>]> = [
  ['first_name', 'Anna', 'Anna', { first_name: 'Anna' }],
  ['last_name', 'Lund', 'Lund', { last_name: 'Lund' }],
  ['time_zone', 'Asia/Tokyo', 'Asia/Tokyo', { time_zone: 'Asia/Tokyo' }],
  ['consent_level', '2', 2, { consent_level: 2 }],
  ['do_not_bulk_email', 'false', false, { do_not_bulk_email: false }],
  ['allow_follow_email', 'true', true, { allow_follow_email: true }],
  ['city', 'Rome', 'Rome', { attributes: { city: 'Rome', plan: 'pro' } }],
];

describe('an empty cell keeps the stored value (defect 9)', () => {
  // Another row of the same file gives the field a value: the blank must still not reset the stored contact.
  it.each(FIELDS)('CSV: a blank %s keeps the stored value', async (field, cell) => {
    const kept = await storedContact();
    const other = await storedContact();
    const res = await importCsv(`email,${field}\n${kept.email},\n${other.email},${cell}\n`);
    expect(res.json()).toMatchObject({ received: 2, updated: 2, rejected: 0 });
    expect(await contactRow(kept.id)).toEqual(STORED);
  });

  it.each(FIELDS)('NDJSON: an absent or null %s keeps the stored value', async (field, _cell, value) => {
    const absent = await storedContact();
    const nulled = await storedContact();
    const other = await storedContact();
    const res = await importNdjson([
      { email: absent.email },
      { email: nulled.email, [field]: null },
      { email: other.email, [field]: value },
    ]);
    expect(res.json()).toMatchObject({ received: 3, updated: 3, rejected: 0 });
    expect(await contactRow(absent.id)).toEqual(STORED);
    expect(await contactRow(nulled.id)).toEqual(STORED);
  });

  it('NDJSON: a null or empty member of the attributes object keeps the stored attribute', async () => {
    const kept = await storedContact();
    const res = await importNdjson([{ email: kept.email, attributes: { city: null, plan: '', tier: 'gold' } }]);
    expect(res.json()).toMatchObject({ updated: 1 });
    expect(await contactRow(kept.id)).toEqual({ ...STORED, attributes: { city: 'Oslo', plan: 'pro', tier: 'gold' } });
  });

  it('a file of blank cells for every column changes nothing', async () => {
    const kept = await storedContact();
    const header = 'email,first_name,last_name,time_zone,consent_level,do_not_bulk_email,allow_follow_email,city';
    const res = await importCsv(`${header}\n${kept.email},,,,,,,\nnew-${randomUUID()}@ex.com,A,B,UTC,3,yes,no,Paris\n`);
    expect(res.json()).toMatchObject({ created: 1, updated: 1 });
    expect(await contactRow(kept.id)).toEqual(STORED);
  });
});

describe('a cell with a value sets the field', () => {
  it.each(FIELDS)('CSV: %s', async (field, cell, _value, expected) => {
    const contact = await storedContact();
    expect((await importCsv(`email,${field}\n${contact.email},${cell}\n`)).json()).toMatchObject({ updated: 1 });
    expect(await contactRow(contact.id)).toEqual({ ...STORED, ...expected });
  });

  it.each(FIELDS)('NDJSON: %s', async (field, _cell, value, expected) => {
    const contact = await storedContact();
    expect((await importNdjson([{ email: contact.email, [field]: value }])).json()).toMatchObject({ updated: 1 });
    expect(await contactRow(contact.id)).toEqual({ ...STORED, ...expected });
  });

  it('a new contact without the NOT NULL columns gets their defaults', async () => {
    const email = `fresh-${randomUUID()}@ex.com`;
    expect(
      (await importCsv(`email,consent_level,do_not_bulk_email,allow_follow_email\n${email},,,\n`)).json(),
    ).toMatchObject({ created: 1 });
    const { rows } = await kit.pool.query(
      'SELECT consent_level, do_not_bulk_email, allow_follow_email FROM contacts WHERE lower(email) = $1',
      [email],
    );
    expect(rows).toEqual([{ consent_level: 0, do_not_bulk_email: false, allow_follow_email: true }]);
  });

  it('a column named __proto__ or constructor is an attribute like any other', async () => {
    const contact = await storedContact();
    expect((await importCsv(`email,__proto__,constructor\n${contact.email},x,y\n`)).json()).toMatchObject({
      updated: 1,
    });
    const stored = await contactRow(contact.id);
    expect(Object.entries(stored.attributes)).toEqual(
      expect.arrayContaining([
        ['__proto__', 'x'],
        ['constructor', 'y'],
      ]),
    );
  });
});
