import { createPgPool } from '../../lib/postgres/pg-pool';
import { ApiClient } from './api-client';
import type { SentMessage } from './journey-sends';

/**
 * The other side of delivery: the mail provider reporting hard bounces and feedback-loop complaints through
 * ingest's authenticated webhooks, and a few recipients using forward-to-a-friend.
 */
export interface ProviderReport {
  hardBounces: number;
  complaints: number;
  forwards: number;
  /** forwarding addresses submitted (two per forward here): what the Forwarded KPI counts */
  forwardedAddresses: number;
}

export async function reportDelivery(options: {
  ingestUrl: string;
  postgresUrl: string;
  workspaceId: string;
  messages: SentMessage[];
  createSecret: (pool: ReturnType<typeof createPgPool>, workspaceId: string) => Promise<string>;
}): Promise<ProviderReport> {
  const pool = createPgPool(options.postgresUrl, 1);
  const secret = await options.createSecret(pool, options.workspaceId).finally(() => pool.end());
  const bounced = options.messages.filter((_, i) => i % 40 === 7);
  const webhooks = new ApiClient(options.ingestUrl, secret);
  await webhooks.post('/v1/webhooks/bounces', {
    events: bounced.map((m) => ({ token: m.token, recipient: 'gone@example.com', status: '5.1.1', smtp_code: 550, diagnostic: '550 5.1.1 user unknown', action: 'failed' })),
  });
  const complained = options.messages.filter((_, i) => i % 500 === 11);
  await webhooks.post('/v1/webhooks/complaints', {
    events: complained.map((m) => ({ token: m.token, recipient: 'annoyed@example.com', feedback_type: 'abuse', reporter: 'isp.example' })),
  });
  const forwarding = options.messages.filter((_, i) => i % 100 === 13);
  for (const message of forwarding) {
    const res = await fetch(`${options.ingestUrl}/f/${message.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (Macintosh) Safari/605.1.15' },
      body: 'friend=friend1%40example.org&friend=friend2%40example.org',
    });
    if (!res.ok) throw new Error(`forward → ${res.status}`);
  }
  return { hardBounces: bounced.length, complaints: complained.length, forwards: forwarding.length, forwardedAddresses: forwarding.length * 2 };
}
