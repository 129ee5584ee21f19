import { randomUUID } from 'node:crypto';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import { emailContext } from './event-factory';
import { type TrackedEvent, TrackedEventEncoder } from './tracked-event-encoder';

const codec = new EventCodec();
const encoder = new TrackedEventEncoder(codec);
const token = (extra: Partial<TrackingToken> = {}): TrackingToken => ({
  workspaceId: randomUUID(),
  messageId: randomUUID(),
  contactId: randomUUID(),
  emailId: 'newsletter-7',
  emailVersion: 3,
  sentAt: 1_700_000_000,
  ...extra,
});

describe('TrackedEventEncoder', () => {
  const events: TrackedEvent[] = [
    {
      type: 'open',
      data: {
        ...emailContext(token({ journeyId: randomUUID(), tileId: 't1', iteration: 4 })),
        machine_reason: null,
        user_agent: 'Mozilla/5.0 é',
        country: 'NO',
      },
    },
    {
      type: 'open',
      data: { ...emailContext(token(), true), machine_reason: 'scanner_ua', user_agent: null, country: null },
    },
    {
      type: 'click',
      data: {
        ...emailContext(token({ linkId: 'cta' })),
        link_id: 'cta',
        url: 'https://example.com/?a=1&b=ü',
        link_kind: 'link',
        machine_reason: null,
        user_agent: 'x',
        country: 'BR',
      },
    },
    {
      type: 'click',
      data: {
        ...emailContext(token({ linkId: 'doc' })),
        link_id: 'doc',
        url: 'https://example.com/a.pdf',
        link_kind: 'attachment',
        machine_reason: null,
        user_agent: 'x',
      },
    },
  ];

  it.each(events.map((event) => [event.type, event]))('writes the same bytes as EventCodec (%s)', (_type, event) => {
    const bytes = encoder.encode(event);
    expect(bytes.equals(codec.encode(event))).toBe(true);
    expect(codec.decode(bytes)).toEqual(codec.decode(codec.encode(event)));
    expect(codec.decode(bytes).data).toMatchObject({
      country: (event.data as { country?: string | null }).country ?? null,
    });
  });

  it('leaves out-of-range ints to EventCodec, which refuses them', () => {
    const event: TrackedEvent = {
      type: 'open',
      data: { ...emailContext(token({ emailVersion: 2 ** 40 })), machine_reason: null, user_agent: null },
    };
    expect(() => encoder.encode(event)).toThrow(/invalid "int"/);
  });

  it('returns a buffer of its own, not a view of the scratch buffer', () => {
    const first = encoder.encode(events[0] as TrackedEvent);
    const copy = Buffer.from(first);
    encoder.encode(events[2] as TrackedEvent);
    expect(first.equals(copy)).toBe(true);
  });
});
