import { simpleParser, type ParsedMail } from 'mailparser';
import type { Pool } from 'pg';
import { derivedEventId } from '../../lib/contracts/events/derived-id';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { EmailEvent } from '../../lib/contracts/events/event-types';
import type { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { type Topics } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import type { EngagementMetrics } from './engagement.metrics';
import type { ScannedMessage } from './inbound-message';
import type { MessageAuthentication } from './reply-authentication';

export type ReplySource = 'smtp' | 'webhook';
export type AuthVerdict = 'verified' | 'unverified';

export type ReplyOutcome =
  | { kind: 'matched'; eventId: string; messageId: string; duplicate: boolean; verdict: AuthVerdict }
  | { kind: 'unmatched'; reason: 'unmatched_no_reference' | 'unmatched_unknown' | 'not_followed' }
  | { kind: 'malformed'; reason: 'malformed_no_headers' | 'malformed' };

interface Match {
  delivery_message_id: string;
  contact_id: string;
  message_id: string;
  workspace_id: string;
  email_id: string;
  email_version: number;
  followed: boolean;
  following: boolean;
  /** the domain of the contact's address (null once erased) */
  contact_domain: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A header block starts the message: a field name (printable, no colon) and a colon on its first line. */
const STARTS_WITH_HEADER = /^[!-9;-~]+:/;

/** The sent messages a reply names, most specific first: In-Reply-To, then References from the newest. */
export function referencedIds(mail: Pick<ParsedMail, 'inReplyTo' | 'references'>): string[] {
  const references = [mail.references ?? []].flat().flatMap((value) => value.split(/\s+/));
  const ids = [...(mail.inReplyTo ?? '').split(/\s+/), ...references.reverse()];
  const uuids = ids
    .map((id) => /^<?([^@<>\s]+)@[^<>\s]+>?$/.exec(id.trim())?.[1] ?? '')
    .filter((local) => UUID.test(local));
  return [...new Set(uuids.map((id) => id.toLowerCase()))];
}

/** The options mailparser gets for a header block: no body work at all. */
export const HEADER_ONLY = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  skipTextLinks: true,
} as const;

/**
 * A reply is verified when its From domain is authenticated (SPF or DKIM aligned, reply-authentication.ts) and
 * is the domain of the contact the replied-to copy went to: a domain that signs its own mail still cannot
 * answer for another's contact. SPF and DKIM vouch for a domain, never for one mailbox of it.
 */
export function replyVerdict(
  auth: MessageAuthentication,
  contactDomain: string | null,
): { verdict: AuthVerdict; reason: string } {
  if (auth.domain === null)
    return { verdict: 'unverified', reason: auth.results.dmarc === 'fail' ? 'dmarc_fail' : 'not_authenticated' };
  if (contactDomain === null || auth.domain !== contactDomain.toLowerCase())
    return { verdict: 'unverified', reason: 'from_not_contact_domain' };
  return { verdict: 'verified', reason: 'aligned' };
}

/** RFC 3834: Auto-Submitted other than "no" (out-of-office, vacation, list software) is not a person replying. */
function isAutoReply(mail: ParsedMail): boolean {
  const auto = String(mail.headers.get('auto-submitted') ?? '')
    .trim()
    .toLowerCase();
  return (auto !== '' && auto !== 'no') || mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond');
}

/**
 * Replies from both inbound paths (SMTP listener, raw-message webhook): parse (mailparser), match by In-Reply-To /
 * References to one recipient's copy of a followed one-to-one message, record it in PostgreSQL, produce a `reply`
 * event. Unmatched and malformed messages are counted and dropped.
 */
export class ReplyRecorder {
  constructor(
    private readonly deps: {
      pool: Pool;
      producer: BatchingProducer;
      codec: EventCodec;
      topics: Topics;
      metrics: EngagementMetrics;
    },
  ) {}

  async record(scanned: ScannedMessage, source: ReplySource): Promise<ReplyOutcome> {
    const outcome = await this.decide(scanned, source);
    const label = outcome.kind === 'matched' ? (outcome.duplicate ? 'duplicate' : 'matched') : outcome.reason;
    this.deps.metrics.replies.inc({ source, outcome: label });
    if (outcome.kind === 'matched' && !outcome.duplicate)
      this.deps.metrics.replyVerdicts.inc({ source, verdict: outcome.verdict });
    return outcome;
  }

  private async decide(scanned: ScannedMessage, source: ReplySource): Promise<ReplyOutcome> {
    const mail = await parseHeader(scanned.header);
    if (mail === 'no_headers') return { kind: 'malformed', reason: 'malformed_no_headers' };
    if (mail === 'malformed') return { kind: 'malformed', reason: 'malformed' };
    const ids = referencedIds(mail);
    if (ids.length === 0) return { kind: 'unmatched', reason: 'unmatched_no_reference' };
    const match = await this.find(ids);
    if (!match) return { kind: 'unmatched', reason: 'unmatched_unknown' };
    // NOTE: nothing of an unfollowed message (or of a workspace that turned following off) is stored
    if (!match.followed || !match.following) return { kind: 'unmatched', reason: 'not_followed' };
    return this.store(mail, scanned, match, source);
  }

  private async find(ids: string[]): Promise<Match | null> {
    const { rows } = await this.deps.pool.query<Match>(
      `SELECT r.delivery_message_id::text, r.contact_id::text, m.id::text AS message_id, m.workspace_id::text, m.email_id::text, m.email_version,
              m.followed, coalesce(s.following_enabled, true) AS following, nullif(lower(split_part(c.email, '@', 2)), '') AS contact_domain
         FROM engagement_recipients r JOIN engagement_messages m ON m.id = r.message_id
         LEFT JOIN engagement_settings s ON s.workspace_id = m.workspace_id
         LEFT JOIN contacts c ON c.id = r.contact_id AND c.workspace_id = m.workspace_id
        WHERE r.delivery_message_id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.delivery_message_id, row]));
    for (const id of ids) if (byId.has(id)) return byId.get(id) as Match;
    return null;
  }

  /**
   * NOTE: exactly once per reply: its event_id derives from the reply's own Message-ID (or its bytes), the row
   * is inserted ON CONFLICT DO NOTHING and produced until acknowledged (the poller produces rows left unproduced),
   * so a retried SMTP transaction, a retried webhook, or both paths carrying the same reply count once.
   * NOTE: only a verified human reply sets first_replied_at, the one thing no_reply_by reminders read: an
   * unverified reply is kept and shown (auth_verdict) but cancels no reminder.
   */
  private async store(
    mail: ParsedMail,
    scanned: ScannedMessage,
    match: Match,
    source: ReplySource,
  ): Promise<ReplyOutcome> {
    const identity = mail.messageId ?? scanned.digest;
    const eventId = derivedEventId('reply', match.workspace_id, identity);
    const machine = isAutoReply(mail);
    const { verdict, reason } = replyVerdict(scanned.auth, match.contact_domain);
    const { rowCount } = await this.deps.pool.query(
      `INSERT INTO engagement_replies (event_id, workspace_id, message_id, delivery_message_id, contact_id, machine, source, auth_verdict, auth_results)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING`,
      [
        eventId,
        match.workspace_id,
        match.message_id,
        match.delivery_message_id,
        match.contact_id,
        machine,
        source,
        verdict,
        { ...scanned.auth.results, reason },
      ],
    );
    if (!machine && verdict === 'verified')
      await this.deps.pool.query(
        'UPDATE engagement_messages SET first_replied_at = coalesce(first_replied_at, now()) WHERE id = $1',
        [match.message_id],
      );
    const fromDomain = mail.from?.value[0]?.address?.split('@')[1]?.toLowerCase().slice(0, 253) ?? null;
    await this.produce(eventId, match, { machine, source, fromDomain, verdict, at: Date.now() });
    return { kind: 'matched', eventId, messageId: match.message_id, duplicate: rowCount === 0, verdict };
  }

  private async produce(
    eventId: string,
    match: Match,
    reply: { machine: boolean; source: string; fromDomain: string | null; verdict: string; at: number },
  ): Promise<void> {
    const event: EmailEvent<'reply'> = {
      type: 'reply',
      data: {
        event_id: eventId,
        event_time: reply.at,
        workspace_id: match.workspace_id,
        contact_id: match.contact_id,
        message_id: match.delivery_message_id,
        email_id: match.email_id,
        email_version: match.email_version,
        journey_id: null,
        tile_id: null,
        iteration: 0,
        machine: reply.machine,
        machine_reason: reply.machine ? 'auto_reply' : null,
        source: reply.source === 'webhook' ? 'webhook' : 'smtp',
        from_domain: reply.fromDomain,
        auth_verdict: reply.verdict === 'verified' || reply.verdict === 'unverified' ? reply.verdict : 'unchecked',
      },
    };
    await this.deps.producer.send({
      topic: topicForEvent(this.deps.topics, 'reply'),
      key: match.contact_id,
      value: this.deps.codec.encode(event),
    });
    await this.deps.pool.query('UPDATE engagement_replies SET produced = true WHERE event_id = $1', [eventId]);
  }

  /** Replies recorded but not acknowledged by Kafka (the process died in between): produced again, same event ids. */
  async produceLeftovers(olderThanMs: number): Promise<number> {
    const { rows } = await this.deps.pool.query<
      Match & { event_id: string; machine: boolean; source: string; auth_verdict: string; at: Date }
    >(
      `SELECT x.event_id::text, x.machine, x.source, x.auth_verdict, x.received_at AS at, x.delivery_message_id::text, x.contact_id::text, m.id::text AS message_id,
              m.workspace_id::text, m.email_id::text, m.email_version
         FROM engagement_replies x JOIN engagement_messages m ON m.id = x.message_id
        WHERE NOT x.produced AND x.received_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT 500`,
      [olderThanMs],
    );
    for (const row of rows)
      await this.produce(row.event_id, row, {
        machine: row.machine,
        source: row.source,
        fromDomain: null,
        verdict: row.auth_verdict,
        at: row.at.getTime(),
      });
    return rows.length;
  }
}

/** A header block parsed (mailparser), or why it cannot be: none at all, or not parseable. */
export async function parseHeader(header: Buffer | null): Promise<ParsedMail | 'no_headers' | 'malformed'> {
  if (header === null) return 'malformed';
  if (!STARTS_WITH_HEADER.test(header.subarray(0, 1000).toString('latin1'))) return 'no_headers';
  try {
    return await simpleParser(header, HEADER_ONLY);
  } catch {
    return 'malformed';
  }
}
