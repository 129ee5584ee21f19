import { join } from 'node:path';
import { CairnError } from '../../platform/errors';
import { SingleObjectRecord } from '../single-object-record';
import { encodeForwardRequest } from '../tracking/forward-request-codec';
import {
  addressReportKey,
  addressReportOfEvent,
  encodeAddressReport,
  readAddressReport,
  type AddressReport,
} from './address-report';

const base = {
  report_id: '5f0c2a1e-0b7e-4a51-9d55-7f1f3e0c1a01',
  reported_at: 1_790_000_000_000,
  workspace_id: 'ws-1',
  address: 'ann@example.com',
  contact_id: null,
};
const reports: AddressReport[] = [
  { ...base, outcome: 'delivered' },
  {
    ...base,
    outcome: 'bounce',
    bounce_class: 'soft',
    policy_block: false,
    contact_id: '6a1f3e0c-1a01-4d0e-9d55-0b7e7a524a51',
  },
  { ...base, outcome: 'bounce', bounce_class: 'other', policy_block: true },
  { ...base, outcome: 'complaint', feedback_type: 'abuse' },
];

const codeOf = (bytes: Buffer): string | undefined => {
  try {
    readAddressReport(bytes);
    return undefined;
  } catch (error) {
    return error instanceof CairnError ? error.code : 'not coded';
  }
};

describe("address reports (the suppression writer's input)", () => {
  it('read back as written, each outcome with its own fields only', () => {
    for (const report of reports) expect(readAddressReport(encodeAddressReport(report))).toEqual(report);
  });

  it('refuse, with a coded error the consumer dead-letters, what is not one report of the schema', () => {
    const good = encodeAddressReport(reports[0]!);
    const forward = encodeForwardRequest({
      request_id: 'r',
      requested_at: 1,
      workspace_id: 'ws',
      new_message_id: 'm',
      friend_address: 'f@example.com',
      forwarded_by_contact_id: 'c',
      original_message_id: 'o',
      email_id: 'e',
      email_version: 1,
      journey_id: null,
      tile_id: null,
      iteration: 0,
    });
    for (const bytes of [
      Buffer.from('not avro'),
      good.subarray(0, 12),
      Buffer.concat([good, Buffer.from([0])]),
      forward,
    ])
      expect(codeOf(bytes)).toBe('EVENT_INVALID');
  });

  it('refuse a report the writer could not apply: an upper-case or empty address, a bounce without a class', () => {
    expect(codeOf(encodeAddressReport({ ...base, address: 'Ann@Example.com', outcome: 'delivered' }))).toBe(
      'EVENT_INVALID',
    );
    expect(codeOf(encodeAddressReport({ ...base, address: '', outcome: 'delivered' }))).toBe('EVENT_INVALID');
    const raw = new SingleObjectRecord<Record<string, unknown>>(join(__dirname, 'address-report.v1.avsc'));
    const flat = { ...base, bounce_class: null, policy_block: false, feedback_type: null };
    expect(codeOf(raw.encode({ ...flat, outcome: 'bounce' }))).toBe('EVENT_INVALID');
    expect(codeOf(raw.encode({ ...flat, outcome: 'complaint' }))).toBe('EVENT_INVALID');
    expect(codeOf(raw.encode({ ...flat, outcome: 'delivered' }))).toBeUndefined();
  });

  it('are keyed by workspace and address, without the address in the key', () => {
    const key = addressReportKey(base);
    expect(key).toBe(addressReportKey({ workspace_id: 'ws-1', address: 'ann@example.com' }));
    expect(key).not.toBe(addressReportKey({ workspace_id: 'ws-2', address: 'ann@example.com' }));
    expect(key).not.toContain('ann');
  });
});

describe('the report of an event', () => {
  const context = {
    event_id: 'e-1',
    event_time: 1,
    workspace_id: 'ws-1',
    contact_id: 'c-1',
    message_id: 'm',
    email_id: 'e',
    email_version: 1,
  };

  it("is a bounce's or complaint's, under the event's id; other events report nothing", () => {
    expect(
      addressReportOfEvent(
        { type: 'bounce', data: { ...context, bounce_class: 'hard', policy_block: false } },
        'a@example.com',
        5,
      ),
    ).toEqual({
      report_id: 'e-1',
      reported_at: 5,
      workspace_id: 'ws-1',
      address: 'a@example.com',
      contact_id: 'c-1',
      outcome: 'bounce',
      bounce_class: 'hard',
      policy_block: false,
    });
    expect(
      addressReportOfEvent({ type: 'complaint', data: { ...context, feedback_type: 'not-spam' } }, 'a@example.com', 5),
    ).toMatchObject({ outcome: 'complaint', feedback_type: 'not-spam' });
    expect(addressReportOfEvent({ type: 'open', data: context }, 'a@example.com')).toBeNull();
  });

  it('calls a class the event schema let through (a string) other, and a missing policy flag false', () => {
    const posted = JSON.parse(
      '{"type":"bounce","data":{"event_id":"e-1","workspace_id":"ws-1","bounce_class":"weird"}}',
    );
    expect(addressReportOfEvent(posted, 'a@example.com')).toMatchObject({ bounce_class: 'other', policy_block: false });
  });
});
