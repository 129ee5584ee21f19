import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { ApiClient } from './api-client';
import type { InboxMessage } from './demo-inbox';

/**
 * The other side of delivery: the mail provider reporting remote hard bounces and feedback-loop complaints
 * through ingest's authenticated webhooks, matched to the message by its tracking token.
 */
export class MailProvider {
  private constructor(private readonly webhooks: ApiClient) {}

  /** The workspace's webhook secret is made the way an operator makes one (shown once, stored hashed). */
  static async connect(ingestUrl: string, postgresUrl: string, workspaceId: string): Promise<MailProvider> {
    const pool = createPgPool(postgresUrl, 1);
    const secret = await createWebhookSecret(pool, workspaceId).finally(() => pool.end());
    return new MailProvider(new ApiClient(ingestUrl, secret));
  }

  async hardBounce(message: InboxMessage): Promise<void> {
    await this.webhooks.post('/v1/webhooks/bounces', {
      events: [
        {
          token: message.token,
          recipient: message.address,
          status: '5.1.1',
          smtp_code: 550,
          diagnostic: '550 5.1.1 user unknown',
          action: 'failed',
        },
      ],
    });
  }

  async complaint(message: InboxMessage): Promise<void> {
    await this.webhooks.post('/v1/webhooks/complaints', {
      events: [{ token: message.token, recipient: message.address, feedback_type: 'abuse', reporter: 'isp.example' }],
    });
  }
}
