import { randomUUID } from 'node:crypto';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { client, type ApiKit, type Workspace } from './api-test-kit';
import { pageFormStream, type PageFormIds } from './page-form-stream.fixture';

/** The page and form stream seeded into a stack test's databases (test/api, test/ui). */

async function insertOwned(kit: ApiKit, workspaceId: string, table: 'pages' | 'forms'): Promise<string> {
  const { rows } = await kit.pool.query<{ id: string }>(
    `INSERT INTO ${table} (workspace_id, name, definition, status, live_version) VALUES ($1, 'P', '{}', 'live', 1) RETURNING id`,
    [workspaceId],
  );
  return rows[0]!.id;
}

/** form_submissions rows of the stream's three submissions (the content the listings show). */
async function insertSubmissions(kit: ApiKit, ids: PageFormIds): Promise<void> {
  const [c1, c2] = ids.contacts;
  const [s1, s2, s3] = ids.submissions;
  const rows: [string, string, string | null, string, string, string, object, string][] = [
    [
      s1,
      c1,
      ids.pageId,
      'created',
      'created',
      ids.journeyId,
      { email: 'a@pf.test', company: '=HYPERLINK("x")' },
      '1 hour',
    ],
    [s2, c2, ids.pageId, 'updated', 'updated', '', { email: 'b@pf.test', first_name: 'Bea' }, '2 hours'],
    [s3, c2, null, 'updated', 'none', '', { email: 'b@pf.test', lists: ['l1'] }, '3 hours'],
  ];
  for (const [id, contact, page, contactOutcome, leadOutcome, journey, fields, ago] of rows)
    await kit.pool.query(
      `INSERT INTO form_submissions (id, workspace_id, form_id, form_version, page_id, page_version, contact_id,
         journey_id, fields, contact_outcome, lead_outcome, created_at)
       VALUES ($1, $2, $3, 1, $4, 1, $5, $6, $7, $8, $9, now() - $10::interval)`,
      [
        id,
        ids.workspaceId,
        ids.formId,
        page,
        contact,
        journey,
        JSON.stringify(fields),
        contactOutcome,
        leadOutcome,
        ago,
      ],
    );
}

/** A page, another page, a form, an email and two contacts in the workspace; the stream in ClickHouse; the submissions in PostgreSQL. */
export async function seedPagesAndForms(kit: ApiKit, ws: Workspace): Promise<PageFormIds> {
  const api = client(kit, ws.key);
  const contact = async (email: string) => (await api('POST', '/v1/contacts', { email })).json().id as string;
  const ids: PageFormIds = {
    workspaceId: ws.id,
    pageId: await insertOwned(kit, ws.id, 'pages'),
    otherPageId: await insertOwned(kit, ws.id, 'pages'),
    formId: await insertOwned(kit, ws.id, 'forms'),
    emailId: (await api('POST', '/v1/emails', { name: 'E' })).json().id as string,
    journeyId: (await api('POST', '/v1/journeys', { name: 'J' })).json().id as string,
    contacts: [await contact('a@pf.test'), await contact('b@pf.test')],
    submissions: [randomUUID(), randomUUID(), randomUUID()],
  };
  await kit.env.clickhouse.insert('events_ingest', ingestRows(pageFormStream(ids)));
  await insertSubmissions(kit, ids);
  return ids;
}
