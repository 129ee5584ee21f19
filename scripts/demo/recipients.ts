import type { SentMessage } from './journey-sends';

/**
 * Simulated recipients acting on real HTTP endpoints of ingest: mail clients loading the pixel, people
 * following links, a security scanner and a prefetching proxy (machine traffic), and one-click unsubscribes.
 */
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const SCANNER = 'Mimecast-URL-Protect/1.0';

export interface EngagementPlan {
  opens: number;
  repeatOpens: number;
  clicks: number;
  machineHits: number;
  unsubscribes: number;
  redirectsFollowed: number;
}

async function hit(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  await res.arrayBuffer();
  return res;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
}

export async function engage(ingestUrl: string, messages: SentMessage[], onProgress: (done: number) => void): Promise<EngagementPlan> {
  const plan: EngagementPlan = { opens: 0, repeatOpens: 0, clicks: 0, machineHits: 0, unsubscribes: 0, redirectsFollowed: 0 };
  await inParallel(messages, 16, async (message, i) => {
    const human = { 'user-agent': BROWSER };
    if (i % 10 === 0) {
      // A security gateway fetches every URL of the message before delivery: served, but labelled machine.
      await hit(`${ingestUrl}/o/${message.token}.gif`, { headers: { 'user-agent': SCANNER } });
      for (const click of message.clicks) await hit(`${ingestUrl}/c/${click.token}`, { method: 'HEAD', headers: { 'user-agent': SCANNER } });
      plan.machineHits += 1 + message.clicks.length;
    }
    if (i % 2 === 0) {
      await hit(`${ingestUrl}/o/${message.token}.gif`, { headers: human });
      plan.opens++;
      if (i % 6 === 0) {
        await hit(`${ingestUrl}/o/${message.token}.gif`, { headers: human });
        plan.repeatOpens++;
      }
    }
    const click = message.clicks[i % Math.max(1, message.clicks.length)];
    if (i % 5 === 0 && click) {
      const res = await hit(`${ingestUrl}/c/${click.token}`, { headers: human });
      if (res.status === 302 && res.headers.get('location') === click.url) plan.redirectsFollowed++;
      plan.clicks++;
    }
    if (i % 97 === 3) {
      await hit(`${ingestUrl}/u/${message.token}`, {
        method: 'POST', headers: { ...human, 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
      });
      plan.unsubscribes++;
    }
    if ((i + 1) % 500 === 0 || i === messages.length - 1) onProgress(i + 1);
  });
  return plan;
}
