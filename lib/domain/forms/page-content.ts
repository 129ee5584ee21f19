import sanitizeHtml from 'sanitize-html';
import { definitionIssues, isPageDefinitionShape, type DefinitionIssue } from './definition-schema';
import { FORM_PLACEHOLDER, type PageDefinition } from './form-definition';

/**
 * A page's content at go-live (docs/pages-and-forms.md#pages): after MJML is compiled, active content is removed
 * by sanitize-html (a maintained allow-list sanitizer): only the markup below is kept, every URL is http(s),
 * mailto or tel (images may also be data: URLs), and the form placeholders `{{form "<uuid>"}}` stay in the text,
 * where ingest finds them. A placeholder written inside an attribute does not survive (its quotes are escaped),
 * so ingest never puts a form inside an attribute.
 */

const TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'html',
  'head',
  'body',
  'title',
  'meta',
  'style',
  'img',
  'center',
  'font',
  'span',
  'div',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'col',
  'colgroup',
  'label',
];

const COMMON_ATTRIBUTES = [
  'style',
  'class',
  'id',
  'align',
  'valign',
  'width',
  'height',
  'bgcolor',
  'border',
  'cellpadding',
  'cellspacing',
  'role',
  'dir',
  'lang',
  'title',
  'colspan',
  'rowspan',
  'color',
  'face',
  'size',
  'aria-*',
];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: TAGS,
  allowedAttributes: {
    '*': COMMON_ATTRIBUTES,
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'srcset', 'alt'],
    meta: ['charset', 'name', 'content', 'http-equiv'],
    html: ['xmlns', 'xmlns:v', 'xmlns:o'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowProtocolRelative: false,
  // <style> is kept (MJML's layout needs it; ingest's Content-Security-Policy allows inline styles and no script)
  allowVulnerableTags: true,
  // these elements go with everything inside them; other refused elements leave their text
  nonTextTags: [
    'script',
    'textarea',
    'option',
    'noscript',
    'iframe',
    'object',
    'embed',
    'button',
    'select',
    'svg',
    'math',
  ],
  // http-equiv is allowed on <meta> only so that this filter sees it: such an element (refresh, a policy of its own) goes whole
  exclusiveFilter: (frame) => frame.tag === 'meta' && 'http-equiv' in frame.attribs,
};

/** The page HTML without active content (scripts, handlers, javascript: and data: URLs, frames, forms, base, meta refresh). */
export function sanitizePageHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

/** The form ids of the placeholders, in the order they appear (a form embedded twice is listed twice). */
export function formPlaceholders(html: string): string[] {
  return [...html.matchAll(FORM_PLACEHOLDER)].map((match) => match[1] ?? '');
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export type PageCheck = { issues: DefinitionIssue[]; definition: PageDefinition | null };

/**
 * The shape and the text rules of a page definition; what needs the workspace (content settings, the embedded
 * forms) is checked by the API. A draft may have an empty title and content; go-live (`live`) may not.
 */
export function checkPageDefinition(value: unknown, live: boolean): PageCheck {
  if (!isPageDefinitionShape(value))
    return { issues: definitionIssues('definition', isPageDefinitionShape.errors), definition: null };
  const issues: DefinitionIssue[] = [];
  if (CONTROL.test(value.title))
    issues.push({ field: 'definition.title', message: 'must be one line without control characters' });
  if (live && !value.title.trim()) issues.push({ field: 'definition.title', message: 'a live page needs a title' });
  if (live && !value.content.trim()) issues.push({ field: 'definition.content', message: 'a live page needs content' });
  return { issues, definition: value };
}
