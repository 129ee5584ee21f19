import { apiGet, rememberKey, Unauthorized } from './api-client';
import type { Workspace } from './api-types';
import { h } from './dom';

/**
 * The login: the API key is checked with GET /v1/workspace, then kept in sessionStorage. The key input has no
 * name, so even a form submitted without this script would put nothing in a URL.
 */
export function renderLogin(root: HTMLElement, notice?: string): void {
  const keyInput = h('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'cairn_…',
  });
  const message = h('p', { class: 'error', role: 'alert', hidden: !notice }, notice ?? '');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', 'data-login': '' },
    h('h1', {}, 'Cairn insights'),
    h(
      'p',
      { class: 'muted' },
      'Read-only email and journey insights. Sign in with an API key that has the read scope.',
    ),
    h('label', { for: 'api-key' }, 'API key'),
    keyInput,
    button,
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    button.disabled = true;
    apiGet<Workspace>('/v1/workspace', key)
      .then(() => {
        rememberKey(key);
        location.assign('/ui/emails');
      })
      .catch((error: unknown) => {
        message.textContent =
          error instanceof Unauthorized
            ? 'This API key was not accepted.'
            : `Could not sign in: ${(error as Error).message}`;
        message.hidden = false;
        button.disabled = false;
      });
  });
  root.replaceChildren(h('main', { class: 'login-page', 'data-state': 'ready' }, form));
  keyInput.focus();
}
