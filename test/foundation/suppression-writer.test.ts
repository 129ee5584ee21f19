import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Suppression has one writer (issue 21): the sender's consumer of address reports, through
 * services/sender/suppression.repository.ts, whose NOTE names it. Everyone else reports (ingest's webhooks and batch
 * events, the sender's SMTP replies). This reads every statement in running code that writes a suppression table.
 */
const ROOT = join(__dirname, '..', '..');
const TABLES = ['address_suppressions', 'address_bounce_state', 'webhook_receipts'];
const WRITE = new RegExp(String.raw`\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(${TABLES.join('|')})\b`, 'gi');

/** Every write a file may hold: the writer writes them all; the erasure removes an erased contact's soft count. */
const ALLOWED: Record<string, string[]> = {
  'services/sender/suppression.repository.ts': [
    'INSERT INTO webhook_receipts',
    'INSERT INTO address_suppressions',
    'INSERT INTO address_bounce_state',
    'UPDATE address_bounce_state',
  ],
  'services/api/contact-erasure.ts': ['DELETE FROM address_bounce_state'],
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The writes to suppression tables in the given files, as `<file>: <VERB> <table>`. */
function suppressionWrites(
  files: readonly string[],
  read: (file: string) => string = (file) => readFileSync(join(ROOT, file), 'utf8'),
): string[] {
  return files.flatMap((file) =>
    [...read(file).matchAll(WRITE)].map(
      (m) => `${file}: ${(m[1] ?? '').replace(/\s+/g, ' ').toUpperCase()} ${(m[2] ?? '').toLowerCase()}`,
    ),
  );
}

describe('suppression has one writer', () => {
  const files = ['lib', 'services', 'scripts'].flatMap(sources);

  it("is services/sender/suppression.repository.ts, with the erasure of a contact's soft count the only other change", () => {
    const unexpected = suppressionWrites(files).filter((write) => {
      const [file = '', statement = ''] = write.split(': ');
      return !(ALLOWED[file] ?? []).includes(statement);
    });
    expect(unexpected).toEqual([]);
    // and the writer really is there, naming itself
    const writer = readFileSync(join(ROOT, 'services/sender/suppression.repository.ts'), 'utf8');
    expect(writer).toMatch(/NOTE: the one writer of suppression/);
    expect(
      new Set(suppressionWrites(['services/sender/suppression.repository.ts']).map((w) => w.split(': ')[1])),
    ).toEqual(new Set(ALLOWED['services/sender/suppression.repository.ts']));
  });

  it('finds a write wherever a statement puts it (the check itself)', () => {
    const code: Record<string, string> = {
      'services/ingest/x.ts': 'pool.query(`INSERT INTO address_suppressions (workspace_id) VALUES ($1)`)',
      'services/sender/y.ts': "client.query('update  Address_Bounce_State SET n = 0')",
      'services/api/z.ts': 'SELECT reason FROM address_suppressions; DELETE\n  FROM webhook_receipts',
    };
    expect(suppressionWrites(Object.keys(code), (file) => code[file] ?? '')).toEqual([
      'services/ingest/x.ts: INSERT INTO address_suppressions',
      'services/sender/y.ts: UPDATE address_bounce_state',
      'services/api/z.ts: DELETE FROM webhook_receipts',
    ]);
  });
});
