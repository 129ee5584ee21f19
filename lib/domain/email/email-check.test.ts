import { checkEmail, type ContentSettingsData, type EmailDraft } from './email-check';
import { extractLinks, mapLinks } from './email-links';
import { checkMergeFields } from './merge-fields';
import { compileHeaderTemplate, compileMergeTemplate } from './merge-template';

const content: ContentSettingsData = {
  subscription_center_url: 'https://prefs.example.com/c',
  forward_url: 'https://fwd.example.com',
  postal_address: '1 Main St, Oslo',
  social_links: {},
};

const body = (inner: string): string =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${inner}</mj-text></mj-column></mj-section></mj-body></mjml>`;

const FOOTER = '<a href="{{content.subscription_center_url}}">Manage</a> {{content.postal_address}}';

const draft = (overrides: Partial<EmailDraft> = {}): EmailDraft => ({
  subject: 'Hello {{default contact.first_name "there"}}',
  from_address: 'news@example.com',
  body_mjml: body(`Hi {{contact.first_name}} <a href="https://example.com/offer">Offer</a> ${FOOTER}`),
  ...overrides,
});

describe('checkEmail', () => {
  it('refuses a forward-to-a-friend link whose content settings name no forward page', async () => {
    const forwarding = draft({ body_mjml: body(`<a href="{{content.forward_url}}">Forward</a> ${FOOTER}`) });
    expect((await checkEmail(forwarding, content)).issues).toEqual([]);
    expect((await checkEmail(forwarding, { ...content, forward_url: '' })).issues).toEqual([
      {
        field: 'content_settings.forward_url',
        message:
          'forward-to-a-friend URL is empty, and the email links to forward to a friend: set it or remove the link',
      },
    ]);
    expect((await checkEmail(draft(), { ...content, forward_url: '' })).issues).toEqual([]);
  });

  it('takes preview text as plain text: entities and merge fields, no markup', async () => {
    const ok = await checkEmail(draft({ preview_text: 'Hi {{contact.first_name}} &zwnj; 5 &lt; 6' }), content);
    expect(ok.issues).toEqual([]);
    const markup = await checkEmail(draft({ preview_text: 'Sale</div><img src=x>' }), content);
    expect(markup.issues).toEqual([
      { field: 'preview_text', message: 'preview text is plain text: write < and > as &lt; and &gt;' },
    ]);
  });

  it('passes a complete email and returns compiled HTML with merge fields intact and its links', async () => {
    const result = await checkEmail(draft(), content);
    expect(result.issues).toEqual([]);
    expect(result.compiled?.html).toContain('{{contact.first_name}}');
    expect(result.compiled?.links.map((l) => l.kind)).toEqual(['link', 'subscription_center']);
  });

  it.each([
    [
      'invalid MJML',
      { body_mjml: body(FOOTER).replace('<mj-text>', '<mj-bogus></mj-bogus><mj-text>') },
      'body_mjml',
      /mj-bogus/,
    ],
    ['unclosed tag', { body_mjml: '<mjml><mj-body><mj-section>' }, 'body_mjml', /never closed/],
    ['missing subject', { subject: '  ' }, 'subject', /subject is required/],
    ['bad from', { from_address: 'nobody' }, 'from_address', /valid address/],
    ['bad reply-to', { reply_to: 'x@' }, 'reply_to', /return/],
    [
      'no subscription link',
      { body_mjml: body('{{content.postal_address}}') },
      'body_mjml',
      /subscription-center link/,
    ],
    [
      'no postal address',
      { body_mjml: body('<a href="{{content.subscription_center_url}}">m</a>') },
      'body_mjml',
      /postal address/,
    ],
    ['unknown merge field', { body_mjml: body(`{{contact.frist_name}} ${FOOTER}`) }, 'body_mjml', /frist_name/],
    ['unknown root', { subject: 'Hi {{user.name}}' }, 'subject', /unknown root/],
    [
      'unknown helper',
      { body_mjml: body(`{{shout contact.first_name}} ${FOOTER}`) },
      'body_mjml',
      /unknown helper "shout"/,
    ],
    [
      'unescaped contact field',
      { body_mjml: body(`{{{contact.first_name}}} ${FOOTER}`) },
      'body_mjml',
      /not HTML-escaped/,
    ],
    [
      'javascript link',
      { body_mjml: body(`<a href="javascript:alert(1)">x</a> ${FOOTER}`) },
      'body_mjml',
      /scheme javascript/,
    ],
    ['relative link', { body_mjml: body(`<a href="/path">x</a> ${FOOTER}`) }, 'body_mjml', /absolute URL/],
    ['template syntax', { body_mjml: body(`{{#if contact.email}} ${FOOTER}`) }, 'body_mjml', /syntax error/],
  ])('rejects %s naming the field', async (_name, overrides, field, message) => {
    const result = await checkEmail(draft(overrides as Partial<EmailDraft>), content);
    expect(result.compiled).toBeUndefined();
    expect(result.issues).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
  });

  it('requires content settings with a postal address', async () => {
    expect((await checkEmail(draft(), null)).issues[0]?.field).toBe('content_settings_id');
    const issues = (await checkEmail(draft(), { ...content, postal_address: '' })).issues;
    expect(issues[0]?.field).toBe('content_settings.postal_address');
  });
});

describe('merge templates', () => {
  it('escapes HTML, applies fallbacks and dynamic blocks', () => {
    const render = compileMergeTemplate(
      'Hi {{default contact.first_name "there"}}{{#if (eq contact.attributes.city "Oslo")}} in Oslo{{/if}}',
    );
    expect(
      render({ contact: { first_name: '<b>Al</b>', attributes: { city: 'Oslo' } }, account: {}, content: {} }),
    ).toBe('Hi &lt;b&gt;Al&lt;/b&gt; in Oslo');
    expect(render({ contact: { attributes: {} }, account: {}, content: {} })).toBe('Hi there');
  });

  it('keeps header values on one line', () => {
    const subject = compileHeaderTemplate('Hi {{contact.first_name}}');
    expect(subject({ contact: { first_name: 'A\r\nBcc: x@evil.test' }, account: {}, content: {} })).toBe(
      'Hi A Bcc: x@evil.test',
    );
  });

  it('lists fields and accepts attribute keys', () => {
    expect(checkMergeFields('{{contact.attributes.plan}} {{account.name}}', 'b')).toEqual({
      issues: [],
      fields: ['contact.attributes.plan', 'account.name'],
    });
  });
});

describe('links', () => {
  it('gives stable ids per URL occurrence and rewrites in the same order', () => {
    const html = '<a href="https://a.test/x">A</a><a href="https://a.test/x">A2</a><a href="mailto:x@y.z">m</a>';
    const links = extractLinks(html, [{ url: 'https://a.test/x', label: 'Brochure' }]);
    expect(links).toHaveLength(2);
    expect(links[0]?.link_id).not.toBe(links[1]?.link_id);
    expect(extractLinks(html)[0]?.link_id).toBe(links[0]?.link_id);
    expect(links[0]).toMatchObject({ kind: 'attachment', label: 'Brochure' });
    const rewritten = mapLinks(html, (link) => `https://t.test/${link.link_id}`);
    expect(rewritten).toContain(`https://t.test/${links[1]?.link_id}`);
    expect(rewritten).toContain('mailto:x@y.z');
  });

  it('stores the URL a browser follows: HTML entities in href are decoded (an editor writes & as &amp;)', async () => {
    const landing = '<a href="https://example.com/landing?a=1&amp;b=2&#38;c=%263">Landing</a>';
    const checked = await checkEmail(draft({ body_mjml: body(`${landing} ${FOOTER}`) }), content);
    expect(checked.issues).toEqual([]);
    expect(checked.compiled?.links.map((link) => link.url)).toContain('https://example.com/landing?a=1&b=2&c=%263');
  });
});
