import './app.css';
import { forgetKey, storedKey, Unauthorized } from './api-client';
import { h } from './dom';
import { renderContactPage } from './contact.page';
import { renderEmailPage } from './email.page';
import { renderJourneyPage } from './journey.page';
import { renderEmailList, renderJourneyList } from './lists.page';
import { renderLogin } from './login.page';
import { renderShell, type Shell } from './page-shell';
import { renderSegmentList, renderSegmentPage } from './segment.page';
import { renderRedirectUrlList, renderRedirectUrlPage } from './redirect-urls.page';
import { renderTileContactsPage } from './tile-contacts.page';
import { renderLeadPage, renderScoringModelList, renderScoringModelPage } from './scoring.page';
import { renderFormInsightsPage, renderPageInsightsPage, renderWebList } from './web-insights.page';
import { renderWebsiteList, renderWebsitePage } from './website.page';

/**
 * The insights pages' entry point: the API serves the same index.html for every path under /ui/, and this
 * picks the page from location.pathname. Read-only: the pages only GET.
 */
/** `id` and `second` are the path's first and second captured ids (a journey and its tile). */
type Render = (shell: Shell, id: string, search: URLSearchParams, second: string) => Promise<void>;

const UUID = '([0-9a-fA-F-]{36})';
const PAGES: Array<{ pattern: RegExp; section: string; render: Render }> = [
  { pattern: /^\/ui\/emails\/?$/, section: 'emails', render: (shell) => renderEmailList(shell) },
  { pattern: new RegExp(`^/ui/emails/${UUID}$`), section: 'emails', render: renderEmailPage },
  { pattern: /^\/ui\/journeys\/?$/, section: 'journeys', render: (shell) => renderJourneyList(shell) },
  { pattern: new RegExp(`^/ui/journeys/${UUID}$`), section: 'journeys', render: renderJourneyPage },
  {
    pattern: new RegExp(`^/ui/journeys/${UUID}/tiles/([A-Za-z0-9_-]{1,64})$`),
    section: 'journeys',
    render: renderTileContactsPage,
  },
  { pattern: new RegExp(`^/ui/contacts/${UUID}$`), section: 'journeys', render: renderContactPage },
  { pattern: /^\/ui\/pages\/?$/, section: 'pages', render: (shell) => renderWebList(shell, 'pages') },
  { pattern: new RegExp(`^/ui/pages/${UUID}$`), section: 'pages', render: renderPageInsightsPage },
  { pattern: /^\/ui\/forms\/?$/, section: 'forms', render: (shell) => renderWebList(shell, 'forms') },
  { pattern: new RegExp(`^/ui/forms/${UUID}$`), section: 'forms', render: renderFormInsightsPage },
  { pattern: /^\/ui\/segments\/?$/, section: 'segments', render: (shell) => renderSegmentList(shell) },
  { pattern: new RegExp(`^/ui/segments/${UUID}$`), section: 'segments', render: renderSegmentPage },
  { pattern: /^\/ui\/redirect-urls\/?$/, section: 'redirect-urls', render: (shell) => renderRedirectUrlList(shell) },
  { pattern: new RegExp(`^/ui/redirect-urls/${UUID}$`), section: 'redirect-urls', render: renderRedirectUrlPage },
  { pattern: /^\/ui\/scoring-models\/?$/, section: 'scoring', render: (shell) => renderScoringModelList(shell) },
  { pattern: new RegExp(`^/ui/scoring-models/${UUID}$`), section: 'scoring', render: renderScoringModelPage },
  { pattern: new RegExp(`^/ui/leads/${UUID}$`), section: 'scoring', render: (shell, id) => renderLeadPage(shell, id) },
  { pattern: /^\/ui\/websites\/?$/, section: 'websites', render: (shell) => renderWebsiteList(shell) },
  { pattern: new RegExp(`^/ui/websites/${UUID}$`), section: 'websites', render: renderWebsitePage },
];

function start(root: HTMLElement): void {
  const path = location.pathname;
  if (path === '/ui/login') return renderLogin(root);
  if (!storedKey()) return location.replace('/ui/login');
  if (path === '/ui' || path === '/ui/') return location.replace('/ui/emails');
  const page = PAGES.find((p) => p.pattern.test(path));
  if (!page) {
    root.replaceChildren(
      h(
        'main',
        { 'data-state': 'error' },
        h('p', { class: 'error' }, 'No such page. '),
        h('a', { href: '/ui/emails' }, 'Emails'),
      ),
    );
    return;
  }
  const shell = renderShell(root, page.section);
  const match = page.pattern.exec(path);
  page
    .render(shell, match?.[1] ?? '', new URLSearchParams(location.search), match?.[2] ?? '')
    .then(() => shell.ready())
    .catch((error: unknown) => {
      if (error instanceof Unauthorized) {
        forgetKey();
        return renderLogin(root, 'Your API key was not accepted any more; sign in again.');
      }
      shell.fail(`Could not load this page: ${(error as Error).message}`);
    });
}

const root = document.getElementById('app');
if (root) start(root);
