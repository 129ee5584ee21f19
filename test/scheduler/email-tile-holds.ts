import type { SendRequest } from '../../lib/contracts/sending/send-request';
import type { JourneySettings } from '../../lib/domain/journeys/journey-graph';
import { waitFor } from '../support/wait-for';
import { DAY_MS, tally, type SchedulerRig, type Workspace } from './scheduler-harness';

const MINUTE_MS = 60_000;

/**
 * A segment → email → end journey live from a minute before `around`, and readers of what its email tile holds: the
 * quiet-hours and send-time tests' shared kit (docs/scheduler.md#quiet-hours, docs/scheduler.md#send-time-optimisation).
 */
export function emailTileHolds(suite: { readonly rig: SchedulerRig }) {
  const mailJourney = async (
    ws: Workspace,
    email: string,
    members: string[],
    around: string,
    settings: Partial<JourneySettings> = {},
    mailConfig: Record<string, unknown> = {},
  ) =>
    ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [await ws.segment(members)] } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: email, ...mailConfig } },
          { id: 'end', type: 'end' },
        ],
      },
      {
        start_at: new Date(Date.parse(around) - MINUTE_MS).toISOString(),
        end_at: new Date(Date.parse(around) + 5 * DAY_MS).toISOString(),
        ...settings,
      },
    );

  const settled = (journeyId: string, expected: Record<string, number>) =>
    waitFor(
      async () => tally(await suite.rig.positions(journeyId)),
      (t) => Object.entries(expected).every(([k, n]) => t[k] === n),
      30_000,
    );

  const sendsOf = async (journeyId: string): Promise<SendRequest[]> =>
    (await suite.rig.sendRequests()).filter((r) => r.journey_id === journeyId);

  /** contact → due_at (epoch ms) of the contacts waiting at the email tile. */
  async function heldUntil(journeyId: string): Promise<Map<string, number>> {
    const { rows } = await suite.rig.pool.query<{ contact_id: string; due_at: Date }>(
      `SELECT contact_id, due_at FROM journey_contacts WHERE journey_id = $1 AND tile_id = 'mail' AND state = 'waiting'`,
      [journeyId],
    );
    return new Map(rows.map((r) => [r.contact_id, r.due_at.getTime()]));
  }

  /** The engine's clock set to `iso` (it runs on from there). */
  const clockAt = (iso: string): void => suite.rig.clock.advance(Date.parse(iso) - suite.rig.clock.now());

  return { mailJourney, settled, sendsOf, heldUntil, clockAt };
}
