import { apiGet, forgetKey } from './api-client';
import type { Workspace } from './api-types';
import { h, type Child } from './dom';

/**
 * The frame around every signed-in page: the navigation, the workspace the key belongs to, and sign-out.
 * `main[data-state]` goes from "loading" to "ready" (or "error") when a page has drawn its numbers; the
 * browser test waits on it.
 */
export interface Shell {
  main: HTMLElement;
  ready(): void;
  fail(message: string): void;
}

const NAV = [
  { href: '/ui/emails', label: 'Emails', section: 'emails' },
  { href: '/ui/journeys', label: 'Journeys', section: 'journeys' },
  { href: '/ui/pages', label: 'Pages', section: 'pages' },
  { href: '/ui/forms', label: 'Forms', section: 'forms' },
  { href: '/ui/segments', label: 'Segments', section: 'segments' },
  { href: '/ui/redirect-urls', label: 'Redirect URLs', section: 'redirect-urls' },
  { href: '/ui/scoring-models', label: 'Lead scoring', section: 'scoring' },
  { href: '/ui/websites', label: 'Websites', section: 'websites' },
];

export function signOut(): void {
  forgetKey();
  location.replace('/ui/login');
}

export function renderShell(root: HTMLElement, section: string): Shell {
  const workspace = h('span', { class: 'workspace', 'data-workspace': '' });
  const signOutButton = h('button', { type: 'button', class: 'link-button' }, 'Sign out');
  signOutButton.addEventListener('click', signOut);
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '/ui/emails' }, 'Cairn', h('span', {}, ' insights')),
    h(
      'nav',
      {},
      ...NAV.map((item) =>
        h(
          'a',
          {
            href: item.href,
            class: item.section === section ? 'active' : undefined,
            'aria-current': item.section === section ? 'page' : undefined,
          },
          item.label,
        ),
      ),
    ),
    h('div', { class: 'who' }, workspace, signOutButton),
  );
  const main = h('main', { 'data-state': 'loading' }, h('p', { class: 'muted' }, 'Loading…'));
  root.replaceChildren(header, main);
  apiGet<Workspace>('/v1/workspace')
    .then((ws) => {
      workspace.textContent = `${ws.name} · ${ws.time_zone}`;
    })
    .catch(() => undefined);
  return {
    main,
    ready: () => main.setAttribute('data-state', 'ready'),
    fail: (message) => {
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
      main.setAttribute('data-state', 'error');
    },
  };
}

/** A page title with a subtitle line and optional badges. */
export function pageTitle(title: string, subtitle: Child, ...badges: Child[]): HTMLElement {
  return h('div', { class: 'page-title' }, h('h1', {}, title, ...badges), h('p', { class: 'muted' }, subtitle));
}

export const statusBadge = (status: string): HTMLElement => h('span', { class: `badge status-${status}` }, status);

/**
 * A From/To filter (days in the workspace's time zone): a GET form, so the range is in the page URL. The reset link
 * drops the range: the whole history for most insights, the default range where the endpoint has one.
 */
export function rangeFilter(search: URLSearchParams, resetLabel = 'All time'): HTMLFormElement {
  const input = (name: string, label: string) =>
    h('label', {}, label, h('input', { type: 'date', name, value: search.get(name) ?? undefined }));
  return h(
    'form',
    { class: 'filters', method: 'get' },
    input('from', 'From'),
    input('to', 'To'),
    h('button', { type: 'submit' }, 'Apply'),
    h('a', { href: location.pathname }, resetLabel),
  );
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** One KPI of a grid (`.kpi-grid`): its label, its value (with attributes the tests read) and an optional note. */
export function kpiCard(
  label: string,
  value: Child,
  valueAttrs: Record<string, string> = {},
  note?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value', ...valueAttrs }, value),
    note ? h('span', { class: 'kpi-note' }, note) : null,
  );
}
