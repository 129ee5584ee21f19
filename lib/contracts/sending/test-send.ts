/**
 * A test send from the API (POST /v1/emails/{id}/test-send), queued on SEND_QUEUE next to the journey's batches.
 * The API renders the draft for the chosen contact; the sender delivers it to each address once (no tracking,
 * no events: a test is not a KPI), keyed `test:<request_id>:<index>`.
 */
export interface TestSendJob {
  kind: 'test';
  request_id: string;
  workspace_id: string;
  email_id: string;
  to: string[];
  subject: string;
  from_name: string;
  from_address: string;
  reply_to: string | null;
  html: string;
  /** epoch milliseconds */
  requested_at: number;
}

/** Adding the same request twice is a no-op while BullMQ holds the job. */
export const testSendJobId = (requestId: string): string => `test-${requestId}`;
