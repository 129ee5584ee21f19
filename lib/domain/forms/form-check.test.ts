import { checkFormDefinition, listIdsIn } from './form-check';
import { originProblem, redirectProblem } from './form-origins';
import { checkPageDefinition, formPlaceholders, sanitizePageHtml } from './page-content';

const LIST = '0b0c0d0e-0000-4000-8000-000000000001';
const FORM = '0b0c0d0e-0000-4000-8000-000000000002';

const definition = (over: Record<string, unknown> = {}) => ({
  fields: [{ name: 'email', kind: 'email', label: 'Email', required: true }],
  create_lead: true,
  list_ids: [LIST],
  consent_level: 1,
  double_opt_in: false,
  confirmation: null,
  thank_you: { kind: 'redirect', url: 'https://shop.example.com/thanks?x=1' },
  min_fill_seconds: 3,
  ...over,
});

const context = { formOrigins: ['https://shop.example.com'], listIds: new Set([LIST]), live: true };
const fields = (value: unknown, ctx = context) => checkFormDefinition(value, ctx).issues.map((issue) => issue.field);

describe('checkFormDefinition', () => {
  it('passes a complete definition and types it', () => {
    const check = checkFormDefinition(definition(), context);
    expect(check.issues).toEqual([]);
    expect(check.definition?.thank_you.kind).toBe('redirect');
    expect(listIdsIn(definition())).toEqual([LIST]);
  });

  it('names the place of each problem, JSON-pointer-like', () => {
    expect(fields(null)).toEqual(['definition']);
    expect(
      fields(definition({ fields: [{ name: 'email', kind: 'email', label: 'E', required: true, max_length: 9999 }] })),
    ).toEqual(['definition.fields[0].max_length']);
    expect(fields(definition({ thank_you: { kind: 'redirect', url: 'https://elsewhere.example.com/' } }))).toEqual([
      'definition.thank_you.url',
    ]);
    expect(fields(definition({ list_ids: [FORM] }))).toEqual(['definition.list_ids[0]']);
    expect(fields(definition({ thank_you: { kind: 'html', body: 'x' } }))).toContain('definition.thank_you.kind');
  });

  it('lets a draft be incomplete, never wrong', () => {
    const draft = { ...context, live: false };
    const incomplete = definition({
      fields: [],
      double_opt_in: true,
      thank_you: { kind: 'redirect', url: 'https://x.example/' },
    });
    expect(fields(incomplete, draft)).toEqual([]);
    expect(fields(incomplete)).toEqual([
      'definition.fields',
      'definition.confirmation.from_address',
      'definition.thank_you.url',
    ]);
    expect(fields(definition({ thank_you: { kind: 'redirect', url: 'javascript:alert(1)' } }), draft)).toEqual([
      'definition.thank_you.url',
    ]);
  });
});

describe('form origins', () => {
  it('are canonical origins; a redirect goes only to one of them', () => {
    expect(originProblem('https://shop.example.com')).toBeNull();
    expect(originProblem('http://127.0.0.1:8088')).toBeNull();
    expect(originProblem('https://SHOP.example.com')).toContain('https://shop.example.com');
    for (const bad of ['https://a.com/', 'https://a.com:443', 'https://u@a.com', 'data:,x', 'https://a.com\n'])
      expect([bad, originProblem(bad)]).toEqual([bad, expect.any(String)]);
    expect(redirectProblem('https://shop.example.com/a', ['https://shop.example.com'])).toBeNull();
    expect(redirectProblem('https://shop.example.com.evil.com/', ['https://shop.example.com'])).toContain('not one of');
    expect(redirectProblem('//shop.example.com/', ['https://shop.example.com'])).toBe('is not an absolute URL');
  });
});

describe('page content', () => {
  it('keeps placeholders in text only, and drops active content', () => {
    const html = `<p onclick="x()">Hi {{form "${FORM}"}}</p><a title='{{form "${FORM}"}}' href="jav&#x61;script:alert(1)">a</a>
<img srcset="javascript:alert(1) 1x"><svg><text>svg text</text></svg><math><mi>x</mi></math>`;
    const clean = sanitizePageHtml(html);
    expect(clean).toContain(`<p>Hi {{form "${FORM}"}}</p>`);
    expect(formPlaceholders(clean)).toEqual([FORM]);
    for (const gone of ['onclick', 'script', 'svg text', '<math', '<svg', 'srcset'])
      expect([gone, clean.includes(gone)]).toEqual([gone, false]);
  });

  it('checks a page definition: a draft may be empty, a live page may not', () => {
    const page = { title: '', content_type: 'html', content: '', content_settings_id: null };
    expect(checkPageDefinition(page, false).issues).toEqual([]);
    expect(checkPageDefinition(page, true).issues.map((i) => i.field)).toEqual([
      'definition.title',
      'definition.content',
    ]);
    expect(checkPageDefinition({ ...page, content_settings_id: 'x' }, false).issues.map((i) => i.field)).toEqual([
      'definition.content_settings_id',
    ]);
  });
});
