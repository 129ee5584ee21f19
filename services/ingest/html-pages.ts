import { escapeHtml } from '../../lib/domain/forms/escape-html';

/** Small server-rendered pages for recipients; every interpolated value goes through escapeHtml. */
export { escapeHtml };

export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * Posts back to /u with the same unsubscribe token. NOTE: no link on to the subscription center: the unsubscribe
 * token also travels in List-Unsubscribe to mailbox providers and in the mailto subject, and must not lead on to
 * every list of the workspace; the message's own subscription-center link carries that purpose's token.
 */
export function unsubscribeConfirmPage(token: string): string {
  return page(
    'Unsubscribe',
    `<p>Do you want to stop receiving these emails?</p>
<form method="post" action="/u/${escapeHtml(token)}"><input type="hidden" name="confirm" value="yes">
<button type="submit">Unsubscribe</button></form>`,
  );
}

export function subscriptionCenterPage(
  token: string,
  lists: { id: string; name: string; description: string; subscribed: boolean }[],
): string {
  const rows = lists
    .map(
      (l) => `<p><label><input type="checkbox" name="list" value="${escapeHtml(l.id)}"${l.subscribed ? ' checked' : ''}>
${escapeHtml(l.name)}</label>${l.description ? `<br><small>${escapeHtml(l.description)}</small>` : ''}</p>`,
    )
    .join('\n');
  return page(
    'Your subscriptions',
    `<form method="post" action="/s/${escapeHtml(token)}">${rows || '<p>No lists.</p>'}
<input type="hidden" name="submitted" value="1"><button type="submit">Save</button></form>`,
  );
}

export const MAX_FRIENDS = 5;

export function forwardFormPage(token: string): string {
  const inputs = Array.from(
    { length: MAX_FRIENDS },
    (_, i) =>
      `<p><label>Friend's email ${i + 1} <input type="email" name="friend" maxlength="254"${i === 0 ? ' required' : ''}></label></p>`,
  ).join('\n');
  return page(
    'Forward to a friend',
    `<form method="post" action="/f/${escapeHtml(token)}">${inputs}<button type="submit">Send</button></form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<p>${escapeHtml(text)}</p>`);
}
