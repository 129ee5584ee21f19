/**
 * A workspace's form origins (docs/pages-and-forms.md#forms): the only origins whose pages may post to its forms
 * and the only ones a form's thank-you redirect may lead to. An origin is stored in one spelling,
 * `scheme://host[:port]` as WHATWG URL's `origin` writes it: http or https, lower-case host, no default port, no
 * path, query, fragment or credentials, so a comparison of two origins is a comparison of two strings.
 */

const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f]/;

/** The URL when it is an http(s) URL without credentials, else why not. */
export function httpUrl(raw: string): URL | string {
  if (CONTROL_OR_SPACE.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  return url;
}

export function httpUrlProblem(raw: string): string | null {
  const url = httpUrl(raw);
  return typeof url === 'string' ? url : null;
}

/** Why `raw` is not a canonical origin, or null when it is one. */
export function originProblem(raw: string): string | null {
  if (raw.length > 300) return 'is longer than 300 characters';
  const url = httpUrl(raw);
  if (typeof url === 'string') return url;
  if (url.origin !== raw) return `must be the bare origin scheme://host[:port], here ${url.origin}`;
  return null;
}

/** Where a thank-you redirect may go: its origin is one of the workspace's form origins. */
export function redirectProblem(raw: string, formOrigins: readonly string[]): string | null {
  const url = httpUrl(raw);
  if (typeof url === 'string') return url;
  if (!formOrigins.includes(url.origin))
    return `its origin ${url.origin} is not one of the workspace's form_origins (PATCH /v1/workspace)`;
  return null;
}
