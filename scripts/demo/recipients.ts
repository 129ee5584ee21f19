import { Agent, request } from 'node:http';
import type { InboxMessage } from './demo-inbox';

/**
 * Simulated recipients acting on ingest's real HTTP endpoints with the URLs of the messages in their inbox:
 * mail clients loading the pixel, people following links, one-click unsubscribes, forward to a friend, and a
 * security gateway that fetches everything on arrival (machine traffic).
 */
export const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const SCANNER = 'Mimecast-URL-Protect/1.0';

interface Hit {
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request to ingest, answered 2xx or 3xx (redirects are not followed: the Location is the answer). */
function hit(agent: Agent, url: string, init: Hit): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 400)
          reject(new Error(`${init.method ?? 'GET'} ${new URL(url).pathname.slice(0, 3)}… → ${status}`));
        else resolve({ status, location: res.headers.location });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The message's token for a URL it must have (a demo message always carries its beacon, List-Unsubscribe and forward link). */
function need(token: string | null, what: string): string {
  if (token === null) throw new Error(`the message has no ${what} URL`);
  return token;
}

export class Recipients {
  /** kept-alive connections: a 100,000-recipient run makes some 300,000 requests (node:http costs less than fetch) */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    private readonly ingestUrl: string,
    /** link id → the URL recorded at go-live, where a click must redirect */
    private readonly linkUrls: ReadonlyMap<string, string>,
  ) {}

  /** The gateway loads the pixel and HEADs every link; returns the hits made. */
  async scan(message: InboxMessage): Promise<{ opens: number; clicks: number }> {
    await hit(this.agent, `${this.ingestUrl}/o/${need(message.open, 'beacon')}.gif`, {
      headers: { 'user-agent': SCANNER },
    });
    for (const link of message.links)
      await hit(this.agent, `${this.ingestUrl}/c/${link.token}`, {
        method: 'HEAD',
        headers: { 'user-agent': SCANNER },
      });
    return { opens: 1, clicks: message.links.length };
  }

  async open(message: InboxMessage): Promise<void> {
    await hit(this.agent, `${this.ingestUrl}/o/${need(message.open, 'beacon')}.gif`, {
      headers: { 'user-agent': BROWSER },
    });
  }

  /** A person follows the link; true when ingest redirected (302) to the URL recorded for it. */
  async click(message: InboxMessage, linkId: string): Promise<boolean> {
    return (await this.follow(message, linkId)) !== null;
  }

  /**
   * Follows the link: the URL ingest redirected to when it is the one recorded for the link (a landing page's
   * with the `cairn_landing` token ingest adds, docs/pages-and-forms.md#landing-page-links), else null.
   */
  async follow(message: InboxMessage, linkId: string): Promise<string | null> {
    const link = message.links.find((l) => l.linkId === linkId);
    if (!link) throw new Error(`message has no link ${linkId}`);
    const res = await hit(this.agent, `${this.ingestUrl}/c/${link.token}`, { headers: { 'user-agent': BROWSER } });
    if (res.status !== 302 || !res.location) return null;
    const recorded = new URL(res.location);
    recorded.searchParams.delete('cairn_landing');
    return recorded.href === this.linkUrls.get(linkId) ? res.location : null;
  }

  /** RFC 8058 one-click: a POST (a GET only shows the confirmation page, so scanners never unsubscribe anyone). */
  async unsubscribe(message: InboxMessage): Promise<void> {
    await hit(this.agent, `${this.ingestUrl}/u/${need(message.unsubscribe, 'List-Unsubscribe')}`, {
      method: 'POST',
      headers: { 'user-agent': BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
  }

  async forward(message: InboxMessage, friends: string[]): Promise<void> {
    await hit(this.agent, `${this.ingestUrl}/f/${need(message.forward, 'forward')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER },
      body: friends.map((friend) => `friend=${encodeURIComponent(friend)}`).join('&'),
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
