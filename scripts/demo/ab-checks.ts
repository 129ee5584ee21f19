import type { JourneyAbKpis } from '../../services/api/insights/journey-ab-types';
import type { ApiClient } from './api-client';
import { AB_LABELS, AB_TILE, type AbDemo } from './ab-test-setup';
import type { Check } from './demo-checks';
import type { DemoLedger } from './demo-ledger';
import { watch } from './insights-reader';

const n = (value: number): string => value.toLocaleString('en');
const pct = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/** Who must have got what: each variant's tested readers (the tile's own split), and the readers left waiting. */
function expectedSplit(ab: AbDemo): { inTest: Set<string>[]; waiting: Set<string> } {
  const inTest = AB_LABELS.map(() => new Set<string>());
  const waiting = new Set<string>();
  for (const { contact, variant } of ab.testers)
    if (variant === null) waiting.add(contact.id);
    else inTest[variant]?.add(contact.id);
  return { inTest, waiting };
}

/** The A/B tile's insights as marketing ops read them, one line per variant, then the decision. */
export function abTable(body: JourneyAbKpis): string[] {
  const head = `${'variant'.padEnd(9)}${'requested'.padStart(10)}${'sent'.padStart(7)}${'opens'.padStart(7)}${'rate'.padStart(9)}${'z'.padStart(7)}${'p'.padStart(10)}${'winner sent'.padStart(13)}`;
  const rows = body.variants.map(
    (v) =>
      `${v.label.padEnd(9)}${n(v.requested).padStart(10)}${n(v.sent).padStart(7)}${n(v.unique_opens).padStart(7)}` +
      `${pct(v.open_rate).padStart(9)}${(v.z === null ? '—' : v.z.toFixed(2)).padStart(7)}` +
      `${(v.p_value === null ? '—' : v.p_value.toExponential(1)).padStart(10)}${n(v.winner_sent).padStart(13)}`,
  );
  const d = body.decision;
  const decided = d
    ? `decision: ${d.label} (${d.reason}) at ${d.decided_at}, ${((Date.parse(d.decided_at) - Date.parse(body.started_at ?? d.decided_at)) / 1000).toFixed(1)} s after the window opened (it ends ${body.ends_at})`
    : 'decision: none yet';
  return [head, ...rows, `${decided}; confidence reached ${pct(body.confidence_reached)}`];
}

/**
 * The subject-line test (GET /v1/insights/journeys/{id}/tiles/subject/ab, docs/kpis.md#ab-test) against what the
 * demo did: the tile's split (the engine's hash), the inbox and the readers' opens.
 */
export async function abTestChecks(
  api: ApiClient,
  ab: AbDemo,
  ledger: DemoLedger,
  idle: () => Promise<void>,
  say: (line: string) => void,
): Promise<Check[]> {
  const { inTest, waiting } = expectedSplit(ab);
  const expectedOpens = AB_LABELS.map(
    (label, v) => [...ledger.ab[label].opensByContact.keys()].filter((id) => inTest[v]?.has(id)).length,
  );
  const settled = (b: JourneyAbKpis): boolean =>
    b.decision !== null &&
    b.waiting.contacts === 0 &&
    b.variants.every((v, i) => v.sent === inTest[i]?.size && v.unique_opens === expectedOpens[i]) &&
    b.variants.reduce((s, v) => s + v.winner_sent, 0) === waiting.size;
  const { value: body } = await watch({
    probe: async () => {
      await idle();
      return api.get<JourneyAbKpis>(`/v1/insights/journeys/${ab.journeyId}/tiles/${AB_TILE}/ab`);
    },
    done: settled,
    print: (b) =>
      say(
        `A/B test: ${b.decision ? `decided ${b.decision.label}` : 'testing'}, sent ${b.variants.map((v) => `${v.label} ${n(v.sent)}`).join(' / ')}, ${n(b.waiting.contacts)} waiting`,
      ),
    timeoutMs: 60_000,
    printEveryMs: 5_000,
  });
  say('A/B test tile "subject", GET /v1/insights/journeys/{id}/tiles/subject/ab:');
  abTable(body).forEach((line) => say(`  ${line}`));
  const variant = (label: string) => body.variants.find((v) => v.label === label);
  const inbox = AB_LABELS.map((label, v) => [...ledger.ab[label].delivered].filter((id) => inTest[v]?.has(id)).length);
  const winnerInbox = [...ledger.ab.B.delivered].filter((id) => waiting.has(id)).length;
  return [
    {
      what: 'A/B test: B won by significance (two-proportion z-test on unique opens), well within its window',
      ok: body.decision?.label === 'B' && body.decision.reason === 'significant' && body.significant,
      detail: `${body.decision ? `${body.decision.label}, ${body.decision.reason}` : 'undecided'}; confidence reached ${pct(body.confidence_reached)}`,
    },
    {
      what: "A/B test: each variant's sent = the readers the tile's split tested with it = its messages in the inbox",
      ok: AB_LABELS.every((_, v) => body.variants[v]?.sent === inTest[v]?.size && inbox[v] === inTest[v]?.size),
      detail: AB_LABELS.map(
        (label, v) =>
          `${label} sent ${n(body.variants[v]?.sent ?? 0)}, inbox ${n(inbox[v] ?? 0)}, split ${n(inTest[v]?.size ?? 0)}`,
      ).join('; '),
    },
    {
      what: 'A/B test: every waiting reader was then sent the winner B, and no reader got a second message',
      ok:
        variant('B')?.winner_sent === waiting.size &&
        variant('A')?.winner_sent === 0 &&
        body.waiting.contacts === 0 &&
        sameSet(ledger.ab.A.delivered, inTest[0] ?? new Set()) &&
        sameSet(ledger.ab.B.delivered, new Set([...(inTest[1] ?? []), ...waiting])),
      detail: `${n(waiting.size)} waited; B sent as the winner ${n(variant('B')?.winner_sent ?? 0)}, in the inbox ${n(winnerInbox)}; A as the winner ${n(variant('A')?.winner_sent ?? 0)}`,
    },
    {
      what: 'A/B test: unique opens per variant = the tested readers who opened their message (people, not machines)',
      ok: AB_LABELS.every((_, v) => body.variants[v]?.unique_opens === expectedOpens[v]),
      detail: AB_LABELS.map(
        (label, v) => `${label} ${n(body.variants[v]?.unique_opens ?? 0)} of ${n(expectedOpens[v] ?? 0)} opened`,
      ).join('; '),
    },
  ];
}
