import { DEFAULT_EGRESS_POLICY } from '../../../lib/platform/egress/egress-policy';
import { checkJourney, type JourneyCheckContext } from './journey-check';
import type { JourneyGraph, JourneySettings, Tile } from '../../../lib/domain/journeys/journey-graph';

const ctx: JourneyCheckContext = {
  emailStatus: new Map([
    ['e-live', 'live'],
    ['e-draft', 'draft'],
  ]),
  segmentIds: new Set(['s1', 's2']),
  userIds: new Set(['u1']),
  egress: DEFAULT_EGRESS_POLICY,
};

const settings: JourneySettings = {
  target: 'contacts',
  start_at: '2026-01-01T00:00:00Z',
  end_at: '2026-03-01T00:00:00Z',
  time_zone: 'Europe/Oslo',
  min_consent: 0,
};

const tiles = (): Tile[] => [
  { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: ['s1'] } },
  { id: 'mail', type: 'email', next: ['trig'], config: { email_id: 'e-live' } },
  {
    id: 'trig',
    type: 'trigger',
    next: ['split', 'end'],
    config: { email_tile_id: 'mail', condition: 'clicked', timeout_days: 7 },
  },
  { id: 'split', type: 'splitter', next: ['task', 'end'], config: { percentages: [50, 50] } },
  { id: 'task', type: 'activity', next: ['end'], config: { kind: 'phone_call', subject: 'Call' } },
  { id: 'end', type: 'end' },
];

const withTile = (id: string, change: Partial<Tile>): JourneyGraph => ({
  tiles: tiles().map((tile) => (tile.id === id ? { ...tile, ...change } : tile)),
});

describe('checkJourney', () => {
  it('accepts a valid journey', () => {
    expect(checkJourney({ tiles: tiles() }, settings, ctx)).toEqual([]);
  });

  it.each<[string, JourneyGraph, JourneySettings, string, RegExp]>([
    ['a cycle', withTile('task', { next: ['mail'] }), settings, 'graph.tiles.mail', /cycle/],
    [
      'an unreachable tile',
      { tiles: [...tiles(), { id: 'lost', type: 'end' }] },
      settings,
      'graph.tiles.lost',
      /unreachable/,
    ],
    ['a draft email', withTile('mail', { config: { email_id: 'e-draft' } }), settings, 'graph.tiles.mail', /is draft/],
    [
      'a missing email',
      withTile('mail', { config: { email_id: 'nope' } }),
      settings,
      'graph.tiles.mail',
      /does not exist/,
    ],
    [
      'a trigger naming no earlier email',
      withTile('trig', { config: { email_tile_id: 'task', condition: 'opened', timeout_days: 1 } }),
      settings,
      'graph.tiles.trig',
      /earlier/,
    ],
    [
      'splitter not summing to 100',
      withTile('split', { config: { percentages: [50, 40] } }),
      settings,
      'graph.tiles.split',
      /sum to 90/,
    ],
    ['an unknown next', withTile('task', { next: ['ghost'] }), settings, 'graph.tiles.task', /ghost/],
    [
      'an activity owner who is no user of the workspace',
      withTile('task', { config: { subject: 'Call', owner_id: 'u-other' } }),
      settings,
      'graph.tiles.task',
      /config.owner_id "u-other" is not a user of this workspace/,
    ],
    [
      'a create-lead owner who is no user of the workspace',
      withTile('task', { type: 'create_lead', config: { owner_id: 42 } }),
      settings,
      'graph.tiles.task',
      /config.owner_id 42 is not a user/,
    ],
    [
      'an unknown segment',
      withTile('seg', { config: { segment_ids: ['s9'] } }),
      settings,
      'graph.tiles.seg',
      /segment s9/,
    ],
    [
      'recurrence outside the window',
      { tiles: tiles() },
      { ...settings, recurring: { interval_days: 30, count: 3 } },
      'settings.recurring',
      /90 days/,
    ],
    [
      'end before start',
      { tiles: tiles() },
      { ...settings, end_at: '2025-01-01T00:00:00Z' },
      'settings.end_at',
      /after the start/,
    ],
    ['a bad time zone', { tiles: tiles() }, { ...settings, time_zone: 'Mars/Base' }, 'settings.time_zone', /Mars/],
    ['no segment tile', { tiles: [{ id: 'end', type: 'end' }] }, settings, 'graph.tiles', /segment tile/],
    // issue 20 defect 1: a webhook aimed at an internal port (ClickHouse's HTTP interface) or a loopback name
    [
      'a webhook on loopback',
      withTile('task', {
        type: 'launch_workflow',
        config: { workflow: 'x', url: 'http://127.0.0.1:8123/?query=%2F*' },
      }),
      settings,
      'graph.tiles.task',
      /config\.url .*port 8123/,
    ],
    [
      'a webhook on localhost',
      withTile('task', { type: 'launch_workflow', config: { workflow: 'x', url: 'http://localhost/' } }),
      settings,
      'graph.tiles.task',
      /localhost \(loopback\).*egress policy refuses/,
    ],
    [
      'a webhook on the metadata address',
      withTile('task', { type: 'launch_workflow', config: { workflow: 'x', url: 'http://169.254.169.254/latest' } }),
      settings,
      'graph.tiles.task',
      /linkLocal/,
    ],
  ])('reports %s naming the tile or setting', (_name, graph, journeySettings, field, message) => {
    const issues = checkJourney(graph, journeySettings, ctx);
    expect(issues).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
  });

  it('accepts a webhook on a public name (its address is checked when it is sent)', () => {
    expect(
      checkJourney(
        withTile('task', {
          type: 'launch_workflow',
          config: { workflow: 'x', url: 'https://hooks.example.com/cairn' },
        }),
        settings,
        ctx,
      ),
    ).toEqual([]);
  });

  // issue 23 item 7: the engine took only the first of several next tiles and nothing reported the rest
  describe('a segment tile names exactly one next tile', () => {
    const segmentNext = (next: string[] | undefined): JourneyGraph =>
      next === undefined
        ? { tiles: tiles().map((tile) => (tile.id === 'seg' ? { ...tile, next: undefined } : tile)) }
        : withTile('seg', { next });

    it('accepts one next tile', () => {
      expect(checkJourney(segmentNext(['mail']), settings, ctx)).toEqual([]);
    });

    it.each<[string, string[] | undefined, RegExp]>([
      [
        'two next tiles',
        ['mail', 'end'],
        /^tile "seg" \(segment\): needs exactly one next tile, next names 2 tiles \(mail, end\)/,
      ],
      ['the same next tile twice', ['mail', 'mail'], /next names 2 tiles \(mail, mail\)/],
      ['an empty next', [], /^tile "seg" \(segment\): needs exactly one next tile, next is empty/],
      ['no next at all', undefined, /needs exactly one next tile, next is empty/],
    ])('reports %s on the segment tile', (_name, next, message) => {
      const issues = checkJourney(segmentNext(next), settings, ctx);
      expect(issues).toContainEqual({ field: 'graph.tiles.seg', message: expect.stringMatching(message) });
      expect(issues.filter((found) => /next tile/.test(found.message))).toHaveLength(1);
    });
  });

  it('reports every other single-path tile that names more next tiles than it can follow', () => {
    const issues = checkJourney(withTile('mail', { next: ['trig', 'end'] }), settings, ctx).concat(
      checkJourney(withTile('task', { next: ['end', 'split'] }), settings, ctx),
    );
    expect(issues).toContainEqual({
      field: 'graph.tiles.mail',
      message: expect.stringMatching(/^tile "mail" \(email\): needs at most one next tile, next names 2 tiles/),
    });
    expect(issues).toContainEqual({
      field: 'graph.tiles.task',
      message: expect.stringMatching(/^tile "task" \(activity\): needs at most one next tile/),
    });
    // An email or activity tile may end a path.
    expect(checkJourney(withTile('task', { next: [] }), settings, ctx)).toEqual([]);
  });

  it('accepts an owner who is a user of the workspace', () => {
    expect(checkJourney(withTile('task', { config: { subject: 'Call', owner_id: 'u1' } }), settings, ctx)).toEqual([]);
    expect(checkJourney(withTile('task', { type: 'create_lead', config: { owner_id: 'u1' } }), settings, ctx)).toEqual(
      [],
    );
  });

  it('accepts a recurrence that fits the window', () => {
    expect(checkJourney({ tiles: tiles() }, { ...settings, recurring: { interval_days: 19, count: 3 } }, ctx)).toEqual(
      [],
    );
  });
});
