import { randomUUID } from 'node:crypto';
import { sendBatches } from '../../lib/contracts/sending/send-request';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import {
  decodeOutboxRow,
  EVENTS_PER_ROW,
  type EventsPayload,
  type LeadsPayload,
  type WebhookPayload,
} from './outbox-messages';
import { leadEvent } from './outbox-events';

const workspace = randomUUID();
const journey = randomUUID();
const contact = randomUUID();
const events: EventsPayload = {
  v: 1,
  workspace_id: workspace,
  journey_id: journey,
  event_time: 1_790_000_000_000,
  groups: [
    ['tile_inflow', 'mail', 'email', 0, '', [contact]],
    ['tile_failed', 'hook', 'launch_workflow', 0, 'WEBHOOK_DEAD_LETTERED|HTTP 500', [contact, randomUUID()]],
  ],
};
const webhook: WebhookPayload = {
  v: 1,
  url: 'https://hooks.example.com/crm',
  workspace_id: workspace,
  contact_id: contact,
  body: { key: 'k', workflow: 'crm', journey_id: journey, tile_id: 'hook', iteration: 0, contact_id: contact },
};
const [send] = sendBatches([
  {
    key: `${journey}:mail:0:${contact}`,
    workspace_id: workspace,
    journey_id: journey,
    tile_id: 'mail',
    iteration: 0,
    contact_id: contact,
    account_id: null,
    email_id: randomUUID(),
    email_version: 1,
    list_id: null,
    content_settings_id: null,
    min_consent: 0,
    requested_at: 1_790_000_000_000,
  },
]);

describe('outbox rows', () => {
  it.each([
    ['send', send],
    ['events', events],
    ['webhook', webhook],
  ])('decodes a %s row by its kind', (kind, payload) => {
    expect(decodeOutboxRow(kind, payload)).toEqual({ ok: true, value: { kind, payload } });
  });

  it('reads a row the build before v1 wrote (no v) as v1', () => {
    const { v: _v, ...unversioned } = events;
    expect(decodeOutboxRow('events', unversioned)).toEqual({ ok: true, value: { kind: 'events', payload: events } });
  });

  const many = Array.from({ length: EVENTS_PER_ROW + 1 }, () => contact);
  it.each([
    ['an unknown kind of row', 'mail', events, 'outbox row', '/kind'],
    ['a payload of another kind', 'events', webhook, 'outbox events', ''],
    ['an unknown version', 'events', { ...events, v: 2 }, 'outbox events', '/v'],
    [
      'an unknown event type',
      'events',
      { ...events, groups: [['tile_lost', 'mail', 'email', 0, '', [contact]]] },
      'outbox events',
      '/groups/0/0',
    ],
    [
      'a group short of a field',
      'events',
      { ...events, groups: [['tile_inflow', 'mail', 'email', 0, '']] },
      'outbox events',
      '/groups/0',
    ],
    [
      'a contact that is no uuid',
      'events',
      { ...events, groups: [['tile_inflow', 'mail', 'email', 0, '', ['c-1']]] },
      'outbox events',
      '/groups/0/5/0',
    ],
    [
      `more than ${EVENTS_PER_ROW} contacts`,
      'events',
      { ...events, groups: [['tile_inflow', 'mail', 'email', 0, '', many]] },
      'outbox events',
      '/groups/0/5',
    ],
    ['a webhook without its body', 'webhook', { ...webhook, body: undefined }, 'outbox webhook', ''],
    [
      'a fraction of an iteration',
      'webhook',
      { ...webhook, body: { ...webhook.body, iteration: 0.5 } },
      'outbox webhook',
      '/body/iteration',
    ],
  ])('refuses %s, naming the field', (_what, kind, payload, message, path) => {
    expect(decodeOutboxRow(kind, payload)).toMatchObject({ ok: false, error: { message, path } });
  });
});

describe('a leads row (create-lead tiles)', () => {
  const leads: LeadsPayload = {
    v: 1,
    workspace_id: workspace,
    journey_id: journey,
    event_time: 1_790_000_000_000,
    leads: [
      {
        lead_id: randomUUID(),
        once_key: `${journey}:lead:0:${contact}`,
        contact_id: contact,
        tile_id: 'lead',
        iteration: 0,
      },
    ],
  };

  it('reads back, and refuses a lead without an id', () => {
    expect(decodeOutboxRow('leads', leads)).toEqual({ ok: true, value: { kind: 'leads', payload: leads } });
    const bad = { ...leads, leads: [{ ...leads.leads[0], lead_id: 'x' }] };
    expect(decodeOutboxRow('leads', bad).ok).toBe(false);
  });

  it('becomes a lead_generated v2 event of origin tile, no message, its id derived from the once key', () => {
    const lead = leads.leads[0]!;
    const event = leadEvent(leads, lead);
    expect(event.data).toMatchObject({
      contact_id: contact,
      message_id: '',
      email_id: '',
      email_version: 0,
      journey_id: journey,
      tile_id: 'lead',
      iteration: 0,
      lead_id: lead.lead_id,
      origin: 'tile',
    });
    expect(leadEvent(leads, lead).data.event_id).toBe(event.data.event_id);
    const decoded = new EventCodec().decode(new EventCodec().encodeOwn(event));
    expect({ type: decoded.type, data: { ...decoded.data, machine: undefined } }).toEqual({
      type: 'lead_generated',
      data: { ...event.data, machine: undefined },
    });
  });
});
