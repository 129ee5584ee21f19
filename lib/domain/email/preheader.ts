/**
 * The preheader: an email's `preview_text`, which mail clients show next to the subject in the inbox. It goes into
 * the HTML as the first thing in <body>, in a div no client displays; the plain-text part never shows it.
 *
 * NOTE: one insertion for every path that shows an email: the sender (journey, forward and one-to-one mail, per
 * recipient) and the API's preview and test send (draft-render.worker.ts) all call withPreheader, so what a
 * preview shows is what is delivered. `renderedText` is the preview text already rendered by compileMergeTemplate
 * for the recipient (merge values HTML-escaped, the author's own text as written, like the body).
 */

/** Marks the preheader div, so text parts made from the HTML can leave it out (PREHEADER_TEXT_SELECTOR). */
export const PREHEADER_ATTRIBUTE = 'data-cairn-preheader';

/** Hidden everywhere: display:none for most clients, max-height and overflow for the rest, mso-hide for Outlook. */
const PREHEADER_STYLE = 'display:none;max-height:0;overflow:hidden;mso-hide:all;';

/** An html-to-text selector that skips the preheader (test sends make their text part from the finished HTML). */
export const PREHEADER_TEXT_SELECTOR = { selector: `div[${PREHEADER_ATTRIBUTE}]`, format: 'skip' } as const;

const BODY_OPEN = /<body\b[^>]*>/i;

/** The hidden div for a rendered preview text; nothing when it renders empty. */
export function preheaderDiv(renderedText: string): string {
  if (renderedText.trim() === '') return '';
  return `<div ${PREHEADER_ATTRIBUTE} style="${PREHEADER_STYLE}">${renderedText}</div>`;
}

/** The HTML with the preheader right after its <body> tag (at the start when it has none); unchanged when empty. */
export function withPreheader(html: string, renderedText: string): string {
  const div = preheaderDiv(renderedText);
  if (div === '') return html;
  const body = BODY_OPEN.exec(html);
  if (!body) return `${div}${html}`;
  const at = body.index + body[0].length;
  return `${html.slice(0, at)}${div}${html.slice(at)}`;
}
