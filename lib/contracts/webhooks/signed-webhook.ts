import { createHmac } from 'node:crypto';
import { sameDigest } from '../../platform/crypto/constant-time';
import type { EgressClient } from '../../platform/egress/egress-client';
import { CairnError, err, ok, type Result } from '../../platform/errors';

/**
 * Signed webhooks, both ways: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` in `x-cairn-signature`,
 * so a receiver can check the sender and refuse replays of old bodies. The journey engine's launch-workflow
 * tiles and the engagement alerts post with it; the engagement service verifies inbound replies with it.
 */
export function webhookSignature(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * The timestamp and MAC of a signature header when it is well formed (`t=<digits>,v1=<64 hex digits>`) and its
 * timestamp lies within toleranceSeconds of now; null otherwise. Needs no body, so a receiver can refuse a
 * stale or malformed header before it reads a byte of the body.
 */
export function freshSignature(
  header: string | undefined,
  options: { nowSeconds: number; toleranceSeconds: number },
): { timestamp: number; mac: Buffer } | null {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/i.exec((header ?? '').trim());
  const timestamp = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(timestamp) || Math.abs(options.nowSeconds - timestamp) > options.toleranceSeconds)
    return null;
  return { timestamp, mac: Buffer.from(match[2] as string, 'hex') };
}

/** Checks a signature header against the body: constant-time compare, timestamp within toleranceSeconds of now. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: Buffer,
  options: { nowSeconds: number; toleranceSeconds: number },
): boolean {
  const presented = freshSignature(header, options);
  if (!presented) return false;
  const expected = Buffer.from(webhookSignature(secret, presented.timestamp, body).split('v1=')[1] ?? '', 'hex');
  return sameDigest(presented.mac, expected);
}

export interface SignedPost {
  url: string;
  body: unknown;
  /** the receiver's dedup key: the same for every attempt of one webhook */
  idempotencyKey: string;
}

/**
 * One POST through the egress policy (lib/platform/egress); an edge to the outside, so it returns a result instead of
 * throwing. Anything but a 2xx failed, a 3xx included (redirects are not followed). A refused destination is
 * `egress_refused`, which is not retriable.
 */
export async function postSignedWebhook(
  egress: EgressClient,
  post: SignedPost,
  options: { secret: string; timeoutMs: number; now: number },
): Promise<Result<number>> {
  const body = JSON.stringify(post.body);
  const result = await egress.request({
    url: post.url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': post.idempotencyKey,
      'x-cairn-signature': webhookSignature(options.secret, Math.floor(options.now / 1000), body),
    },
    body,
    timeoutMs: options.timeoutMs,
  });
  if (!result.ok) return result;
  const { status } = result.value;
  if (status >= 200 && status < 300) return ok(status);
  return err(
    new CairnError(
      'WEBHOOK_FAILED',
      status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
    ),
  );
}
