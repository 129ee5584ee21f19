import { randomUUID } from 'node:crypto';
import type { FormDefinition } from './form-definition';
import { checkSubmission } from './submission-check';

const list = randomUUID();
const definition: FormDefinition = {
  fields: [
    { name: 'email', kind: 'email', label: 'Email', required: true },
    { name: 'first_name', kind: 'text', label: 'First name', required: true, max_length: 10 },
    { name: 'attributes.notes', kind: 'textarea', label: 'Notes', required: false },
    { name: 'attributes.seats', kind: 'number', label: 'Seats', required: false, min: 1, max: 50 },
    {
      name: 'attributes.plan',
      kind: 'select',
      label: 'Plan',
      required: false,
      options: [{ value: 'pro', label: 'Pro' }],
    },
    { name: 'consent_level', kind: 'consent', label: 'I agree', required: true },
    { name: 'lists', kind: 'checkbox', label: 'Lists', required: false, options: [{ value: list, label: 'News' }] },
  ],
  create_lead: false,
  list_ids: [],
  consent_level: 4,
  double_opt_in: false,
  thank_you: { kind: 'message', message: 'Thanks' },
  min_fill_seconds: 3,
};
const reserved = new Set(['cairn_ticket']);
const check = (fields: Record<string, string | string[]>) => {
  const posted = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) posted.append(k, one);
  return checkSubmission(definition, posted, reserved);
};
const good = { cairn_ticket: 't', email: 'Ann@Example.com', first_name: 'Ann', consent_level: '1' };

describe('checkSubmission', () => {
  it('accepts a good post: address lower-cased, attributes typed, the consent box giving the form level', () => {
    const result = check({ ...good, 'attributes.notes': 'line 1\r\nline 2', 'attributes.seats': '3', lists: list });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        email: 'ann@example.com',
        firstName: 'Ann',
        attributes: { notes: 'line 1\r\nline 2', seats: 3 },
        listIds: [list],
        consentLevel: 4,
      }),
    });
  });

  it.each([
    ['email', { email: 'ann@example.com, bob@example.com' }],
    ['email', { email: '' }],
    ['first_name', { first_name: 'x'.repeat(11) }],
    ['first_name', { first_name: 'A\u0000nn' }],
    ['first_name', { first_name: ['Ann', 'Bob'] }],
    ['attributes.notes', { 'attributes.notes': 'a\u001b[31m' }],
    ['attributes.seats', { 'attributes.seats': '51' }],
    ['attributes.seats', { 'attributes.seats': '1e3' }],
    ['attributes.plan', { 'attributes.plan': 'enterprise' }],
    ['lists', { lists: randomUUID() }],
    ['consent_level', { consent_level: '' }],
    ['<script>', { '<script>': 'x' }],
  ])('refuses %s in %j', (field, extra) => {
    const result = check({ ...good, ...extra });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toContain(field);
  });
});
