import type { EmailEvent, EmailEventPayloads, EmailEventType } from '../../lib/contracts/events/event-types';
import type { JourneyGoal } from '../../lib/domain/journeys/journey-graph';
import { goalIteration } from './journey-goal';
import { runtimeOf } from './journey-runtime';

const JOURNEY = '1f0e4a9c-3b2d-4c5e-8f71-2a6b9c0d1e23';
const FORM = '5b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4';
const START = Date.parse('2027-01-01T00:00:00Z');
const journey = runtimeOf({
  id: JOURNEY,
  workspace_id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  status: 'live',
  graph: { tiles: [] },
  settings: {
    target: 'contacts',
    start_at: '2027-01-01T00:00:00Z',
    end_at: '2027-02-01T00:00:00Z',
    time_zone: 'UTC',
    min_consent: 0,
  },
});

function event<T extends EmailEventType>(type: T, payload: EmailEventPayloads[T], at = START + 1000): EmailEvent {
  const data = {
    event_id: 'e',
    event_time: at,
    workspace_id: journey.row.workspace_id,
    contact_id: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    message_id: 'm',
    email_id: 'em',
    email_version: 1,
    journey_id: JOURNEY,
    tile_id: 'mail',
    iteration: 0,
    ...payload,
  };
  return { type, data } as EmailEvent;
}

const click = (linkId: string, extra: Partial<EmailEventPayloads['click']> = {}, at?: number) =>
  event('click', { link_id: linkId, url: 'https://example.com/', ...extra }, at);
const goal = (g: Partial<JourneyGoal>): JourneyGoal => ({ event: 'clicked_link', target_share: 0.5, exit: true, ...g });

describe('goalIteration (docs/scheduler.md#goal)', () => {
  it('a click in the journey, on the tile and link the goal names, within the journey time', () => {
    expect(goalIteration(journey, goal({}), click('a'))).toBe(0);
    expect(goalIteration(journey, goal({ email_tile_id: 'mail', link_id: 'a' }), click('a'))).toBe(0);
    expect(goalIteration(journey, goal({ link_id: 'b' }), click('a'))).toBeNull();
    expect(goalIteration(journey, goal({ email_tile_id: 'other' }), click('a'))).toBeNull();
    expect(goalIteration(journey, goal({}), click('a', { link_kind: 'attachment' }))).toBeNull();
    expect(goalIteration(journey, goal({}), click('a', {}, START - 1))).toBeNull();
    expect(goalIteration(journey, goal({}), click('a', {}, Date.parse('2027-02-01T00:00:00Z')))).toBeNull();
    const elsewhere = click('a');
    elsewhere.data.journey_id = '2f0e4a9c-3b2d-4c5e-8f71-2a6b9c0d1e23';
    expect(goalIteration(journey, goal({}), elsewhere)).toBeNull();
  });

  it('a submission of the form, a lead, an event of the type', () => {
    const submitted = event('form_submitted', {
      submission_id: 's',
      form_id: FORM.toUpperCase(),
      form_version: 1,
      contact_outcome: 'updated',
      lead_outcome: 'none',
    });
    expect(goalIteration(journey, goal({ event: 'form_submitted', form_id: FORM }), submitted)).toBe(0);
    expect(goalIteration(journey, goal({ event: 'form_submitted', form_id: JOURNEY }), submitted)).toBeNull();
    const lead = event('lead_generated', { lead_id: 'l' });
    expect(goalIteration(journey, goal({ event: 'lead_generated' }), lead)).toBe(0);
    expect(goalIteration(journey, goal({ event: 'lead_generated' }), submitted)).toBeNull();
    const open = event('open', {});
    expect(goalIteration(journey, goal({ event: 'event', event_type: 'open' }), open)).toBe(0);
    expect(goalIteration(journey, goal({ event: 'event', event_type: 'send' }), open)).toBeNull();
  });
});
