import { abConfigOf, abVariantOf, type AbTestConfig } from '../../lib/domain/journeys/ab-test';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import type { Audience, DemoContact, LiveEmail } from './campaign-setup';
import { liveEmail, mjml } from './campaign-setup';
import { AB_CITY } from './recipient-plan';

/**
 * The demo's A/B test (docs/scheduler.md#ab-test): a second journey of the workspace, "Subject line test", over the
 * Chicago readers (imported for it, outside the white-paper journey's segment, so neither journey's numbers move
 * the other's): segment → ab_test tile `subject` (emails A and B, different subjects and senders) → end.
 */

export const AB_TILE = 'subject';
export const AB_LABELS = ['A', 'B'] as const;
export type AbLabel = (typeof AB_LABELS)[number];

/** Each variant has its own sender, so the inbox tells them apart by the envelope (as tileByFrom does). */
const FROM: Record<AbLabel, string> = { A: 'guide-a@example.com', B: 'guide-b@example.com' };
const SUBJECT: Record<AbLabel, string> = {
  A: 'Our spring guide is out',
  B: '{{default contact.first_name "Friend"}}, 5 journeys that doubled our replies',
};

/**
 * Half the readers are tested (a quarter each variant), the rest wait for the winner. The window cannot be shorter
 * than an hour, so the demo's test decides by significance: a min_sample a few dozen sends per variant reach, each
 * counted once it is a minute old (settle_minutes: the demo's readers all act within it).
 */
const TILE_CONFIG = {
  test_share: 0.5,
  metric: 'unique_opens',
  duration_hours: 1,
  min_sample: 40,
  settle_minutes: 1,
  confidence: 0.95,
};

export interface AbDemo {
  journeyId: string;
  config: AbTestConfig;
  emails: Record<AbLabel, LiveEmail>;
  /** the test's readers, each with the variant the tile's split gives it (null: waits for the winner) */
  testers: Array<{ contact: DemoContact; variant: number | null }>;
  labelByFrom: Map<string, AbLabel>;
}

function abTile(emails: Record<AbLabel, LiveEmail>): Tile {
  return {
    id: AB_TILE,
    type: 'ab_test',
    next: ['done'],
    config: { variants: AB_LABELS.map((label) => ({ email_id: emails[label].id, label })), ...TILE_CONFIG },
  };
}

function abGraph(segmentId: string, tile: Tile) {
  return {
    tiles: [
      { id: 'chicago', type: 'segment', next: [AB_TILE], config: { segment_ids: [segmentId] } },
      tile,
      { id: 'done', type: 'end', next: [], config: {} },
    ],
  };
}

/** The Chicago segment, the two variant emails and the journey, live. */
export async function liveAbTest(audience: Audience, say: (s: string) => void): Promise<AbDemo> {
  const { api } = audience;
  const segment = await api.post<{ id: string }>('/v1/segments', {
    name: AB_CITY,
    kind: 'dynamic',
    definition: { field: 'attributes.city', op: 'eq', value: AB_CITY },
  });
  const refreshed = await api.post<{ member_count: number }>(`/v1/segments/${segment.id}/refresh`);
  const variant = (label: AbLabel) =>
    liveEmail(
      api,
      {
        name: `Spring guide, variant ${label}`,
        from_address: FROM[label],
        subject: SUBJECT[label],
        body_mjml: mjml(`<mj-text>Hello {{default contact.first_name "there"}}, our spring guide is ready.</mj-text>
<mj-button href="https://example.com/spring-guide">Read the guide</mj-button>`),
      },
      say,
    );
  const emails = { A: await variant('A'), B: await variant('B') };
  const now = Date.now();
  const tile = abTile(emails);
  const journey = await api.post<{ id: string }>('/v1/journeys', {
    name: 'Subject line test',
    graph: abGraph(segment.id, tile),
    settings: {
      target: 'contacts',
      start_at: new Date(now).toISOString(),
      end_at: new Date(now + 30 * 86_400_000).toISOString(),
      time_zone: 'America/Chicago',
    },
  });
  const check = await api.post<{ ok: boolean; errors: unknown[] }>(`/v1/journeys/${journey.id}/check`);
  if (!check.ok) throw new Error(`the A/B journey failed its error check: ${JSON.stringify(check.errors)}`);
  await api.post(`/v1/journeys/${journey.id}/go-live`);
  const config = abConfigOf(tile);
  say(
    `journey "Subject line test" is live: ${AB_CITY} (${refreshed.member_count.toLocaleString('en')} readers) → A/B test ` +
      `of two subject lines, ${TILE_CONFIG.test_share * 100} % tested, metric unique opens, min sample ` +
      `${TILE_CONFIG.min_sample} per variant, ${TILE_CONFIG.duration_hours} h window → end`,
  );
  const testers = audience.contacts
    .filter((c) => c.city === AB_CITY)
    .map((contact) => ({ contact, variant: abVariantOf(config, journey.id, AB_TILE, contact.id) }));
  return {
    journeyId: journey.id,
    config,
    emails,
    testers,
    labelByFrom: new Map(AB_LABELS.map((label) => [FROM[label], label])),
  };
}
