import type { Page } from './api-types';

/**
 * The API key lives in sessionStorage: gone when the tab closes, never in a URL, never in a cookie (so no
 * other site can make the browser send it). Every call sends it as a bearer token to the same origin.
 */
const STORAGE_KEY = 'cairn.apiKey';

export const storedKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const rememberKey = (key: string): void => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(STORAGE_KEY);

/** The key is missing, wrong or revoked: the page sends the user to the login. */
export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function apiGet<T>(path: string, key: string | null = storedKey()): Promise<T> {
  if (!key) throw new Unauthorized('no API key');
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
  });
  if (response.status === 401) throw new Unauthorized('the API key was refused');
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new ApiError(response.status, problem.detail ?? problem.title ?? response.statusText);
  }
  return (await response.json()) as T;
}

/** Every item of a keyset-paged list, up to `max` items (the lists pages show names, so a few pages at most). */
export async function apiList<T>(path: string, max = 2000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await apiGet<Page<T>>(
      `${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** The page's date filter (?from=&to=, days in the workspace's time zone) as the insights endpoints take it. */
export function rangeQuery(search: URLSearchParams): string {
  const query = new URLSearchParams();
  for (const name of ['from', 'to']) {
    const value = search.get(name);
    if (value && /^\d{4}-\d{2}-\d{2}$/.test(value)) query.set(name, value);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}
