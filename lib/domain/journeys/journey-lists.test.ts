import type { JourneyGraph } from './journey-graph';
import { protectedListIds, unsubscribedProbeSql } from './journey-lists';

const L1 = '00000000-0000-4000-8000-000000000001';
const L2 = '00000000-0000-4000-8000-000000000002';
const L3 = '00000000-0000-4000-8000-000000000003';

const graph = (...tiles: JourneyGraph['tiles']): JourneyGraph => ({ tiles });

describe('protectedListIds (docs/scheduler.md#blocking)', () => {
  it('is the lists the segment tiles target, with no settings.list_id', () => {
    const g = graph(
      { id: 'seg', type: 'segment', next: ['end'], config: { segment_ids: [], list_ids: [L2, L1] } },
      { id: 'end', type: 'end' },
    );
    expect(protectedListIds(g, {})).toEqual([L1, L2]);
  });

  it('adds settings.list_id, every segment tile counts, and each list appears once', () => {
    const g = graph(
      { id: 'a', type: 'segment', next: ['end'], config: { list_ids: [L1] } },
      { id: 'b', type: 'segment', next: ['end'], config: { segment_ids: ['s'], list_ids: [L1, L3] } },
      { id: 'end', type: 'end' },
    );
    expect(protectedListIds(g, { list_id: L2 })).toEqual([L1, L2, L3]);
  });

  it('ignores list ids on other tiles and malformed configs', () => {
    const g = graph(
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: ['s'], list_ids: 'nope' } },
      { id: 'mail', type: 'email', next: ['end'], config: { email_id: 'e', list_ids: [L3] } },
      { id: 'odd', type: 'segment', config: { list_ids: [42, L1] } },
      { id: 'end', type: 'end' },
    );
    expect(protectedListIds(g, { list_id: null })).toEqual([L1]);
    expect(protectedListIds(null, undefined)).toEqual([]);
    expect(protectedListIds(graph(), { list_id: L2 })).toEqual([L2]);
  });
});

describe('unsubscribedProbeSql', () => {
  it("counts only the contact's own unsubscribe, never a removal by hand", () => {
    const sql = unsubscribedProbeSql('$2::uuid[]', 'x.id');
    expect(sql).toContain('u.list_id = ANY($2::uuid[]) AND u.contact_id = x.id');
    expect(sql).toContain('u.unsubscribed_at IS NOT NULL AND NOT u.removed_by_hand');
    expect(sql).toContain('LIMIT 1');
  });
});
