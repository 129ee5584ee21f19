import { hash } from 'node:crypto';
import { join } from 'node:path';
import { CairnError } from '../../platform/errors';
import type { BounceClass, CairnEvent } from '../events/event-types';
import { SingleObjectRecord } from '../single-object-record';

/**
 * What became of mail to one address, as whoever learnt it reports it: ingest (a provider's bounce or complaint
 * webhook, a DSN saying delivered, a bounce or complaint posted as a batch event) and the sender (an SMTP reply).
 * Suppression has one writer, the sender's consumer of these reports (docs/sender.md "Suppression"); everyone else
 * reports. Versioned by its Avro schema's fingerprint (address-report.v1.avsc), decoded by readAddressReport only.
 */
export type AddressReport = {
  report_id: string;
  reported_at: number;
  workspace_id: string;
  address: string;
  /** whose address it is when it is a contact's (null: a forward's friend, a test address) */
  contact_id: string | null;
} & (
  | { outcome: 'delivered' }
  | { outcome: 'bounce'; bounce_class: BounceClass; policy_block: boolean }
  | { outcome: 'complaint'; feedback_type: string }
);

/** The record as the schema has it: every outcome's fields, null where they do not apply. */
interface AddressReportRecord {
  report_id: string;
  reported_at: number;
  workspace_id: string;
  address: string;
  contact_id: string | null;
  outcome: AddressReport['outcome'];
  bounce_class: BounceClass | null;
  policy_block: boolean;
  feedback_type: string | null;
}

const record = new SingleObjectRecord<AddressReportRecord>(join(__dirname, 'address-report.v1.avsc'));

export function encodeAddressReport(report: AddressReport): Buffer {
  return record.encode({
    ...report,
    bounce_class: report.outcome === 'bounce' ? report.bounce_class : null,
    policy_block: report.outcome === 'bounce' && report.policy_block,
    feedback_type: report.outcome === 'complaint' ? report.feedback_type : null,
  });
}

/** The address-report topic's decoder (lib/platform/kafka/decoding-consumer.ts): anything else is dead-lettered with why. */
export function readAddressReport(buf: Buffer): AddressReport {
  const r = record.decode(buf);
  if (!r) throw new CairnError('EVENT_INVALID', 'not an address report');
  if (r.address === '' || r.address !== r.address.toLowerCase())
    throw new CairnError('EVENT_INVALID', 'address report: address must be lower-case and not empty');
  const base = {
    report_id: r.report_id,
    reported_at: r.reported_at,
    workspace_id: r.workspace_id,
    address: r.address,
    contact_id: r.contact_id,
  };
  if (r.outcome === 'delivered') return { ...base, outcome: 'delivered' };
  if (r.outcome === 'complaint') {
    if (r.feedback_type === null)
      throw new CairnError('EVENT_INVALID', 'address report: a complaint needs feedback_type');
    return { ...base, outcome: 'complaint', feedback_type: r.feedback_type };
  }
  if (r.bounce_class === null) throw new CairnError('EVENT_INVALID', 'address report: a bounce needs bounce_class');
  return { ...base, outcome: 'bounce', bounce_class: r.bounce_class, policy_block: r.policy_block };
}

/**
 * The Kafka key: one address's reports stay in order on one partition (a delivery resets the soft-bounce count a
 * bounce before it raised), and the address itself stays out of keys, which tools and dead letters show.
 */
export const addressReportKey = (report: Pick<AddressReport, 'workspace_id' | 'address'>): string =>
  hash('sha256', `${report.workspace_id}\u0000${report.address}`, 'base64url');

const BOUNCE_CLASSES: ReadonlySet<string> = new Set<BounceClass>(['hard', 'soft', 'other']);

/**
 * What a bounce or complaint event says of the address it was sent to (`address`, lower-cased: the event's
 * contact's), reported under the event's own id; null for any other event. Ingest reports the events of its webhooks and batch posts with it.
 */
export function addressReportOfEvent(event: CairnEvent, address: string, now = Date.now()): AddressReport | null {
  const base = {
    report_id: event.data.event_id,
    reported_at: now,
    workspace_id: event.data.workspace_id,
    address,
    contact_id: event.data.contact_id,
  };
  if (event.type === 'bounce') {
    // The event schema's class is a string (a batch post may hold any): what is not hard or soft is Bounced (other).
    const bounceClass = BOUNCE_CLASSES.has(event.data.bounce_class) ? event.data.bounce_class : 'other';
    return { ...base, outcome: 'bounce', bounce_class: bounceClass, policy_block: event.data.policy_block ?? false };
  }
  if (event.type === 'complaint') return { ...base, outcome: 'complaint', feedback_type: event.data.feedback_type };
  return null;
}
