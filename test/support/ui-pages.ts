import type { Page } from 'playwright-core';

/**
 * What the /ui browser tests share: the errors a page logs or the answers of 400 and above it gets (an answer whose
 * URL matches `expected404`, such as a name lookup that may be 404, aside), and opening a page until it drew its
 * numbers (`main[data-state="ready"]`).
 */
export function watchPage(page: Page, expected404?: RegExp): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expected404 && /404/.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected404?.test(r.url())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

export async function openReady(page: Page, baseUrl: string, url: string): Promise<void> {
  await page.goto(`${baseUrl}${url}`);
  await page.waitForSelector('main[data-state="ready"]', { timeout: 30_000 }).catch(async (error: Error) => {
    throw new Error(`${url}: ${await page.textContent('body')}; ${error.message}`);
  });
}
