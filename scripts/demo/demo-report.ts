import type { EmailKpis, LinkKpis, TileKpis } from '../../services/api/insights/insights-types';
import { EMAIL_TILES, type Campaign, type EmailTile } from './campaign-setup';
import type { Check } from './demo-checks';
import type { DemoLedger } from './demo-ledger';
import { zeroTile } from './insights-reader';

/** The demo's console: numbered stages, indented lines, aligned tables. */
export class DemoConsole {
  private readonly started = Date.now();
  private stage = 0;

  elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }

  step(text: string): void {
    process.stdout.write(`\n[${++this.stage}] ${text}  (${this.elapsed()})\n`);
  }

  say(text: string): void {
    process.stdout.write(`    ${text}\n`);
  }
}

export const fmt = (value: number): string => value.toLocaleString('en');
const pad = (text: string, width: number): string =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);
const num = (value: number, width: number): string => fmt(value).padStart(width);

/** The tiles in the order a contact meets them. */
const TILE_ORDER = ['ny', 'paper', 'clicked', 'nurture', 'done_true', 'remind', 'done_false'];

export function tileTable(tiles: Map<string, TileKpis>): string[] {
  const lines = [
    `${pad('tile', 11)}${pad('type', 12)}${'inflow'.padStart(8)}${'processing'.padStart(12)}${'blocked'.padStart(9)}${'failed'.padStart(8)}${'processed'.padStart(11)}  paths / blocked by`,
  ];
  for (const id of TILE_ORDER) {
    const t = tiles.get(id) ?? zeroTile(id);
    const extra = [
      ...Object.entries(t.paths).map(([p, c]) => `${p} ${fmt(c)}`),
      ...Object.entries(t.blockedByReason).map(([r, c]) => `${r} ${fmt(c)}`),
    ].join(' · ');
    lines.push(
      `${pad(id, 11)}${pad(t.tileType, 12)}${num(t.inflow, 8)}${num(t.processing, 12)}${num(t.blocked, 9)}${num(t.failed, 8)}${num(t.processed, 11)}  ${extra}`,
    );
  }
  return lines;
}

const KPI_ROWS: (keyof EmailKpis)[] = [
  'targeted',
  'blocked',
  'sent',
  'bouncedHard',
  'bouncedTotal',
  'delivered',
  'feedbackLoops',
  'openedTotal',
  'openedUnique',
  'didNotOpen',
  'machineOnlyOpened',
  'clickedTotal',
  'clickedUnique',
  'unsubscribed',
  'forwarded',
  'forwardSubmissions',
  'sendingFailed',
  'generatedLeads',
  'machineOpens',
  'machineClicks',
];
export const EMAIL_LABEL: Record<EmailTile, string> = {
  paper: 'white paper',
  nurture: 'follow-up',
  remind: 'reminder',
};

export function kpiTable(kpis: Record<EmailTile, EmailKpis>): string[] {
  const lines = [`${pad('', 20)}${EMAIL_TILES.map((t) => EMAIL_LABEL[t].padStart(13)).join('')}`];
  for (const key of KPI_ROWS)
    lines.push(`${pad(key, 20)}${EMAIL_TILES.map((t) => num(kpis[t][key] as number, 13)).join('')}`);
  return lines;
}

export function linkLines(links: Record<EmailTile, LinkKpis[]>): string[] {
  return EMAIL_TILES.flatMap((tile) =>
    links[tile].map(
      (l) =>
        `${pad(EMAIL_LABEL[tile], 12)} ${pad(l.url, 36)} unique clicks ${num(l.uniqueClicks, 6)}  click-through rate ${(l.clickThroughRate * 100).toFixed(1)}%`,
    ),
  );
}

export function checkLines(checks: Check[]): string[] {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
}

/** One progress line of the journey's run: the engine's tile counts (API), the inbox, the recipients. */
export function journeyProgress(
  tiles: Map<string, TileKpis>,
  kpis: Record<EmailTile, EmailKpis>,
  ledger: DemoLedger,
  rate: number,
  queued: number,
): string[] {
  const t = (id: string) => tiles.get(id) ?? zeroTile(id);
  const e = ledger.emails;
  const settled = EMAIL_TILES.map(
    (tile) => `${EMAIL_LABEL[tile]} ${fmt(kpis[tile].targeted + kpis[tile].sendingFailed)}/${fmt(t(tile).processed)}`,
  );
  const clicks = EMAIL_TILES.reduce((s, tile) => s + e[tile].clicks, 0);
  return [
    `journey: ${fmt(t('ny').inflow)} entered, ${fmt(t('clicked').processing)} waiting at the trigger, true ${fmt(t('clicked').paths.true ?? 0)}, ` +
      `false ${fmt(t('clicked').paths.false ?? 0)}, ${fmt(t('done_true').processed + t('done_false').processed)} at an end, ` +
      `${fmt([...tiles.values()].reduce((s, x) => s + x.blocked, 0))} blocked · sender settled ${settled.join(', ')}`,
    `  inbox: white paper ${fmt(e.paper.delivered.size)}, follow-up ${fmt(e.nurture.delivered.size)}, reminder ${fmt(e.remind.delivered.size)} (${fmt(Math.round(rate))} messages/s) · ` +
      `recipients: ${fmt(EMAIL_TILES.reduce((s, tile) => s + e[tile].opens, 0))} opens, ${fmt(clicks)} clicks (white paper in time ${fmt(ledger.whitePaperClick.in_time.size)}), ` +
      `${fmt(ledger.unsubscribed.in_time.size)} unsubscribed, ${fmt(ledger.bounced.in_time.size)} bounced, ${fmt(ledger.complained.in_time.size)} complaints, ` +
      `${fmt(e.paper.machineOpens + e.paper.machineClicks)} scanner hits, ${fmt(queued)} actions waiting`,
  ];
}

/** What to open after `--keep`. */
export function keepLines(apiUrl: string, ingestUrl: string, campaign: Campaign): string[] {
  return [
    `API reference        ${apiUrl}/docs`,
    `insights pages       ${apiUrl}/ui   (log in with the API key below)`,
    `API key              ${campaign.apiKey}`,
    `journey              ${apiUrl}/v1/insights/journeys/${campaign.journeyId}/tiles`,
    ...EMAIL_TILES.map(
      (tile) => `${pad(`email: ${EMAIL_LABEL[tile]}`, 21)}${apiUrl}/v1/insights/emails/${campaign.emails[tile].id}`,
    ),
    `tracking (ingest)    ${ingestUrl}`,
    'stop them with       npm run demo -- --stop   (the next npm run demo stops them too)',
  ];
}
