import mjml2html from 'mjml';
import type { TemplateIssue } from './merge-fields';

/**
 * MJML is compiled once per email version (at go-live), never per recipient: ~14 ms per compile is far too slow
 * for bulk sends. Merge fields are Handlebars text, which MJML passes through untouched.
 */
export type MjmlResult = { ok: true; html: string } | { ok: false; issues: TemplateIssue[] };

const FIELD = 'body_mjml';

/** MJML's parser closes unclosed tags silently; an unbalanced document is an authoring mistake, so flag it. */
function unbalancedTags(source: string): TemplateIssue[] {
  const stack: string[] = [];
  const issues: TemplateIssue[] = [];
  for (const match of source.matchAll(/<(\/?)(mj[a-z-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, tag = '', selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(tag);
    else if (stack.pop() !== tag) issues.push({ field: FIELD, message: `</${tag}> does not close the open tag` });
  }
  for (const tag of stack) issues.push({ field: FIELD, message: `<${tag}> is never closed` });
  return issues.slice(0, 20);
}

export async function compileMjml(source: string): Promise<MjmlResult> {
  if (!/^\s*<mjml[\s>]/.test(source))
    return { ok: false, issues: [{ field: FIELD, message: 'MJML must start with <mjml>' }] };
  const balance = unbalancedTags(source);
  if (balance.length > 0) return { ok: false, issues: balance };
  try {
    const result = await mjml2html(source, { validationLevel: 'soft', keepComments: false });
    if (result.errors.length > 0) {
      const issues = result.errors.map((e) => ({
        field: FIELD,
        message: `line ${e.line}: ${e.message} (${e.tagName})`,
      }));
      return { ok: false, issues };
    }
    return { ok: true, html: result.html };
  } catch (error) {
    return { ok: false, issues: [{ field: FIELD, message: `MJML could not be parsed: ${(error as Error).message}` }] };
  }
}
