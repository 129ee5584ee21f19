import { Redis } from 'ioredis';

/** BullMQ needs maxRetriesPerRequest: null on connections used by workers. */
export function createRedis(url: string, options: { forBullmq?: boolean } = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: options.forBullmq ? null : 3,
  });
}
