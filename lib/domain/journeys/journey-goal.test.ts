import { goalIssues } from './journey-goal';
import type { JourneyGoal, JourneyGraph } from './journey-graph';

const graph: JourneyGraph = {
  tiles: [
    { id: 'seg', type: 'segment', next: ['mail'] },
    { id: 'mail', type: 'email', next: ['end'] },
    { id: 'end', type: 'end' },
  ],
};
const fields = (goal: unknown, ctx = {}): string[] =>
  goalIssues(goal as JourneyGoal, graph, ctx).map((issue) => issue.field);

describe('goalIssues (docs/scheduler.md#goal)', () => {
  it('accepts no goal and well-formed goals', () => {
    expect(fields(null)).toEqual([]);
    expect(
      fields({ event: 'clicked_link', email_tile_id: 'mail', link_id: 'offer', target_share: 1, exit: true }),
    ).toEqual([]);
    expect(fields({ event: 'lead_generated', target_share: 0.05, exit: false })).toEqual([]);
    expect(fields({ event: 'event', event_type: 'open', target_share: 0.3, exit: false })).toEqual([]);
    const form = '7d3c1a52-5a0e-4d7b-9f43-1c0b6a5f2e11';
    expect(
      fields({ event: 'form_submitted', form_id: form, target_share: 0.3, exit: true }, { goalFormStatus: 'live' }),
    ).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(fields({ event: 'opened', target_share: 0.5, exit: true })).toEqual(['settings.goal.event']);
    expect(fields({ event: 'clicked_link', email_tile_id: 'seg', target_share: 0.5, exit: true })).toEqual([
      'settings.goal.email_tile_id',
    ]);
    expect(fields({ event: 'clicked_link', link_id: 'a b', target_share: 0.5, exit: true })).toEqual([
      'settings.goal.link_id',
    ]);
    expect(fields({ event: 'form_submitted', form_id: 'not-a-uuid', target_share: 0.5, exit: true })).toEqual([
      'settings.goal.form_id',
    ]);
    expect(fields({ event: 'event', event_type: 'tile_inflow', target_share: 0.5, exit: true })).toEqual([
      'settings.goal.event_type',
    ]);
    expect(fields({ event: 'lead_generated', form_id: null, link_id: 'x', target_share: 0, exit: 'yes' })).toEqual([
      'settings.goal.link_id',
      'settings.goal.target_share',
      'settings.goal.exit',
    ]);
    expect(fields({ event: 'lead_generated', target_share: 1.01, exit: true })).toEqual(['settings.goal.target_share']);
  });

  it('refuses a clicked_link goal on a journey without an email tile', () => {
    const noMail: JourneyGraph = {
      tiles: [
        { id: 'seg', type: 'segment', next: ['end'] },
        { id: 'end', type: 'end' },
      ],
    };
    expect(goalIssues({ event: 'clicked_link', target_share: 0.5, exit: true }, noMail, {})).toEqual([
      { field: 'settings.goal.event', message: 'a clicked_link goal needs an email tile in the journey' },
    ]);
  });
});
