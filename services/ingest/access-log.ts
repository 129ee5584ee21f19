import type { FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Logger } from '../../lib/platform/logger';
import type { BoundCounter } from './ingest.metrics';

type RequestLabels = 'route' | 'method' | 'status';

/**
 * Access log lines and the request counter, by route pattern only (tokens identify recipients). Every route
 * but the pixel and redirects gets an onResponse hook bound to its pattern (see onRoute in app.ts); those hot
 * routes call hit() as they answer instead: a global onResponse hook (fastify's hook runner, plus the
 * routeOptions object it takes to learn the pattern) cost about 12 µs of a pixel hit's ~170.
 */
export class AccessLog {
  private hits = 0;
  private readonly sample: number;

  constructor(
    private readonly log: Logger,
    private readonly requests: BoundCounter<RequestLabels>,
    private readonly enabled: boolean,
    sample: number,
  ) {
    this.sample = Math.max(1, sample);
  }

  /** A route's onResponse hook: every request counted and logged. */
  hook(route: string): onResponseHookHandler {
    return (request, reply, done) => {
      this.record(route, request.method, reply.statusCode, reply.elapsedTime, 1);
      done();
    };
  }

  /**
   * A pixel or redirect answered with `status`: counted; logged 1 in N when successful (a log line costs a
   * quarter of a hit's CPU, and /metrics counts them all), every failure logged.
   */
  hit(route: string, request: FastifyRequest, reply: FastifyReply, status: number): void {
    this.record(route, request.method, status, reply.elapsedTime, status < 400 ? this.sample : 1);
  }

  private record(route: string, method: string, status: number, elapsedMs: number, every: number): void {
    this.requests.inc(route, method, String(status));
    if (this.enabled && (every === 1 || ++this.hits % every === 0)) {
      this.log.info({ method, route, status, ms: Math.round(elapsedMs * 10) / 10, sample: every }, 'http_access');
    }
  }
}
