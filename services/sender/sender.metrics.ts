import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KeyView } from './domain-limiter';
import { throttleMetrics } from './throttle.metrics';

/** /metrics: messages by outcome, per-domain queue depth, SMTP latency. One registry per sender instance. */
export class SenderMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'cairn_sender_messages_total',
    help: 'messages by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly smtpLatency = new Histogram({
    name: 'cairn_sender_smtp_seconds',
    help: 'SMTP hand-off latency per message, by route (docs/sender.md#routes)',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** which DKIM key signed each message: its From domain's (aligned), the platform's, or none (docs/sender.md#sending-domains) */
  readonly dkimSigned = new Counter({
    name: 'cairn_sender_dkim_signed_total',
    help: "messages handed to SMTP by the DKIM key that signed them: 'sending_domain' (d= the From domain), 'platform' or 'none'",
    labelNames: ['key'],
    registers: [this.registry],
  });
  /** SMTP outcomes per route (docs/sender.md#routes); 'none': no route (route_unknown, lookup failed). Names are the operator's, bounded. */
  readonly routed = new Counter({
    name: 'cairn_sender_route_messages_total',
    help: "SMTP outcomes per route: delivered, refused, not_sent, unknown, invalid; route 'none' when no route could be used",
    labelNames: ['route', 'outcome'],
    registers: [this.registry],
  });
  readonly queueDepth: Gauge;
  /** SEND_QUEUE jobs failed unread (docs/messages.md#unreadable-messages) */
  readonly unreadableJobs = new Counter({
    name: 'cairn_sender_jobs_unreadable_total',
    help: 'queued jobs that could not be read, failed without a retry, by queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  /** counts one throttling reply of a key (docs/sender.md#throttling) */
  readonly throttleSignal: (key: string, signal: string) => void;

  constructor(depths: () => Map<string, number>, keys: () => KeyView[] = () => []) {
    this.throttleSignal = throttleMetrics(this.registry, keys);
    this.queueDepth = new Gauge({
      name: 'cairn_sender_domain_queue_depth',
      help: 'messages waiting for a connection slot, per destination domain',
      labelNames: ['domain'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [domain, depth] of depths()) this.set({ domain }, depth);
      },
    });
  }
}
