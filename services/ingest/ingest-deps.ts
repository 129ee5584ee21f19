import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import type { Topics } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import type { CountryOf } from './client-country';
import type { EventSink } from './event-sink';
import type { FollowingPolicy } from './following-policy';
import type { IngestConfig } from './ingest.config';
import type { IngestMetrics } from './ingest.metrics';
import type { LinkResolver } from './links.repository';

/** What buildIngestApp (app.ts) is given; each route plugin takes it as its options. */
export interface IngestDeps {
  config: IngestConfig;
  log: Logger;
  pool: Pool;
  /** the form rate limits' counters, shared by every ingest instance (forms/form-rate-limits.ts) */
  redis: Redis;
  sink: EventSink;
  tokens: TrackingTokenCodec;
  topics: Topics;
  codec: EventCodec;
  links: LinkResolver;
  /** whose opens and clicks are served but not recorded (Do Not Allow and erased contacts, workspaces with following off), and who is erased */
  following: Pick<FollowingPolicy, 'follows' | 'erased'>;
  metrics: IngestMetrics;
  /** the client address's country for opens and clicks (client-country.ts) */
  countryOf: CountryOf;
}
