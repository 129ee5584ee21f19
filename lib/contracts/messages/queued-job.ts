import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../../platform/logger';
import { describeMessageError, type MessageType } from './message-schema';

/** What a worker knows of a job before reading it: BullMQ's Job, whatever its declared data type. */
interface QueuedJob {
  id?: string | undefined;
  queueName: string;
  data: unknown;
}

/** The service's counter of unreadable jobs (prom-client's Counter fits), labelled by queue. */
export interface UnreadableJobs {
  inc(labels: { queue: string }): void;
}

/**
 * A BullMQ job's data, decoded. An unreadable job is logged (`job_unreadable`), counted and failed with
 * UnrecoverableError: BullMQ does not retry it, keeps it in the queue's failed set with its reason (the queue's
 * dead letter) and the worker takes the next job (docs/messages.md#unreadable-messages).
 */
export function readJob<T>(
  job: QueuedJob,
  message: MessageType<T>,
  options: { log: Logger; unreadable?: UnreadableJobs },
): T {
  const decoded = message.decode(job.data);
  if (decoded.ok) return decoded.value;
  const reason = describeMessageError(decoded.error);
  options.log.error({ queue: job.queueName, jobId: job.id, reason }, 'job_unreadable');
  options.unreadable?.inc({ queue: job.queueName });
  throw new UnrecoverableError(reason);
}
