import { DateTime } from 'luxon';
import {
  engagementsOf,
  nextWindow,
  parseCondition,
  splitterPathIndex,
  tileEventId,
  triggerTimeoutAt,
  waitUntil,
} from './tile-rules';

const at = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();

describe('splitterPathIndex', () => {
  it('gives a contact the same path every time and fills paths by percentage', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const contact = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const path = splitterPathIndex('journey-1', contact, [20, 30, 50]);
      expect(splitterPathIndex('journey-1', contact, [20, 30, 50])).toBe(path);
      counts[path] = (counts[path] ?? 0) + 1;
    }
    expect(counts[0]! / 20_000).toBeCloseTo(0.2, 1);
    expect(counts[1]! / 20_000).toBeCloseTo(0.3, 1);
    expect(counts[2]! / 20_000).toBeCloseTo(0.5, 1);
  });
});

describe('waits and timeouts honour the time zone and daylight saving', () => {
  it('one day across the spring-forward change in New York is 23 hours', () => {
    const now = at('2026-03-07T12:00:00-05:00');
    expect(waitUntil({ wait_days: 1 }, now, 'America/New_York', null) - now).toBe(23 * 3_600_000);
    expect(triggerTimeoutAt({ timeout_days: 1 }, now, 'America/New_York') - now).toBe(23 * 3_600_000);
  });

  it('reads a date-time without offset as wall time in the journey zone', () => {
    const now = at('2026-06-01T00:00:00Z');
    expect(waitUntil({ until: '2026-07-01T09:00:00' }, now, 'Europe/Oslo', null)).toBe(at('2026-07-01T09:00:00+02:00'));
    expect(triggerTimeoutAt({ timeout_at: '2026-12-01T09:00:00' }, now, 'Europe/Oslo')).toBe(
      at('2026-12-01T09:00:00+01:00'),
    );
  });

  it('finds the next weekday-and-hour window in the contact zone, else the journey zone', () => {
    const friday = at('2026-11-27T15:00:00Z'); // Friday
    // Monday 09:00 in Tokyo
    expect(waitUntil({ weekdays: [1], hour: 9 }, friday, 'UTC', 'Asia/Tokyo')).toBe(at('2026-11-30T09:00:00+09:00'));
    expect(waitUntil({ weekdays: [1], hour: 9 }, friday, 'Europe/Oslo', null)).toBe(at('2026-11-30T09:00:00+01:00'));
    // inside the window: now
    expect(nextWindow(at('2026-11-27T09:30:00Z'), 'UTC', [5], 9)).toBe(at('2026-11-27T09:30:00Z'));
  });
});

describe('engagement and conditions', () => {
  const base = {
    event_id: 'e',
    event_time: 0,
    workspace_id: 'w',
    contact_id: 'c',
    message_id: 'm',
    email_id: 'x',
    email_version: 1,
  };

  it('machine opens and clicks never count', () => {
    expect(engagementsOf({ type: 'click', data: { ...base, link_id: 'l', url: 'u', machine: true } })).toEqual([]);
    expect(engagementsOf({ type: 'open', data: { ...base, machine: true } })).toEqual([]);
    expect(engagementsOf({ type: 'click', data: { ...base, link_id: 'l', url: 'u' } })).toEqual([
      { kind: 'clicked', linkId: 'l' },
    ]);
  });

  // issue 23 item 3: trigger conditions mean what the KPIs of the same name count (docs/kpis.md)
  it('names each event as the KPIs count it', () => {
    const kinds = (event: Parameters<typeof engagementsOf>[0]): string[] => engagementsOf(event).map((e) => e.kind);
    expect(kinds({ type: 'click', data: { ...base, link_id: 'a', url: 'u', link_kind: 'attachment' } })).toEqual([
      'attachment_viewed',
    ]);
    expect(kinds({ type: 'bounce', data: { ...base, bounce_class: 'hard' } })).toEqual(['bounced', 'hard_bounced']);
    expect(kinds({ type: 'bounce', data: { ...base, bounce_class: 'soft' } })).toEqual(['bounced', 'soft_bounced']);
    expect(kinds({ type: 'bounce', data: { ...base, bounce_class: 'other' } })).toEqual(['bounced']);
    expect(kinds({ type: 'complaint', data: { ...base, feedback_type: 'Abuse' } })).toEqual(['complained']);
    expect(kinds({ type: 'complaint', data: { ...base, feedback_type: 'fraud' } })).toEqual(['complained']);
    for (const type of ['not-spam', 'virus', 'other', 'x-unknown'])
      expect(kinds({ type: 'complaint', data: { ...base, feedback_type: type } })).toEqual([]);
    expect(kinds({ type: 'unsubscribe', data: { ...base, method: 'one_click' } })).toEqual(['unsubscribed']);
    expect(kinds({ type: 'send', data: base })).toEqual(['delivered']);
  });

  it('negations and delivered are decided at the timeout', () => {
    expect(parseCondition('clicked_link', 'wp')).toEqual({
      kind: 'clicked',
      linkId: 'wp',
      negated: false,
      decidedAtTimeout: false,
      web: false,
    });
    expect(parseCondition('not_opened')).toMatchObject({ kind: 'opened', negated: true, decidedAtTimeout: true });
    expect(parseCondition('delivered').decidedAtTimeout).toBe(true);
  });

  it('form and page conditions are web conditions; their negations are decided at the timeout', () => {
    expect(parseCondition('form_submitted')).toMatchObject({ kind: 'form_submitted', web: true, negated: false });
    expect(parseCondition('not_page_visited')).toMatchObject({
      kind: 'page_visited',
      web: true,
      decidedAtTimeout: true,
    });
    expect(parseCondition('clicked').web).toBe(false);
  });

  it('derives a UUID-shaped event id from the key, the same on replay', () => {
    expect(tileEventId('tile_inflow', 'j:t:0:c')).toBe(tileEventId('tile_inflow', 'j:t:0:c'));
    expect(tileEventId('tile_inflow', 'j:t:0:c')).not.toBe(tileEventId('tile_processed', 'j:t:0:c'));
    expect(tileEventId('tile_inflow', 'j:t:0:c')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
