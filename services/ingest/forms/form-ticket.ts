import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { sameDigest } from '../../../lib/platform/crypto/constant-time';
import { isUuid } from './landing-link';

/** What a rendered form carries, signed by ingest (docs/pages-and-forms.md#submissions). */
export interface FormTicket {
  /** form_submissions.id of the submission this rendering makes: a replay is the same submission */
  submissionId: string;
  formId: string;
  formVersion: number;
  /** the page the form was rendered on, or null (a form rendered on its own) */
  pageId: string | null;
  pageVersion: number | null;
  /** epoch milliseconds */
  renderedAt: number;
}

/** A ticket is good for a day after the form was rendered. */
export const TICKET_MAX_AGE_MS = 24 * 3_600_000;

/** NOTE: its own HKDF info label: the key signs tickets only, so no tracking token verifies as a ticket or back. */
const TICKET_KEY_INFO = 'cairn form ticket v1';
/** NOTE: another label of its own: the key that names ticketless submissions signs nothing else. */
const TICKETLESS_KEY_INFO = 'cairn ticketless submission v1';
const MAC_BYTES = 16;
/** key id, submission, form, form version, has page, page, page version, rendered at (48-bit ms) */
const BODY_BYTES = 1 + 16 + 16 + 4 + 1 + 16 + 4 + 6;
const TICKET_CHARS = Math.ceil(((BODY_BYTES + MAC_BYTES) * 4) / 3);

const uuidBytes = (id: string): Buffer => Buffer.from(id.replace(/-/g, ''), 'hex');
const uuidOf = (bytes: Buffer): string => {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * Signs and verifies form tickets with keys derived (HKDF-SHA256) from the tracking keys (CAIRN_TRACKING_KEYS), by
 * key id, so rotating the tracking keys rotates these too; the active tracking key signs. Fixed layout, base64url,
 * HMAC-SHA256 truncated to 128 bits, compared in constant time; only the canonical spelling verifies.
 */
export class FormTicketCodec {
  private readonly keys = new Map<number, KeyObject>();
  private readonly ticketlessKey: KeyObject;

  constructor(
    trackingKeys: ReadonlyMap<number, Buffer>,
    private readonly activeKeyId: number,
  ) {
    if (!trackingKeys.has(activeKeyId)) throw new Error(`active tracking key ${activeKeyId} is not among the keys`);
    for (const [id, secret] of trackingKeys) {
      const derived = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), TICKET_KEY_INFO, 32));
      this.keys.set(id, createSecretKey(derived));
    }
    // The lowest key id, not the active key: a rotation must not turn a double post into two submissions.
    const oldest = trackingKeys.get(Math.min(...trackingKeys.keys())) as Buffer;
    this.ticketlessKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', oldest, Buffer.alloc(0), TICKETLESS_KEY_INFO, 32)),
    );
  }

  /**
   * The submission id of a post without a ticket (docs/pages-and-forms.md#plain-html-fallback): keyed on the form,
   * its version, the lower-cased email, a hash of the checked values and the hour, so the same post sent twice
   * within the hour is one submission. NOTE: keyed (HMAC), so nobody outside can name a submission id in advance.
   */
  ticketlessSubmissionId(
    form: { formId: string; version: number },
    email: string,
    values: Record<string, unknown>,
    now = Date.now(),
  ): string {
    // Canonical: names in order, a multi-valued field (lists) as a sorted set of values.
    const entries = Object.entries(values).map(([name, v]): [string, unknown] => [
      name,
      Array.isArray(v) ? [...v].map(String).sort() : v,
    ]);
    const canonical = JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const valuesHash = createHash('sha256').update(canonical).digest('hex');
    const hour = Math.floor(now / 3_600_000);
    const parts = JSON.stringify([form.formId, form.version, email.toLowerCase(), valuesHash, hour]);
    const id = createHmac('sha256', this.ticketlessKey).update(parts).digest().subarray(0, 16);
    id[6] = ((id[6] as number) & 0x0f) | 0x80; // RFC 9562 version 8 (custom), variant 10
    id[8] = ((id[8] as number) & 0x3f) | 0x80;
    return uuidOf(id);
  }

  private mac(key: KeyObject, body: Buffer): Buffer {
    return createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  }

  mint(ticket: FormTicket): string {
    const body = Buffer.alloc(BODY_BYTES);
    let at = body.writeUInt8(this.activeKeyId, 0);
    at += uuidBytes(ticket.submissionId).copy(body, at);
    at += uuidBytes(ticket.formId).copy(body, at);
    at = body.writeUInt32BE(ticket.formVersion, at);
    at = body.writeUInt8(ticket.pageId ? 1 : 0, at);
    at += ticket.pageId ? uuidBytes(ticket.pageId).copy(body, at) : 16;
    at = body.writeUInt32BE(ticket.pageVersion ?? 0, at);
    body.writeUIntBE(ticket.renderedAt, at, 6);
    const key = this.keys.get(this.activeKeyId) as KeyObject;
    return Buffer.concat([body, this.mac(key, body)]).toString('base64url');
  }

  /** The ticket when one of our keys signed it and it is less than a day old; null for anything else. */
  verify(presented: unknown, now = Date.now()): FormTicket | null {
    if (typeof presented !== 'string' || presented.length !== TICKET_CHARS || !/^[A-Za-z0-9_-]+$/.test(presented))
      return null;
    const raw = Buffer.from(presented, 'base64url');
    if (raw.length !== BODY_BYTES + MAC_BYTES || raw.toString('base64url') !== presented) return null;
    const body = raw.subarray(0, BODY_BYTES);
    const key = this.keys.get(body.readUInt8(0));
    // NOTE: constant-time compare of equal-length MACs (sameDigest).
    if (!key || !sameDigest(this.mac(key, body), raw.subarray(BODY_BYTES))) return null;
    const hasPage = body.readUInt8(37) === 1;
    const ticket: FormTicket = {
      submissionId: uuidOf(body.subarray(1, 17)),
      formId: uuidOf(body.subarray(17, 33)),
      formVersion: body.readUInt32BE(33),
      pageId: hasPage ? uuidOf(body.subarray(38, 54)) : null,
      pageVersion: hasPage ? body.readUInt32BE(54) : null,
      renderedAt: body.readUIntBE(58, 6),
    };
    if (now - ticket.renderedAt > TICKET_MAX_AGE_MS || ticket.renderedAt > now + 60_000) return null;
    return isUuid(ticket.submissionId) ? ticket : null;
  }
}
