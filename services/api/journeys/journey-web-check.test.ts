import { DEFAULT_EGRESS_POLICY } from '../../../lib/platform/egress/egress-policy';
import type { JourneyGraph, JourneySettings, Tile } from '../../../lib/domain/journeys/journey-graph';
import { checkJourney, type JourneyCheckContext } from './journey-check';

const FORM_LIVE = 'a1111111-1111-4111-8111-11111111111a';
const FORM_DRAFT = '22222222-2222-4222-8222-222222222222';
const PAGE = '33333333-3333-4333-8333-333333333333';
const UNKNOWN = '44444444-4444-4444-8444-444444444444';

const ctx: JourneyCheckContext = {
  emailStatus: new Map([['e-live', 'live']]),
  segmentIds: new Set(['s1']),
  userIds: new Set(),
  egress: DEFAULT_EGRESS_POLICY,
  formStatus: new Map([
    [FORM_LIVE, 'live'],
    [FORM_DRAFT, 'draft'],
  ]),
  pageStatus: new Map([[PAGE, 'draft']]),
};

const settings: JourneySettings = {
  target: 'contacts',
  start_at: '2026-01-01T00:00:00Z',
  end_at: '2026-03-01T00:00:00Z',
  time_zone: 'UTC',
  min_consent: 0,
};

/** form tile → welcome email → trigger on a form or page → two ends. */
const inbound = (form: unknown, trigger: Record<string, unknown>): JourneyGraph => ({
  tiles: [
    { id: 'signup', type: 'form', next: ['welcome'], config: { form_id: form } },
    { id: 'welcome', type: 'email', next: ['waits'], config: { email_id: 'e-live' } },
    { id: 'waits', type: 'trigger', next: ['yes', 'no'], config: { timeout_days: 3, ...trigger } },
    { id: 'yes', type: 'end' },
    { id: 'no', type: 'end' },
  ],
});

describe('the error check of inbound journeys (docs/scheduler.md#inbound-journeys)', () => {
  it('accepts a form tile on a live form and form and page triggers without an email tile', () => {
    for (const trigger of [
      { condition: 'form_submitted', form_id: FORM_DRAFT },
      { condition: 'not_form_submitted', form_id: FORM_LIVE },
      { condition: 'page_visited', page_id: PAGE },
      { condition: 'not_page_visited', page_id: PAGE },
    ])
      expect([trigger, checkJourney(inbound(FORM_LIVE, trigger), settings, ctx)]).toEqual([trigger, []]);
  });

  it('names graph.tiles[i].config.form_id for a form that is not live, unknown or not an id', () => {
    const trigger = { condition: 'page_visited', page_id: PAGE };
    for (const [form, message] of [
      [FORM_DRAFT, /is draft; make it live/],
      [UNKNOWN, /does not exist in this workspace/],
      ['<script>', /must be the id \(a lowercase uuid\) of a form/],
      [FORM_LIVE.toUpperCase(), /must be the id \(a lowercase uuid\) of a form/],
      [undefined, /must be the id .* of a form/],
    ] as const)
      expect(checkJourney(inbound(form, trigger), settings, ctx)).toEqual([
        { field: 'graph.tiles[0].config.form_id', message: expect.stringMatching(message) },
      ]);
  });

  it('names graph.tiles[i].config.page_id and form_id for a trigger on an unknown page or form', () => {
    expect(checkJourney(inbound(FORM_LIVE, { condition: 'page_visited', page_id: UNKNOWN }), settings, ctx)).toEqual([
      { field: 'graph.tiles[2].config.page_id', message: expect.stringMatching(/page .* does not exist/) },
    ]);
    expect(checkJourney(inbound(FORM_LIVE, { condition: 'not_form_submitted' }), settings, ctx)).toEqual([
      { field: 'graph.tiles[2].config.form_id', message: expect.stringMatching(/must be the id .* of a form/) },
    ]);
  });

  it('treats a form tile as an entry: it follows no tile and names exactly one next tile', () => {
    const graph = inbound(FORM_LIVE, { condition: 'page_visited', page_id: PAGE });
    const tiles = graph.tiles as Tile[];
    tiles[0] = { ...tiles[0]!, next: ['welcome', 'yes'] };
    tiles[3] = { id: 'yes', type: 'end' };
    tiles.push({ id: 'loop', type: 'splitter', next: ['signup', 'no'], config: { percentages: [50, 50] } });
    const messages = checkJourney(graph, settings, ctx).map((i) => i.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/"signup" \(form\): needs exactly one next tile.*an entry tile starts one path/),
        expect.stringMatching(/"signup" \(form\): a form tile starts the journey and cannot follow another tile/),
      ]),
    );
  });
});

describe('the error check of lead score triggers (docs/lead-scoring.md#trigger)', () => {
  const MODEL_LIVE = '55555555-5555-4555-8555-555555555555';
  const MODEL_DRAFT = '66666666-6666-4666-8666-666666666666';
  const withModels: JourneyCheckContext = {
    ...ctx,
    modelStatus: new Map([
      [MODEL_LIVE, 'live'],
      [MODEL_DRAFT, 'draft'],
    ]),
  };
  const fields = (trigger: Record<string, unknown>) =>
    checkJourney(inbound(FORM_LIVE, trigger), settings, withModels).map((issue) => issue.field);

  it('accepts a live model without an email tile, with or without min_score', () => {
    expect(fields({ condition: 'lead_score', model_id: MODEL_LIVE })).toEqual([]);
    expect(fields({ condition: 'not_lead_score', model_id: MODEL_LIVE, min_score: 50 })).toEqual([]);
  });

  it('names the model that is not live or unknown, and a min_score out of range', () => {
    expect(fields({ condition: 'lead_score', model_id: MODEL_DRAFT })).toEqual(['graph.tiles[2].config.model_id']);
    expect(fields({ condition: 'lead_score', model_id: UNKNOWN })).toEqual(['graph.tiles[2].config.model_id']);
    expect(fields({ condition: 'lead_score', model_id: MODEL_LIVE, min_score: 0 })).toEqual(['graph.tiles.waits']);
  });
});
