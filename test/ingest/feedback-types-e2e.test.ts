import { createApiKey } from '../../lib/domain/auth/api-keys';
import { FEEDBACK_TYPES, feedbackEffect } from '../../lib/domain/bounces/feedback-types';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { startAggregator } from '../aggregator/aggregator-harness';
import { call, startApiKit, type ApiKit } from '../api/api-test-kit';
import { sampleArf } from '../support/bounce-fixtures';
import { startSuppressionWriter, type SuppressionWriter } from '../support/suppression-writer';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { httpRequest, ingestConfig, seed, startIngest, tokenFor, type Seeded } from './ingest-support';

/**
 * Every ARF Feedback-Type end to end on the real stack (docs/kpis.md#feedback-loops): a raw RFC 5965 report into
 * ingest's webhook, through Kafka and the aggregator to ClickHouse and the API's figures, and through the address
 * reports to the suppression writer. abuse and fraud count and suppress; virus, other and not-spam are recorded only.
 */
let kit: ApiKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let aggregator: Awaited<ReturnType<typeof startAggregator>>;
let writer: SuppressionWriter;
let s: Seeded;
let secret: string;
let apiKey: string;
const journeyId = newId();

beforeAll(async () => {
  kit = await startApiKit();
  ingest = await startIngest(ingestConfig(kit.env));
  aggregator = await startAggregator(kit.env);
  writer = await startSuppressionWriter(kit.env, kit.pool);
  s = await seed(kit.pool);
  secret = await createWebhookSecret(kit.pool, s.workspaceId);
  apiKey = (await createApiKey(kit.pool, { workspaceId: s.workspaceId, scopes: ['read'] })).key;
});

afterAll(async () => {
  await writer?.stop();
  await aggregator?.stop();
  await ingest?.cleanup();
  await kit?.close();
});

const address = (type: string) => `fbl-${type}@example.org`;

async function report(type: string, tileId: string): Promise<void> {
  const { token } = tokenFor(s, { journeyId, tileId }, 'report');
  const res = await httpRequest(ingest.url(), {
    method: 'POST',
    url: '/v1/webhooks/complaints',
    payload: sampleArf({ recipient: address(`${type}-${tileId}`), token, feedbackType: type }),
    headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${secret}` },
  });
  expect([res.statusCode, res.body]).toEqual([200, expect.stringContaining(`"result":"${type}"`)]);
}

const insights = async (query: string) =>
  (
    await call(kit.baseUrl, 'GET', `/v1/insights/emails/${s.emailId}?journey_id=${journeyId}${query}`, undefined, {
      authorization: `Bearer ${apiKey}`,
    })
  ).json<{ sent: number; feedbackLoops: number; feedbackReportsNotCounted: Record<string, number> }>();

describe('feedback reports of every ARF type, ingest to API and suppression', () => {
  it('counts and suppresses abuse and fraud; records virus, other and not-spam without counting or suppressing', async () => {
    for (const type of FEEDBACK_TYPES) await report(type, 'mail-a');
    await report('abuse', 'mail-b');
    // the KPI: Feedback loops and Sent count the counted types; the rest are listed by type, not counted
    const journey = await waitFor(
      () => insights(''),
      (kpis) => kpis.feedbackLoops === 3 && Object.keys(kpis.feedbackReportsNotCounted).length === 3,
      60_000,
    );
    expect(journey).toMatchObject({ sent: 3, feedbackLoops: 3 });
    expect(journey.feedbackReportsNotCounted).toEqual({ virus: 1, other: 1, 'not-spam': 1 });
    expect(await insights('&tile_id=mail-a')).toMatchObject({ sent: 2, feedbackLoops: 2 });
    expect(await insights('&tile_id=mail-b')).toMatchObject({ sent: 1, feedbackLoops: 1 });
    const complained = await call(
      kit.baseUrl,
      'GET',
      `/v1/insights/emails/${s.emailId}/recipients?kpi=complained&journey_id=${journeyId}&tile_id=mail-a`,
      undefined,
      { authorization: `Bearer ${apiKey}` },
    );
    expect(
      complained
        .json<{ items: { details: string[] }[] }>()
        .items.map((r) => r.details)
        .sort(),
    ).toEqual([['abuse'], ['fraud']]);
    // the suppression: the writer suppresses the addresses of the types that suppress, and only those
    await writer.caughtUp();
    for (const type of FEEDBACK_TYPES) {
      const { rows } = await kit.pool.query<{ reason: string }>(
        'SELECT reason FROM address_suppressions WHERE workspace_id = $1 AND address = $2',
        [s.workspaceId, address(`${type}-mail-a`)],
      );
      expect([type, rows]).toEqual([type, feedbackEffect(type).suppresses ? [{ reason: 'complaint' }] : []]);
    }
  });
});
