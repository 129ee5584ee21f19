import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { SUMMER_TIME } from './dashboard-stream.fixture';

/*
 * Lead score crossings for the lead scoring dashboard, in a workspace of their own (no other dashboard lists it):
 * model m1 crossed by lc1 (its event relayed twice: once) under version 1 and lc2 under version 2, model m2 by lc1.
 * What each panel must answer is written from the definitions (docs/kpis.md#lead-scoring).
 */
const crossing = (id: string, contact: string, model: string, version: number, score: number, minutes: number): CairnEvent => ({
  type: 'lead_score_crossed',
  data: {
    event_id: id, event_time: SUMMER_TIME + minutes * 60_000, workspace_id: 'wsls', contact_id: contact, message_id: '', email_id: '', email_version: 0,
    journey_id: null, tile_id: null, iteration: 0, machine: false, model_id: model, model_version: version,
    score_milli: score, threshold_milli: 30_000, crossing_event_id: `e-${id}`,
  },
});

export const leadScoringStream = (): CairnEvent[] => [
  crossing('x1', 'lc1', 'm1', 1, 31_500, 0),
  crossing('x1', 'lc1', 'm1', 1, 31_500, 0),
  crossing('x2', 'lc2', 'm1', 2, 40_000, 10),
  crossing('x3', 'lc1', 'm2', 1, 30_000, 20),
];

export const LEAD_SCORING_VARIABLES = { workspace_id: 'wsls', model_id: 'm1' };

export const LEAD_SCORING: Record<string, Record<string, string | number>[]> = {
  'variable workspace_id': [{ value: 'wsls', label: 'wsls' }],
  'variable model_id': [{ value: 'm1', label: 'm1' }, { value: 'm2', label: 'm2' }],
  'Sales-ready': [{ Crossed: 2, Contacts: 2, Versions: 2 }],
  'Crossings over time': [{ time: '2026-04-01 00:00:00', crossed: 2 }],
  'Latest crossings': [
    { time: '2026-04-01 10:10:00', contact: 'lc2', version: 2, score: 40, threshold: 30 },
    { time: '2026-04-01 10:00:00', contact: 'lc1', version: 1, score: 31.5, threshold: 30 },
  ],
};
