import type { BounceClassification } from '../../lib/domain/bounces/bounce-classifier';

// The SMTP edge's vocabulary, apart from the code that speaks it, so the composer, the lean client and the
// delivery that picks between them all import it without importing one another.

/** What one SMTP hand-off ended in. The edge returns it; it never throws. */
export type SmtpOutcome =
  | { kind: 'delivered'; reply: string }
  /** the server answered with a refusal: classified by enhanced status code and text */
  | { kind: 'refused'; reply: string; bounce: BounceClassification }
  /** provably never reached the server (connect refused, nothing written): safe to try again */
  | { kind: 'not_sent'; error: string }
  /** the connection failed while the message may have been accepted: never sent again */
  | { kind: 'unknown'; error: string }
  /**
   * refused by Cairn before anything was written, never retried: an envelope no SMTP path may hold, or an address
   * that needs SMTPUTF8 (RFC 6531) on a relay that does not offer it
   */
  | { kind: 'invalid'; code: 'SMTP_ENVELOPE_UNSAFE' | 'SMTPUTF8_NOT_OFFERED'; error: string };

export interface OutgoingMail {
  from: { name: string; address: string };
  replyTo?: string | null;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** List-Unsubscribe: one-click URL and mailto in one header */
  unsubscribe?: [string, string];
  listId?: string;
  headers: Record<string, string>;
  /** files attached to the message (one-to-one messages' unfollowed attachments) */
  attachments?: MimeAttachment[];
}

/** A file attached to the message itself (one-to-one messages whose attachment is not followed). */
export interface MimeAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}
