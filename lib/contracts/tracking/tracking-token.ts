import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { sameDigest } from '../../platform/crypto/constant-time';
import { MAX_ID_BYTES, Reader, Writer } from './token-bytes';

/**
 * Compact, authenticated tracking token carried in pixel, click, attachment, unsubscribe, subscription-center and
 * forward URLs and in the X-Cairn-Tracking header.
 *
 * Layout (then base64url): [key id u8][purpose u8][flags u8][workspace][message][contact][email][version varint]
 * [sent_at u32 seconds][journey?][tile?][iteration varint?][list?][link?][mac 12 bytes].
 * Ids are UUIDs packed in 16 bytes when they are UUIDs, else length-prefixed UTF-8 (≤ 200 bytes).
 * The MAC is HMAC-SHA256 (node:crypto) over every byte before it (the purpose included), truncated to 96 bits,
 * compared in constant time (sameDigest); the key id selects the secret so keys can rotate while older mails keep working.
 * Only the canonical base64url spelling of a token verifies.
 */
export interface TrackingToken {
  workspaceId: string;
  messageId: string;
  contactId: string;
  emailId: string;
  emailVersion: number;
  /** epoch seconds when the message was handed to SMTP; hits within seconds of it are machine traffic */
  sentAt: number;
  journeyId?: string | null;
  tileId?: string | null;
  iteration?: number;
  /** the list this mail was sent for; one-click unsubscribe without it leaves every list of the workspace */
  listId?: string | null;
  /** email_links.link_id for click and attachment URLs */
  linkId?: string | null;
}

/**
 * What a token is for: its second byte, inside the MAC. Each route verifies with its own purpose only
 * (docs/security.md, "Token purposes"): the pixel token in a message's HTML cannot unsubscribe, open the
 * subscription center or forward. `report` is the X-Cairn-Tracking header that returning bounces and complaints
 * carry. A code is never reused for another purpose.
 */
export const TOKEN_PURPOSES = {
  open: 1,
  click: 2,
  attachment: 3,
  unsubscribe: 4,
  subscription_center: 5,
  forward: 6,
  report: 7,
  /** a Cairn marketing page reached through a tracked landing-page link: the message context of the visit (docs/pages-and-forms.md#landing-page-links) */
  landing: 8,
  /**
   * a double opt-in confirmation link (docs/pages-and-forms.md#double-opt-in): message id = the submission id,
   * email id and version = the form and its version; minted by the sender, accepted only by ingest's /confirm
   */
  confirm: 9,
  /**
   * a visit to one of the workspace's registered websites after a tracked click (docs/web-tracking.md#identity):
   * the message context the tracking script sends with each hit; minted by ingest's click route, accepted only by
   * ingest's web collect route
   */
  web: 10,
} as const;
export type TokenPurpose = keyof typeof TOKEN_PURPOSES;
/** The purposes whose token names one link (email_links.link_id); every other purpose's token names none. */
export type LinkPurpose = 'click' | 'attachment';
export type MessagePurpose = Exclude<TokenPurpose, LinkPurpose>;
const isLinkPurpose = (purpose: TokenPurpose): purpose is LinkPurpose =>
  purpose === 'click' || purpose === 'attachment';

const MAC_BYTES = 12;
const MAX_TOKEN_CHARS = 600;
const FLAG = { journey: 1, tile: 2, iteration: 4, list: 8, link: 16 } as const;

/** The most bytes a token can take: key id, purpose, flags, 8 ids of up to 1+200 bytes, two varints, sent_at, the MAC. */
const MAX_TOKEN_BYTES = 3 + 8 * (1 + MAX_ID_BYTES) + 2 * 8 + 4 + 12;
/** Where the purpose and the flags sit in a token's bytes. */
const PURPOSE_AT = 1;
const FLAGS_AT = 2;

/** Writes the token's body (everything between the purpose and the MAC) at the writer's position. */
function encodeBody(w: Writer, token: TrackingToken): void {
  let flags = 0;
  if (token.journeyId) flags |= FLAG.journey;
  if (token.tileId) flags |= FLAG.tile;
  if (token.iteration) flags |= FLAG.iteration;
  if (token.listId) flags |= FLAG.list;
  if (token.linkId) flags |= FLAG.link;
  w.byte(flags);
  for (const id of [token.workspaceId, token.messageId, token.contactId, token.emailId]) w.id(id);
  w.varint(token.emailVersion);
  w.u32(token.sentAt);
  if (token.journeyId) w.id(token.journeyId);
  if (token.tileId) w.id(token.tileId);
  if (token.iteration) w.varint(token.iteration);
  if (token.listId) w.id(token.listId);
  if (token.linkId) w.id(token.linkId);
}

function decodeBody(body: Buffer): TrackingToken {
  const r = new Reader(body);
  const flags = r.byte();
  const token: TrackingToken = {
    workspaceId: r.id(),
    messageId: r.id(),
    contactId: r.id(),
    emailId: r.id(),
    emailVersion: r.varint(),
    sentAt: r.u32(),
    journeyId: flags & FLAG.journey ? r.id() : null,
    tileId: flags & FLAG.tile ? r.id() : null,
    iteration: flags & FLAG.iteration ? r.varint() : 0,
    listId: flags & FLAG.list ? r.id() : null,
    linkId: flags & FLAG.link ? r.id() : null,
  };
  if (!r.atEnd) throw new RangeError('trailing bytes');
  return token;
}

/** Parses "1:<base64 secret>,2:<base64 secret>" (CAIRN_TRACKING_KEYS). Secrets must be at least 16 bytes. */
export function parseTrackingKeys(spec: readonly string[]): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  for (const entry of spec) {
    const match = /^(\d{1,3}):(.+)$/.exec(entry.trim());
    const id = Number(match?.[1]);
    const secret = Buffer.from(match?.[2] ?? '', 'base64');
    if (!match || id > 255 || secret.length < 16) throw new Error('tracking keys are "<id 0-255>:<base64, ≥16 bytes>"');
    keys.set(id, secret);
  }
  return keys;
}

export class TrackingTokenCodec {
  /** Secrets as KeyObjects: node:crypto holds the key material, createHmac per token does the rest. */
  private readonly keys = new Map<number, KeyObject>();

  constructor(
    keys: ReadonlyMap<number, Buffer>,
    private readonly activeKeyId: number,
  ) {
    if (!keys.has(activeKeyId)) throw new Error(`active tracking key ${activeKeyId} is not among the keys`);
    for (const [id, secret] of keys) this.keys.set(id, createSecretKey(secret));
  }

  private mac(key: KeyObject, signed: Buffer): Buffer {
    return createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);
  }

  /** One buffer for every mint of this codec: minting is synchronous, so no two mints share it at once. */
  private readonly scratch = new Writer(Buffer.allocUnsafe(MAX_TOKEN_BYTES));

  /**
   * Mints a token for one purpose with the active key. A click or attachment token names its link; a token of any
   * other purpose names none (a route reads the link id only of its own purpose's tokens).
   */
  mint(token: TrackingToken, purpose: TokenPurpose): string {
    if (isLinkPurpose(purpose) !== Boolean(token.linkId))
      throw new RangeError(`a ${purpose} token ${isLinkPurpose(purpose) ? 'needs' : 'takes no'} link id`);
    const w = this.scratch;
    w.at = 0;
    w.byte(this.activeKeyId);
    w.byte(TOKEN_PURPOSES[purpose]);
    encodeBody(w, token);
    return this.signed(w.at);
  }

  /**
   * A message's tokens, one per purpose asked for, and one per link (the sender mints these per recipient), each
   * exactly what `mint` gives: the purpose is a byte ahead of the body and the link id the body's last field, so
   * the shared part is encoded once; each token only sets its purpose (and appends its link id) before the MAC.
   */
  mintMessage<P extends MessagePurpose>(
    token: TrackingToken,
    purposes: readonly P[],
    links: readonly { linkId: string; purpose: LinkPurpose }[],
  ): { message: Record<P, string>; links: string[] } {
    const w = this.scratch;
    w.at = 0;
    w.byte(this.activeKeyId);
    w.byte(0);
    encodeBody(w, { ...token, linkId: null });
    const shared = w.at;
    // Filled just below, one entry per purpose asked for.
    const message = {} as Record<P, string>;
    for (const purpose of purposes) {
      w.buf[PURPOSE_AT] = TOKEN_PURPOSES[purpose];
      message[purpose] = this.signed(shared);
    }
    const flags = w.buf[FLAGS_AT] as number;
    w.buf[FLAGS_AT] = flags | FLAG.link;
    const linkTokens = links.map(({ linkId, purpose }) => {
      w.buf[PURPOSE_AT] = TOKEN_PURPOSES[purpose];
      w.at = shared;
      w.id(linkId);
      return this.signed(w.at);
    });
    w.buf[FLAGS_AT] = flags;
    return { message, links: linkTokens };
  }

  /** The scratch buffer's first `end` bytes with their MAC (active key), as the token string. */
  private signed(end: number): string {
    const w = this.scratch;
    this.mac(this.keys.get(this.activeKeyId) as KeyObject, w.buf.subarray(0, end)).copy(w.buf, end);
    return w.buf.toString('base64url', 0, end + MAC_BYTES);
  }

  /**
   * The token's fields when it was minted by one of our keys for `purpose`; null for anything else: another
   * purpose, tampered, truncated, unknown key, garbage, non-canonical.
   */
  verify(presented: string, purpose: TokenPurpose): TrackingToken | null {
    if (presented.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(presented)) return null;
    const raw = Buffer.from(presented, 'base64url');
    // NOTE: one token, one spelling. Node's decoder ignores a lone trailing character and the unused low bits of
    // the last one, so several strings decode to the same bytes; only the canonical (unpadded) encoding counts,
    // or each spelling would record another human open or click.
    if (raw.toString('base64url') !== presented) return null;
    if (raw.length < FLAGS_AT + 1 + MAC_BYTES) return null;
    // NOTE: a token is good for its own purpose only. The purpose byte is not secret (it is in the token) and is
    // covered by the MAC, so it is compared before the MAC is computed: another purpose costs no HMAC.
    if (raw[PURPOSE_AT] !== TOKEN_PURPOSES[purpose]) return null;
    const end = raw.length - MAC_BYTES;
    const key = this.keys.get(raw[0] as number);
    if (!key) return null;
    const signed = raw.subarray(0, end);
    // NOTE: constant-time compare of equal-length MACs (sameDigest), so timing reveals no prefix of a valid MAC.
    if (!sameDigest(this.mac(key, signed), raw.subarray(end))) return null;
    try {
      return decodeBody(raw.subarray(FLAGS_AT, end));
    } catch {
      return null;
    }
  }
}

/**
 * Header the sender puts on every message with its `report` token; bounces and complaints that return the
 * original headers are matched to the message through it.
 */
export const TRACKING_HEADER = 'X-Cairn-Tracking';
