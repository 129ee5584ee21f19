import type { EmailKpis, LinkKpis, TileKpis } from '../../services/api/insights/insights-types';
import type { ApiClient } from './api-client';
import { EMAIL_TILES, type Campaign, type EmailTile } from './campaign-setup';

/** The journey's numbers as marketing ops read them: GET /v1/insights/... on the API, nothing else. */
export class InsightsReader {
  constructor(
    private readonly api: ApiClient,
    private readonly campaign: Campaign,
  ) {}

  /** Per-tile counts; a tile nobody reached yet reads as zeros. */
  async tiles(): Promise<Map<string, TileKpis>> {
    const { items } = await this.api.get<{ items: TileKpis[] }>(
      `/v1/insights/journeys/${this.campaign.journeyId}/tiles`,
    );
    return new Map(items.map((tile) => [tile.tileId, tile]));
  }

  async email(tile: EmailTile): Promise<EmailKpis> {
    return this.api.get<EmailKpis>(
      `/v1/insights/emails/${this.campaign.emails[tile].id}?journey_id=${this.campaign.journeyId}`,
    );
  }

  async emails(): Promise<Record<EmailTile, EmailKpis>> {
    const all = await Promise.all(EMAIL_TILES.map((tile) => this.email(tile)));
    return Object.fromEntries(EMAIL_TILES.map((tile, i) => [tile, all[i]])) as Record<EmailTile, EmailKpis>;
  }

  async links(tile: EmailTile): Promise<LinkKpis[]> {
    const path = `/v1/insights/emails/${this.campaign.emails[tile].id}/links?journey_id=${this.campaign.journeyId}&limit=100`;
    return (await this.api.get<{ items: LinkKpis[] }>(path)).items;
  }

  /** The contacts behind a tile number (CSV pages of up to 10,000 rows, cursor in x-next-cursor). */
  async tileContacts(tileId: string, query: string): Promise<Set<string>> {
    const contacts = new Set<string>();
    let cursor: string | null = null;
    do {
      const path: string = `/v1/insights/journeys/${this.campaign.journeyId}/tiles/${tileId}/contacts.csv?${query}&limit=10000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await this.api.raw('GET', path);
      for (const line of page.body.split('\n').slice(1)) if (line) contacts.add(line.split(',')[0] as string);
      cursor = page.headers.get('x-next-cursor');
    } while (cursor);
    return contacts;
  }
}

export const zeroTile = (tileId: string): TileKpis => ({
  tileId,
  tileType: '',
  inflow: 0,
  processing: 0,
  blocked: 0,
  blockedByReason: {},
  failed: 0,
  processed: 0,
  paths: {},
});

/** Polls until `done`, printing a progress line every `printEveryMs`; false when the time ran out. */
export async function watch<T>(options: {
  probe: () => Promise<T>;
  done: (value: T) => boolean;
  print: (value: T) => void;
  timeoutMs: number;
  printEveryMs: number;
}): Promise<{ value: T; ok: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  let printed = 0;
  for (;;) {
    const value = await options.probe();
    const done = options.done(value);
    if (done || Date.now() - printed >= options.printEveryMs) {
      options.print(value);
      printed = Date.now();
    }
    if (done) return { value, ok: true };
    if (Date.now() > deadline) return { value, ok: false };
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
