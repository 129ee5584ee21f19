import { randomUUID } from 'node:crypto';
import type { FormDefinition } from '../../lib/domain/forms/form-definition';
import { CHECKED_VALUE, formHtml, RESERVED_FIELDS } from '../../lib/domain/forms/form-html';
import { checkSubmission } from '../../lib/domain/forms/submission-check';
import { embedHtml } from './form-kind';

// The API's plain HTML fallback and ingest's forms are one renderer (docs/pages-and-forms.md#plain-html-fallback):
// what a ticked box posts is what the submission check takes as ticked.
const list = randomUUID();
const definition: FormDefinition = {
  fields: [
    { name: 'email', kind: 'email', label: 'Email <you>', required: true },
    { name: 'attributes.news', kind: 'checkbox', label: 'News', required: false },
    { name: 'consent_level', kind: 'consent', label: 'I agree', required: true },
    { name: 'lists', kind: 'checkbox', label: 'Lists', required: false, options: [{ value: list, label: 'A' }] },
  ],
  create_lead: false,
  list_ids: [],
  consent_level: 3,
  double_opt_in: false,
  confirmation: null,
  thank_you: { kind: 'message', message: 'Thanks' },
  min_fill_seconds: 3,
};
const formId = randomUUID();
const submitUrl = `https://in.example.net/forms/${formId}/submit`;

/** What a browser posts for the form with every box ticked: each checkbox's name and value attribute. */
function tickedEverything(html: string): URLSearchParams {
  const posted = new URLSearchParams({ email: 'Ann@Example.com' });
  for (const [, name, value] of html.matchAll(/<input type="checkbox"[^>]* name="([^"]+)" value="([^"]*)"/g))
    posted.append(String(name), String(value));
  return posted;
}

it('the API embed is ingest renderer without a ticket, posting to the absolute submit URL', () => {
  const html = embedHtml(formId, submitUrl, definition);
  expect(html).toBe(formHtml({ formId, definition }, { action: submitUrl, ticket: null, landing: null }));
  expect(html).toContain(`action="${submitUrl}"`);
  expect(html).not.toContain('cairn_ticket');
  expect(html).toContain('name="website"');
  expect(html).toContain('Email &#60;you&#62;');
  expect(embedHtml(formId, submitUrl, { fields: 'nonsense' })).toBe('');
});

it('a ticked checkbox and consent box post the value the submission check accepts', () => {
  const posted = tickedEverything(embedHtml(formId, submitUrl, definition));
  expect(posted.getAll('consent_level')).toEqual([CHECKED_VALUE]);
  expect(posted.getAll('attributes.news')).toEqual([CHECKED_VALUE]);
  const checked = checkSubmission(definition, posted, RESERVED_FIELDS);
  expect(checked).toEqual({ ok: true, value: expect.objectContaining({ email: 'ann@example.com', consentLevel: 3 }) });
  expect(checked.ok && checked.value.values).toMatchObject({
    'attributes.news': true,
    consent_level: true,
    lists: [list],
  });
  expect(checked.ok && checked.value.listIds).toEqual([list]);
});
