import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { CairnError } from '../../platform/errors';
import { EventCodec } from './event-codec';
import { ALL_EVENT_TYPES, type CairnEvent, type EventType } from './event-types';

const codec = new EventCodec();

const email = { message_id: 'm-1', email_id: 'e-1', email_version: 3, journey_id: 'j-1', tile_id: 't-1', iteration: 2 };
const web = {
  website_id: 'w-1',
  page_path: '/spring',
  title: 'Spring',
  referrer_host: 'news.example',
  visitor_id: 'v-1',
  view_id: 'view-1',
};
const journey = { journey_id: 'j-1', tile_id: 't-1', tile_type: 'email', iteration: 1 };
const extras: Record<EventType, Record<string, unknown>> = {
  send: { ...email, recipient_domain: 'example.com' },
  blocked: { ...email, reason: 'do_not_bulk_email' },
  bounce: { ...email, bounce_class: 'hard', smtp_code: 550, enhanced_status: '5.1.1', diagnostic: 'user unknown' },
  open: { ...email, machine: true, machine_reason: 'apple_mpp', country: 'DE' },
  click: { ...email, link_id: 'l-1', url: 'https://example.com/a', link_kind: 'attachment', country: 'JP' },
  forward: { ...email, friend_count: 2 },
  forward_blocked: { ...email, reason: 'suppressed_complaint', original_message_id: 'm-0' },
  unsubscribe: { ...email, method: 'one_click', list_ids: ['list-1'] },
  subscription_submitted: { ...email, changed: true },
  complaint: { ...email, feedback_type: 'abuse' },
  sending_failed: { ...email, error_code: 'SMTP_TIMEOUT' },
  lead_generated: { ...email, lead_id: 'lead-1', origin: 'landing_page' },
  form_submitted: {
    ...email,
    submission_id: 's-1',
    form_id: 'f-1',
    form_version: 2,
    page_id: 'p-1',
    page_version: 1,
    contact_outcome: 'created',
    lead_outcome: 'created',
    confirmation_pending: true,
    country: 'FR',
  },
  page_visited: { ...email, message_id: '', email_id: '', visitor_id: 'v-1', page_id: 'p-1', page_version: 1 },
  redirect_clicked: {
    ...{ contact_id: '', message_id: '', email_id: '', email_version: 0, machine: true, machine_reason: 'head' },
    ...{ user_agent_class: 'mobile', country: 'BR', redirect_url_id: 'r-1', url: 'https://example.com/spring' },
  },
  lead_score_crossed: {
    ...email,
    message_id: '',
    email_id: '',
    email_version: 0,
    journey_id: null,
    tile_id: null,
    iteration: 0,
    model_id: 'm-1',
    model_version: 2,
    score_milli: 101_500,
    threshold_milli: 100_000,
    crossing_event_id: 'e-9',
  },
  web_page_viewed: { ...email, ...web, url: '/spring', country: 'SE' },
  web_link_clicked: { ...email, ...web, url: 'https://shop.example/pricing', referrer_host: null },
  reply: {
    ...email,
    journey_id: null,
    tile_id: null,
    source: 'webhook',
    from_domain: 'example.com',
    auth_verdict: 'verified',
  },
  tile_inflow: { ...journey },
  tile_processed: { ...journey },
  tile_blocked: { ...journey, reason: 'suppression_segment' },
  tile_failed: { ...journey, error_code: 'RENDER_FAILED' },
  tile_path_taken: { ...journey, path_id: 'yes' },
  goal_reached: { ...journey, goal_event: 'clicked_link', exited: true },
  ab_test_decided: {
    ...journey,
    tile_type: 'ab_test',
    reason: 'significant',
    metric: 'unique_opens',
    winner_variant: 1,
    winner_label: 'B',
    winner_email_id: 'e-2',
  },
  send_time_delayed: { ...journey, reason: 'send_time', delay_minutes: 335, source: 'contact' },
  contact_held: { ...journey, reason: 'quiet_hours', until: 1_765_000_000_000 },
};

function sample(type: EventType): CairnEvent {
  const data = {
    event_id: randomUUID(),
    event_time: 1_790_000_000_123,
    workspace_id: 'w-1',
    contact_id: 'c-1',
    ...extras[type],
  };
  return { type, data } as unknown as CairnEvent;
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(CairnError);
    return (error as CairnError).code;
  }
  return undefined;
}

describe('event codec', () => {
  it.each(ALL_EVENT_TYPES)('round-trips %s with its fields', (type) => {
    const event = sample(type);
    const decoded = codec.decode(codec.encode(event));
    expect(decoded.type).toBe(type);
    expect(decoded.data).toMatchObject(event.data);
  });

  it('has a schema for every event type and every message carries its fingerprint', () => {
    for (const type of ALL_EVENT_TYPES) {
      const buf = codec.encode(sample(type));
      expect(buf.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
      expect(buf.subarray(2, 10)).toEqual(codec.schemaFor(type).fingerprint);
    }
  });

  it('reads a message written with an older schema version using the newest one', () => {
    const event = sample('click');
    const v1 = codec.encodeWithVersion(event, 1);
    const v2 = codec.encode(event);
    expect(v1.subarray(2, 10)).not.toEqual(v2.subarray(2, 10));
    const decoded = codec.decode(v1);
    expect(decoded.data).toMatchObject({
      link_id: 'l-1',
      url: 'https://example.com/a',
      link_kind: 'link',
      machine_reason: null,
    });
  });

  it('reads opens and clicks of every earlier version with no country (open.v1 → v2, click.v1/v2 → v3)', () => {
    const older: [EventType, number][] = [
      ['open', 1],
      ['click', 1],
      ['click', 2],
    ];
    for (const [type, version] of older) {
      const event = sample(type);
      const bytes = codec.encodeWithVersion(event, version);
      expect(bytes.subarray(2, 10)).not.toEqual(codec.schemaFor(type).fingerprint);
      const decoded = codec.decode(bytes);
      expect(decoded.data).toMatchObject({ event_id: event.data.event_id, country: null });
    }
    expect([codec.schemaFor('open').version, codec.schemaFor('click').version]).toEqual([2, 3]);
  });

  it('reads replies written before v2 as unchecked, and v1 readers skip the verdict', () => {
    const event = sample('reply');
    expect(codec.decode(codec.encodeWithVersion(event, 1)).data).toMatchObject({
      event_id: event.data.event_id,
      source: 'webhook',
      auth_verdict: 'unchecked',
    });
    const v1 = avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, 'schemas', 'reply.v1.avsc'), 'utf8')));
    const read = v1.decode(codec.encode(event), 10, v1.createResolver(codec.schemaFor('reply').type)).value as Record<
      string,
      unknown
    >;
    expect(read).toMatchObject({ event_id: event.data.event_id, from_domain: 'example.com' });
    expect(read).not.toHaveProperty('auth_verdict');
    expect(codec.schemaFor('reply').version).toBe(2);
  });

  it('lets a reader with the older schema read the newest opens and clicks (the country is skipped)', () => {
    for (const [type, file] of [
      ['open', 'open.v1.avsc'],
      ['click', 'click.v2.avsc'],
    ] as const) {
      const event = sample(type);
      const older = avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, 'schemas', file), 'utf8')));
      const read = older.decode(codec.encode(event), 10, older.createResolver(codec.schemaFor(type).type))
        .value as Record<string, unknown>;
      expect(read).toMatchObject({ event_id: event.data.event_id, message_id: 'm-1' });
      expect(read).not.toHaveProperty('country');
    }
  });

  it('rejects truncated, foreign and unknown messages with a stable code, never a crash', () => {
    const good = codec.encode(sample('bounce'));
    expect(codeOf(() => codec.decode(good.subarray(0, good.length - 4)))).toBe('EVENT_TRUNCATED');
    expect(codeOf(() => codec.decode(good.subarray(0, 5)))).toBe('EVENT_TOO_SHORT');
    expect(codeOf(() => codec.decode(Buffer.from('{"event_id":"x","json":"not avro"}')))).toBe('EVENT_BAD_MAGIC');
    expect(codeOf(() => codec.decode(Buffer.concat([good, Buffer.from([1, 2])])))).toBe('EVENT_TRAILING_BYTES');
    const unknown = Buffer.from(good);
    unknown.writeUInt32LE(0xdeadbeef, 2);
    expect(codeOf(() => codec.decode(unknown))).toBe('EVENT_UNKNOWN_SCHEMA');
  });

  it('survives random garbage after a valid header', () => {
    const header = codec.encode(sample('open')).subarray(0, 10);
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)));
      const code = codeOf(() => codec.decode(Buffer.concat([header, junk])));
      if (code !== undefined) expect(code).toMatch(/^EVENT_/);
    }
  });

  it('refuses to encode an event that does not match its schema, naming the field', () => {
    const bad = sample('click');
    (bad.data as unknown as Record<string, unknown>).link_id = 42;
    expect(() => codec.encode(bad)).toThrow(/EVENT|does not match|link_id|string/);
    expect(codeOf(() => codec.encode(bad))).toBe('EVENT_INVALID');
  });

  it("carries a contact's events in an envelope and reads each back as a message of its own", () => {
    const events = [sample('tile_inflow'), sample('tile_processed'), sample('tile_path_taken')];
    const envelope = codec.encodeBatch(
      'c-1',
      events.map((event) => codec.encode(event)),
    );
    const inner = codec.unbatch(envelope);
    expect(inner?.map((value) => codec.decode(value))).toEqual(
      events.map((event) => codec.decode(codec.encode(event))),
    );
    expect(codec.unbatch(codec.encode(events[0] as CairnEvent))).toBeNull();
    expect(codec.unbatch(Buffer.from('not avro'))).toBeNull();
    expect(codeOf(() => codec.unbatch(envelope.subarray(0, envelope.length - 3)))).toBe('EVENT_TRUNCATED');
    expect(codeOf(() => codec.unbatch(Buffer.concat([envelope, Buffer.from([0])])))).toBe('EVENT_TRAILING_BYTES');
    // an envelope is not an event: a consumer that forgets to unpack it dead-letters it
    expect(codeOf(() => codec.decode(envelope))).toBe('EVENT_UNKNOWN_SCHEMA');
  });

  it('encodes its own events without the copy and check, to the same bytes, and still refuses a wrong type', () => {
    for (const type of ALL_EVENT_TYPES) {
      const event = sample(type);
      expect(codec.encodeOwn(event)).toEqual(codec.encode(event));
    }
    const wrong = {
      type: 'tile_inflow',
      data: { ...sample('tile_inflow').data, iteration: 'first' },
    } as unknown as CairnEvent;
    expect(codeOf(() => codec.encodeOwn(wrong))).toBe('EVENT_INVALID');
  });

  // Issue 20 defect 8: a number no store can hold is refused where the event is read and where it is written.
  it('refuses an event_time, version, iteration or SMTP code ClickHouse cannot hold, decoding and encoding', () => {
    const poison = [
      { event_time: -300_000_000_000_000 },
      { event_time: Date.UTC(2106, 1, 8) },
      { email_version: -1 },
      { iteration: -1 },
      { smtp_code: 70_000 },
    ];
    for (const fields of poison) {
      const event = { type: 'bounce', data: { ...sample('bounce').data, ...fields } } as unknown as CairnEvent;
      const bytes = codec.encodeOwn(event);
      expect(() => codec.decode(bytes)).toThrow(new RegExp(`${Object.keys(fields)[0]} .* is outside`));
      expect(codeOf(() => codec.decode(bytes))).toBe('EVENT_INVALID');
      expect(codeOf(() => codec.encode(event))).toBe('EVENT_INVALID');
    }
    const edge = {
      type: 'bounce',
      data: { ...sample('bounce').data, event_time: 0, smtp_code: 65_535 },
    } as unknown as CairnEvent;
    expect(codec.decode(codec.encode(edge)).data.event_time).toBe(0);
  });
});
