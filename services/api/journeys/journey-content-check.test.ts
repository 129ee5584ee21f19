import type { JourneyGraph, JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import { contentSettingsIssues, type ContentCheckContext } from './journey-content-check';

const row = (id: string, change: Partial<{ subscription_center_url: string; forward_url: string }> = {}) => ({
  id,
  name: id,
  subscription_center_url: 'https://prefs.example.com/c',
  forward_url: '',
  postal_address: '1 Main St',
  is_default: false,
  ...change,
});

const graph: JourneyGraph = {
  tiles: [
    { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: ['s1'] } },
    { id: 'mail', type: 'email', next: ['fwd'], config: { email_id: 'e-plain' } },
    { id: 'fwd', type: 'email', next: [], config: { email_id: 'e-forward' } },
  ],
};

const settings = (content_settings_id: string | null = null): JourneySettings => ({
  target: 'contacts',
  start_at: '2026-01-01T00:00:00Z',
  end_at: '2026-03-01T00:00:00Z',
  time_zone: 'Europe/Oslo',
  min_consent: 0,
  content_settings_id,
});

const ctx = (rows: ReturnType<typeof row>[], defaultId: string | null, versionSettings: string | null = null) =>
  ({
    contents: new Map(rows.map((r) => [r.id, r])),
    defaultId,
    liveVersions: new Map([
      ['e-plain', { content_settings_id: versionSettings, has_forward: false }],
      ['e-forward', { content_settings_id: versionSettings, has_forward: true }],
    ]),
  }) satisfies ContentCheckContext;

describe('contentSettingsIssues (journey go-live)', () => {
  it("picks the journey's settings, else the version's, else the default, and names the tile and field", () => {
    const good = row('good', { forward_url: 'https://fwd.example.com/' });
    expect(contentSettingsIssues(graph, settings('good'), ctx([good, row('plain')], 'plain'))).toEqual([]);
    expect(contentSettingsIssues(graph, settings(), ctx([good, row('plain')], 'plain', 'good'))).toEqual([]);
    expect(contentSettingsIssues(graph, settings(), ctx([good, row('plain')], 'plain'))).toEqual([
      {
        field: 'graph.tiles.fwd.content_settings.forward_url',
        message:
          'tile "fwd" (email): content settings "plain" (plain): forward_url is empty, and the email links to forward to a friend',
      },
    ]);
  });

  it('refuses no settings, settings of no such id (another workspace) and an unusable subscription-center URL', () => {
    expect(contentSettingsIssues(graph, settings(), ctx([], null)).map((i) => i.field)).toEqual([
      'graph.tiles.mail.content_settings',
      'graph.tiles.fwd.content_settings',
    ]);
    expect(contentSettingsIssues(graph, settings('elsewhere'), ctx([row('d')], 'd'))).toEqual([
      { field: 'settings.content_settings_id', message: 'content settings elsewhere do not exist in this workspace' },
    ]);
    const merged = row('m', { subscription_center_url: 'https://x.example/{{contact.id}}', forward_url: 'ftp://f' });
    expect(contentSettingsIssues(graph, settings('m'), ctx([merged], null)).map((i) => i.field)).toEqual([
      'graph.tiles.mail.content_settings.subscription_center_url',
      'graph.tiles.fwd.content_settings.subscription_center_url',
      'graph.tiles.fwd.content_settings.forward_url',
    ]);
  });
});
