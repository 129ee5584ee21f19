import type { JourneyHoldoutKpis } from '../../services/api/insights/journey-goal-types';
import type { ApiClient } from './api-client';
import { isHeldOut } from '../../lib/domain/journeys/holdout';
import { DEMO_HOLDOUT, EMAIL_TILES, type Campaign } from './campaign-setup';
import type { Check } from './demo-checks';
import type { Expected } from './demo-expectations';
import type { DemoLedger } from './demo-ledger';
import { watch } from './insights-reader';

const n = (value: number): string => value.toLocaleString('en');
const pct = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

/**
 * The holdout's numbers as marketing ops read them (GET /v1/insights/journeys/{id}/holdout, docs/kpis.md#journey-holdout)
 * against what the demo did: the groups the engine's hash makes, no mail to the held out, and the goal's lift (a
 * white-paper click, in time or late, by a treated contact; the held out got no link to click).
 */
export async function holdoutChecks(
  api: ApiClient,
  campaign: Campaign,
  expected: Expected,
  ledger: DemoLedger,
  say: (line: string) => void,
): Promise<Check[]> {
  // every audience member entered (consent below the minimum too, blocked at the first tile) and has its group
  const audience = campaign.contacts.filter((c) => c.inAudience).map((c) => c.id);
  const heldOut = audience.filter((id) => isHeldOut(DEMO_HOLDOUT, campaign.journeyId, id)).length;
  const entered = audience.length;
  const treated = entered - heldOut;
  const clickers = new Set([...ledger.whitePaperClick.in_time, ...ledger.whitePaperClick.late]);
  const reached = [...clickers].filter((id) => !expected.heldOut.has(id) && !expected.consentBlocked.has(id)).length;
  const { value: body } = await watch({
    probe: () => api.get<JourneyHoldoutKpis>(`/v1/insights/journeys/${campaign.journeyId}/holdout`),
    done: (b) => b.treated.reached === reached && b.held_out.entered === heldOut,
    print: (b) => say(`holdout: ${n(b.treated.reached)} of ${n(reached)} treated goal clicks recorded so far`),
    timeoutMs: 30_000,
    printEveryMs: 5_000,
  });
  const mailed = EMAIL_TILES.flatMap((tile) =>
    [...ledger.emails[tile].delivered].filter((id) => expected.heldOut.has(id)),
  );
  const { lift } = body;
  return [
    {
      what: `holdout: treated and held-out contacts as the journey hash splits the entrants (share ${DEMO_HOLDOUT.share})`,
      ok: body.treated.entered === treated && body.held_out.entered === heldOut,
      detail: `treated ${n(body.treated.entered)}, held out ${n(body.held_out.entered)} (${pct(body.held_out.entered / Math.max(1, entered))} of ${n(entered)}); expected ${n(treated)} / ${n(heldOut)}`,
    },
    {
      what: 'held-out contacts got no mail: Blocked holdout at the email tiles, none of them in the inbox',
      ok: mailed.length === 0,
      detail: `${n(mailed.length)} messages to held-out contacts`,
    },
    {
      what: 'goal lift = treated − held-out conversion (white-paper clicks), with its 95 % interval',
      ok:
        body.treated.reached === reached &&
        body.held_out.reached === 0 &&
        lift.absolute !== null &&
        Math.abs(lift.absolute - reached / Math.max(1, treated)) < 1e-9,
      detail: `treated ${n(body.treated.reached)}/${n(body.treated.entered)} = ${pct(body.treated.conversion_rate)}, held out ${n(body.held_out.reached)}/${n(body.held_out.entered)} = ${pct(body.held_out.conversion_rate)}, lift ${pct(lift.absolute)} (95 % CI ${pct(lift.ci_low)} to ${pct(lift.ci_high)})`,
    },
  ];
}
