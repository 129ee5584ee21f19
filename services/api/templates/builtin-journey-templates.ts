/**
 * The built-in journey templates (docs/api.md#templates): each a graph the journey check accepts once its
 * segment tile names a segment or list, its email tiles name live emails and the settings have dates. Those
 * belong to a workspace, so the templates leave them empty (docs/scheduler.md#tiles has every tile's config).
 */
import type { Tile } from '../../../lib/domain/journeys/journey-graph';
import type { BuiltInTemplate } from './template-types';

const audience: Tile = { id: 'audience', type: 'segment', next: [], config: { segment_ids: [], combine: 'union' } };
const from = (next: string): Tile => ({ ...audience, next: [next] });
const email = (id: string, next: string[]): Tile => ({ id, type: 'email', next, config: {} });
const end: Tile = { id: 'end', type: 'end' };
/** Waits `days` for a click in the email of `emailTile`: next = [clicked, timed out]. */
const clickedWithin = (id: string, emailTile: string, days: number, next: [string, string]): Tile => ({
  id,
  type: 'trigger',
  next,
  config: { email_tile_id: emailTile, condition: 'clicked', timeout_days: days },
});
const settings = { target: 'contacts', time_zone: 'UTC', min_consent: 0 } as const;

export const BUILT_IN_JOURNEY_TEMPLATES: readonly BuiltInTemplate[] = [
  {
    id: 'builtin-journey-welcome-series',
    kind: 'journey',
    name: 'Welcome series',
    description:
      'Welcome new contacts: a welcome email, three days later a getting-started email. Fill in the audience segment and the emails of tiles "welcome" and "getting_started".',
    definition: {
      graph: {
        tiles: [
          from('welcome'),
          email('welcome', ['wait']),
          { id: 'wait', type: 'scheduler', next: ['getting_started'], config: { wait_days: 3 } },
          email('getting_started', ['end']),
          end,
        ],
      },
      settings,
    },
  },
  {
    id: 'builtin-journey-re-engagement',
    kind: 'journey',
    name: 'Re-engagement',
    description:
      'Win back inactive contacts: a we-miss-you email; who clicks within 7 days is done, the others get a last-chance email. Fill in the audience segment and the emails of tiles "we_miss_you" and "last_chance".',
    definition: {
      graph: {
        tiles: [
          from('we_miss_you'),
          email('we_miss_you', ['clicked']),
          clickedWithin('clicked', 'we_miss_you', 7, ['end', 'last_chance']),
          email('last_chance', ['end']),
          end,
        ],
      },
      settings,
    },
  },
  {
    id: 'builtin-journey-event-invitation',
    kind: 'journey',
    name: 'Event invitation',
    description:
      'Invite contacts to an event: who clicks the invitation within 5 days becomes a lead, the others get a reminder. Fill in the audience segment and the emails of tiles "invitation" and "reminder".',
    definition: {
      graph: {
        tiles: [
          from('invitation'),
          email('invitation', ['registered']),
          clickedWithin('registered', 'invitation', 5, ['lead', 'reminder']),
          { id: 'lead', type: 'create_lead', next: ['end'], config: { title: 'Event registrant' } },
          email('reminder', ['end']),
          end,
        ],
      },
      settings,
    },
  },
];
