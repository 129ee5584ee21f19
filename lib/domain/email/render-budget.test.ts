import { isEmailAddress, parseMailbox } from './email-address';
import { compileHeaderTemplate, compileMergeTemplate, parseTemplate, type MergeContext } from './merge-template';
import { measureTemplate, renderBound, RenderBudgetError } from './render-budget';

const HELPERS = new Set(['default', 'eq', 'and', 'not', 'if', 'unless']);
const BLOCKS = new Set(['if', 'unless']);
const shape = (source: string) => measureTemplate(parseTemplate(source), source.length, HELPERS, BLOCKS);
const context = (attributes: Record<string, unknown> = {}, first = 'Ann'): MergeContext => ({
  contact: { first_name: first, attributes },
  account: {},
  content: {},
});

describe('render budget (issue 20, defect 5)', () => {
  it.each([
    ['an each block', '{{#each contact.attributes.items}}x{{/each}}', /\{\{#each\}\} block/],
    ['a with block', '{{#with contact}}{{first_name}}{{/with}}', /\{\{#with\}\} block/],
    ['a block over a path', '{{#contact.attributes.items}}x{{/contact.attributes.items}}', /block/],
    ['lookup', '{{lookup contact.attributes contact.first_name}}', /helper "lookup"/],
    ['lookup in a condition', '{{#if (and (lookup contact "x") true)}}x{{/if}}', /helper "lookup"/],
    ['a partial', '{{> footer}}', /partial/],
  ])('finds no bound for %s', (_name, source, reason) => {
    expect(shape(source).unbounded).toMatch(reason);
    expect(renderBound(shape(source), context())).toBe(Number.POSITIVE_INFINITY);
  });

  it('bounds what it renders: text, every escaped or raw value, helpers and conditions', () => {
    const source =
      'Hi {{contact.first_name}} {{{contact.attributes.raw}}} {{default contact.attributes.nick "there"}}{{#if (eq contact.first_name "Ann")}}!{{/if}}';
    const values = context({ raw: 'r'.repeat(100), nick: '<b>' }, 'A&'.repeat(50));
    const rendered = compileMergeTemplate(source)(values);
    const bound = renderBound(shape(source), values);
    expect(bound).toBeGreaterThanOrEqual(rendered.length);
    // 100 characters escaped (50 of them &), the raw 100, a 3-character nickname counted as escaped (6 each);
    // the condition's value is consulted, never written out
    expect(bound).toBe(source.length + (100 + 5 * 50) + 100 + 3 * 6);
  });

  it('refuses a render over the budget before rendering, and renders one within it', () => {
    const template = compileMergeTemplate('{{contact.attributes.big}}'.repeat(10), { maxChars: 10_000 });
    expect(() => template(context({ big: 'x'.repeat(2_000) }))).toThrow(RenderBudgetError);
    expect(template(context({ big: 'x'.repeat(100) }))).toHaveLength(1_000);
    const subject = compileHeaderTemplate('{{#each contact.attributes.items}}{{this}}{{/each}}', { maxChars: 10_000 });
    expect(() => subject(context({ items: [1, 2] }))).toThrow(/\{\{#each\}\} block/);
  });

  it('leaves a template that does not parse to fail when it renders, as before', () => {
    const template = compileMergeTemplate('{{#if x}}', { maxChars: 100 });
    expect(() => template(context())).toThrow(/Parse error|Expecting/);
  });
});

describe('the one address validator (issue 20, defect 4)', () => {
  it.each([
    'news@example.com\r\nRCPT TO:<victim@evil.test>',
    'news@example.com>',
    '<news@example.com>',
    'news@example.com\0',
    'Ann <news@example.com>',
    'a@b.c, x@evil.test',
    '"a b"@example.com',
    'ann@-x.com',
    'ann@exa_mple.com',
    'ann@localhost',
    `${'a'.repeat(250)}@x.com`,
  ])('refuses %j', (address) => {
    expect(parseMailbox(address)).toBeNull();
  });

  it('accepts plain, plus and internationalised addresses', () => {
    expect(parseMailbox('Ann.Lee+news@Example.COM')).toEqual({
      address: 'Ann.Lee+news@Example.COM',
      local: 'Ann.Lee+news',
      domain: 'Example.COM',
    });
    expect(isEmailAddress('jörg@bücher.example')).toBe(true);
  });
});
