import { hash } from 'node:crypto';

/**
 * Cairn's one way to name a BullMQ job by what it does: `<prefix>-` and the first 32 hex digits of the SHA-256 of
 * its key. BullMQ refuses ':' in custom ids and keys hold it; the same key always gives the same id, so a job
 * added again is a no-op while BullMQ still holds it.
 * NOTE: ids of jobs already queued are compared with new ones: the format must not change (job-id.test.ts pins it).
 */
export function hashedJobId(prefix: string, key: string): string {
  return `${prefix}-${hash('sha256', key, 'hex').slice(0, 32)}`;
}
