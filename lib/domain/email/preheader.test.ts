import { htmlToText } from 'html-to-text';
import { compileMergeTemplate } from './merge-template';
import { PREHEADER_TEXT_SELECTOR, preheaderDiv, withPreheader } from './preheader';

const HIDDEN = '<div data-cairn-preheader style="display:none;max-height:0;overflow:hidden;mso-hide:all;">';
const PAGE =
  '<!doctype html><html><head><title>x</title></head><body style="word-spacing:normal;"><p>Hi</p></body></html>';

describe('withPreheader', () => {
  it('puts the hidden preheader first in <body>, attributes and all', () => {
    expect(withPreheader(PAGE, 'Our spring sale')).toBe(
      `<!doctype html><html><head><title>x</title></head><body style="word-spacing:normal;">${HIDDEN}Our spring sale</div><p>Hi</p></body></html>`,
    );
    expect(withPreheader('<HTML><BODY><p>Hi</p></BODY></HTML>', 'x')).toBe(
      `<HTML><BODY>${HIDDEN}x</div><p>Hi</p></BODY></HTML>`,
    );
  });

  it('leaves the HTML as it is when the preview text renders empty', () => {
    expect(withPreheader(PAGE, '')).toBe(PAGE);
    expect(withPreheader(PAGE, '  \n ')).toBe(PAGE);
    expect(preheaderDiv('')).toBe('');
  });

  it('puts it at the start of HTML without a <body> tag, and never matches a tag that only starts with "body"', () => {
    expect(withPreheader('<p>Hi</p>', 'x')).toBe(`${HIDDEN}x</div><p>Hi</p>`);
    expect(withPreheader('<bodyx>a</bodyx>', 'x')).toBe(`${HIDDEN}x</div><bodyx>a</bodyx>`);
  });

  it('shows merge values as Handlebars escapes them, and text parts made from the HTML leave it out', () => {
    const text = compileMergeTemplate('Hi {{contact.first_name}} &zwnj;')({
      contact: { first_name: '<b>Ann</b> & "co"' },
      account: {},
      content: {},
    });
    const html = withPreheader(PAGE, text);
    expect(html).toContain(`${HIDDEN}Hi &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;co&quot; &zwnj;</div>`);
    expect(htmlToText(html, { wordwrap: false, selectors: [PREHEADER_TEXT_SELECTOR] })).toBe('Hi');
  });
});
