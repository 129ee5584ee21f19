import type { EmailKpis, LinkKpis, TileKpis } from '../../services/api/insights/insights-types';
import { EMAIL_TILES, type EmailTile } from './campaign-setup';
import type { DemoLedger } from './demo-ledger';
import type { Expected } from './demo-expectations';
import { zeroTile } from './insights-reader';

export interface Check {
  what: string;
  ok: boolean;
  /** the numbers behind it, shown next to the verdict */
  detail: string;
}

/** What the API reported: tile counts, email KPIs and link click-through rates. */
export interface Reported {
  tiles: Map<string, TileKpis>;
  kpis: Record<EmailTile, EmailKpis>;
  links: Record<EmailTile, LinkKpis[]>;
}

/** The contact lists behind the numbers, read once the numbers match. */
export interface ReportedContacts {
  truePath: Set<string>;
  falsePath: Set<string>;
}

const n = (value: number): string => value.toLocaleString('en');
const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const LABEL: Record<EmailTile, string> = { paper: 'white paper', nurture: 'follow-up', remind: 'reminder' };

function perEmail(what: string, test: (tile: EmailTile) => [boolean, string]): Check {
  const results = EMAIL_TILES.map((tile) => [tile, ...test(tile)] as const);
  return {
    what,
    ok: results.every(([, ok]) => ok),
    detail: results.map(([tile, ok, d]) => `${LABEL[tile]} ${d}${ok ? '' : ' ✗'}`).join('; '),
  };
}

function tileMismatches(expected: Expected, tiles: Map<string, TileKpis>): string[] {
  const wrong: string[] = [];
  for (const [id, want] of Object.entries(expected.tiles)) {
    const got = tiles.get(id) ?? zeroTile(id);
    for (const key of ['inflow', 'processed', 'blocked', 'failed'] as const)
      if (got[key] !== want[key]) wrong.push(`${id}.${key} ${got[key]} ≠ ${want[key]}`);
    if (got.processing !== 0) wrong.push(`${id}.processing ${got.processing}`);
    for (const [path, count] of Object.entries(want.paths ?? {}))
      if ((got.paths[path] ?? 0) !== count) wrong.push(`${id}.paths.${path} ${got.paths[path] ?? 0} ≠ ${count}`);
  }
  return wrong;
}

/** Journey checks on the tile counts alone (cheap: polled until they hold). */
export function tileChecks(expected: Expected, tiles: Map<string, TileKpis>): Check[] {
  const t = (id: string) => tiles.get(id) ?? zeroTile(id);
  const ends = t('done_true').processed + t('done_false').processed;
  // a held-out contact is Blocked holdout at an email tile yet goes on to an end tile: counted there, not here
  const blocked = [...tiles.values()].reduce(
    (sum, tile) => sum + tile.blocked - (tile.blockedByReason.holdout ?? 0),
    0,
  );
  const failed = [...tiles.values()].reduce((sum, tile) => sum + tile.failed, 0);
  const wrong = tileMismatches(expected, tiles);
  return [
    {
      what: 'every audience contact entered once (New York ∩ Newsletter)',
      ok: t('ny').inflow === expected.audience,
      detail: `${n(t('ny').inflow)} entered, audience ${n(expected.audience)}`,
    },
    {
      what: 'every contact at exactly one end: processed at end tiles + blocked + failed = entered',
      ok: ends + blocked + failed === t('ny').inflow && [...tiles.values()].every((tile) => tile.processing === 0),
      detail: `${n(ends)} + ${n(blocked)} + ${n(failed)} = ${n(ends + blocked + failed)}, entered ${n(t('ny').inflow)}, processing ${n([...tiles.values()].reduce((s, tile) => s + tile.processing, 0))}`,
    },
    {
      what: "each tile's inflow, processed, blocked, failed and paths match what the recipients did",
      ok: wrong.length === 0,
      detail: wrong.length === 0 ? `${Object.keys(expected.tiles).length} tiles` : wrong.join(', '),
    },
    {
      what: 'tile Blocked: consent below the minimum at the segment tile, unsubscribed before the reminder',
      ok:
        (t('ny').blockedByReason.consent_below_minimum ?? 0) === expected.consentBlocked.size &&
        (t('remind').blockedByReason.unsubscribed ?? 0) === expected.remindUnsubscribed,
      detail: `consent_below_minimum ${n(t('ny').blockedByReason.consent_below_minimum ?? 0)}, unsubscribed ${n(t('remind').blockedByReason.unsubscribed ?? 0)}`,
    },
  ];
}

/** Glossary identities and the demo's own counts, per email (cheap: polled until they hold). */
export function kpiChecks(want: Record<EmailTile, Record<string, number>>, reported: Reported): Check[] {
  const { kpis, links } = reported;
  const eq = (tile: EmailTile, keys: string[]): [boolean, string] => {
    const got = kpis[tile] as unknown as Record<string, number>;
    const off = keys.filter((k) => got[k] !== want[tile][k]);
    return [
      off.length === 0,
      off.length === 0
        ? keys.map((k) => n(got[k] ?? 0)).join('/')
        : off.map((k) => `${k} ${got[k]} ≠ ${want[tile][k]}`).join(', '),
    ];
  };
  const identity = (tile: EmailTile, ok: boolean, text: string, keys: string[]): [boolean, string] => {
    const [match, detail] = eq(tile, keys);
    return [ok && match, match ? text : detail];
  };
  return [
    perEmail("Sent = targeted − blocked (targeted = the journey's send requests)", (e) =>
      identity(
        e,
        kpis[e].sent === kpis[e].targeted - kpis[e].blocked,
        `${n(kpis[e].sent)} = ${n(kpis[e].targeted)} − ${n(kpis[e].blocked)}`,
        ['targeted', 'blocked', 'sent'],
      ),
    ),
    perEmail("Blocked (email): do not bulk email and blocklisted addresses, not the journey's Blocked", (e) => [
      kpis[e].blocked === Object.values(kpis[e].blockedByReason).reduce((a, b) => a + b, 0),
      JSON.stringify(kpis[e].blockedByReason),
    ]),
    perEmail('Delivered = sent − total bounced; each attempt to a suppressed address is a hard bounce', (e) =>
      identity(
        e,
        kpis[e].delivered === kpis[e].sent - kpis[e].bouncedTotal,
        `${n(kpis[e].delivered)} = ${n(kpis[e].sent)} − ${n(kpis[e].bouncedTotal)}`,
        ['bouncedHard', 'delivered'],
      ),
    ),
    perEmail('Feedback loops: complaints, and each attempt to a complaint-suppressed address', (e) =>
      eq(e, ['feedbackLoops']),
    ),
    perEmail('Opened: unique = messages opened at least once ≤ total opens (human only)', (e) =>
      identity(
        e,
        kpis[e].openedUnique <= kpis[e].openedTotal,
        `${n(kpis[e].openedUnique)} ≤ ${n(kpis[e].openedTotal)}`,
        ['openedUnique', 'openedTotal'],
      ),
    ),
    perEmail('Did not open = delivered − opened (unique)', (e) =>
      identity(e, kpis[e].didNotOpen === kpis[e].delivered - kpis[e].openedUnique, `${n(kpis[e].didNotOpen)}`, [
        'didNotOpen',
      ]),
    ),
    perEmail('Clicked: unique = messages with a click (≤ 1 per message) ≤ total clicks', (e) =>
      identity(
        e,
        kpis[e].clickedUnique <= Math.min(kpis[e].clickedTotal, kpis[e].sent),
        `${n(kpis[e].clickedUnique)} ≤ ${n(kpis[e].clickedTotal)}`,
        ['clickedUnique', 'clickedTotal'],
      ),
    ),
    perEmail('Click-through rate of a link = its unique clicks ÷ all unique clicks', (e) => {
      const ok = links[e].every(
        (l) => Math.abs(l.clickThroughRate - l.uniqueClicks / Math.max(1, kpis[e].clickedUnique)) < 1e-9,
      );
      return [ok, links[e].map((l) => `${(l.clickThroughRate * 100).toFixed(1)}%`).join(' + ') || '—'];
    }),
    perEmail('Unsubscribed: at most one per message (half pressed the button twice)', (e) => eq(e, ['unsubscribed'])),
    perEmail('Forwarded counts the addresses submitted (two per forward)', (e) =>
      eq(e, ['forwarded', 'forwardSubmissions']),
    ),
    perEmail('machine traffic (scanner) kept, labelled, outside the human KPIs', (e) =>
      eq(e, ['machineOpens', 'machineClicks']),
    ),
    perEmail('Sending failed', (e) => eq(e, ['sendingFailed'])),
  ];
}

/** Who is where: the contact lists behind the paths, and the follow-ups in the inbox (leads: landing-checks.ts). */
export function contactChecks(expected: Expected, reported: ReportedContacts, ledger: DemoLedger): Check[] {
  const inbox = (tile: EmailTile): Check => ({
    what: `the ${LABEL[tile]} reached exactly the expected recipients (inbox)`,
    ok: sameSet(ledger.emails[tile].delivered, expected.emails[tile].recipients),
    detail: `${n(ledger.emails[tile].delivered.size)} received, ${n(expected.emails[tile].recipients.size)} expected`,
  });
  const lateOnTrue = [...ledger.whitePaperClick.late].filter((id) => reported.truePath.has(id)).length;
  return [
    {
      what: 'true path = the contacts who clicked the white-paper link in time',
      ok: sameSet(reported.truePath, expected.truePath),
      detail: `${n(reported.truePath.size)} on the path, ${n(expected.truePath.size)} clicked in time`,
    },
    {
      what: 'false path = everyone else who reached the trigger',
      ok: sameSet(reported.falsePath, expected.falsePath),
      detail: `${n(reported.falsePath.size)} on the path, ${n(expected.falsePath.size)} expected`,
    },
    {
      what: 'clicks after the timeout, on another link or by the scanner moved no one',
      ok: lateOnTrue === 0,
      detail: `${n(ledger.whitePaperClick.late.size)} late white-paper clicks, ${lateOnTrue} of them on the true path`,
    },
    inbox('nurture'),
    inbox('remind'),
    {
      what: 'every human click redirected (302) to the URL recorded at go-live',
      ok: EMAIL_TILES.every((t) => ledger.emails[t].redirectsToRecordedUrl === ledger.emails[t].clicks),
      detail: `${n(EMAIL_TILES.reduce((s, t) => s + ledger.emails[t].redirectsToRecordedUrl, 0))} redirects`,
    },
    {
      what: 'forwarded copies delivered to the friends',
      ok: ledger.friendCopies === ledger.emails.paper.forwardedAddresses,
      detail: `${n(ledger.friendCopies)} copies`,
    },
    {
      what: 'no recipient action failed, no stray message',
      ok: ledger.failures.length === 0 && ledger.strays === 0,
      detail: ledger.failures.slice(0, 3).join('; ') || 'none',
    },
  ];
}
