import { bestDeliveryTime } from './best-time';

const at = (iso: string): Date => new Date(iso);
const suggest = (zone: string | null, iso: string) => bestDeliveryTime([zone], at(iso));

describe('best delivery time', () => {
  it('says send now inside 08:00–17:00 on a weekday in the recipient zone, whatever the sender time', () => {
    // 15:00 UTC on Wednesday 2026-03-04 is 10:00 in New York and 16:00 in Oslo: both working hours
    expect(suggest('America/New_York', '2026-03-04T15:00:00Z')).toMatchObject({
      suggestion: 'send_now',
      localNow: '2026-03-04T10:00:00-05:00',
    });
    expect(suggest('Europe/Oslo', '2026-03-04T15:00:00Z').suggestion).toBe('send_now');
    // the same instant is 00:00 Thursday in Tokyo: next working hour is 08:00 the same day
    expect(suggest('Asia/Tokyo', '2026-03-04T15:00:00Z')).toMatchObject({
      suggestion: 'send_at',
      localSendAt: '2026-03-05T08:00:00+09:00',
      sendAt: '2026-03-04T23:00:00Z',
    });
  });

  it('moves evenings to the next morning and weekends to Monday 08:00', () => {
    expect(suggest('Europe/Oslo', '2026-03-04T16:00:00Z')).toMatchObject({ localSendAt: '2026-03-05T08:00:00+01:00' }); // 17:00 sharp is after hours
    expect(suggest('Europe/Oslo', '2026-03-04T06:30:00Z')).toMatchObject({ localSendAt: '2026-03-04T08:00:00+01:00' }); // 07:30, same day
    expect(suggest('Europe/Oslo', '2026-03-06T17:00:00Z')).toMatchObject({ localSendAt: '2026-03-09T08:00:00+01:00' }); // Friday 18:00
    expect(suggest('Europe/Oslo', '2026-03-07T11:00:00Z')).toMatchObject({ localSendAt: '2026-03-09T08:00:00+01:00' }); // Saturday
    expect(suggest('Pacific/Auckland', '2026-03-06T22:00:00Z')).toMatchObject({
      localSendAt: '2026-03-09T08:00:00+13:00',
    }); // Saturday 11:00 there
  });

  it('is right across daylight-saving changes and half-hour zones', () => {
    // Saturday 2026-03-28 evening in Oslo; clocks go forward on Sunday: Monday 08:00 is +02:00 (06:00 UTC)
    expect(suggest('Europe/Oslo', '2026-03-28T20:00:00Z')).toMatchObject({
      localSendAt: '2026-03-30T08:00:00+02:00',
      sendAt: '2026-03-30T06:00:00Z',
    });
    // US clocks go back on Sunday 2026-11-01: Monday 08:00 in New York is 13:00 UTC, not 12:00
    expect(suggest('America/New_York', '2026-10-31T15:00:00Z')).toMatchObject({
      localSendAt: '2026-11-02T08:00:00-05:00',
      sendAt: '2026-11-02T13:00:00Z',
    });
    // India (+05:30) and Nepal (+05:45): the local hour decides
    expect(suggest('Asia/Kolkata', '2026-03-04T11:29:00Z').suggestion).toBe('send_now'); // 16:59
    expect(suggest('Asia/Kathmandu', '2026-03-04T11:15:00Z')).toMatchObject({
      localSendAt: '2026-03-05T08:00:00+05:45',
    }); // 17:00
  });

  it('gives no suggestion for several recipients, none, or an unknown time zone', () => {
    expect(bestDeliveryTime(['Europe/Oslo', 'Europe/Oslo'], new Date())).toEqual({
      suggestion: 'none',
      reason: 'several_recipients',
    });
    expect(bestDeliveryTime([], new Date())).toEqual({ suggestion: 'none', reason: 'no_recipient' });
    expect(suggest(null, '2026-03-04T15:00:00Z')).toEqual({ suggestion: 'none', reason: 'unknown_time_zone' });
    expect(suggest('Mars/Olympus_Mons', '2026-03-04T15:00:00Z')).toEqual({
      suggestion: 'none',
      reason: 'unknown_time_zone',
    });
  });
});
