import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { EventCodec } from '../../lib/contracts/events/event-codec';
import {
  addressReportKey,
  encodeAddressReport,
  type AddressReport,
} from '../../lib/contracts/suppression/address-report';
import type { OutgoingMessage } from '../../lib/platform/kafka/kafka-client';
import { type Topics } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import type { Logger } from '../../lib/platform/logger';
import type { DurableSpool } from './durable-spool';
import type { IngestMetrics } from './ingest.metrics';
import type { EventProducer, SendDone } from './kafka-producer';

export interface EventSinkOptions {
  /** sends awaiting Kafka's ack above which new events go to the spool instead of piling up in memory */
  maxInFlight: number;
  replayBatch: number;
}

const RETRY_MS = 500;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Where every accepted event goes. Direct mode: batched to Kafka with acks=all. When a send fails or too
 * many are in flight, the sink switches to spooling: new events are appended to the durable spool (so they
 * stay in order behind the ones already there) and a replay loop sends the spool to Kafka oldest first,
 * switching back to direct mode once it is empty. publish() resolves when the event is durable: acked by
 * Kafka or fsynced to the spool.
 * NOTE: a failed batch may have partly reached Kafka before it is spooled and replayed, so an event_id can
 * appear twice in Kafka; the aggregator counts each event_id once.
 */
export class EventSink {
  private state: 'direct' | 'spooling' = 'direct';
  private inFlight = 0;
  private connected = false;
  private replaying: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly producer: EventProducer,
    private readonly spool: DurableSpool,
    private readonly deps: { codec: EventCodec; topics: Topics; metrics: IngestMetrics; log: Logger },
    private readonly options: EventSinkOptions,
  ) {}

  /** Starts even when Kafka is down: the spool takes the events until the broker answers. */
  async start(): Promise<void> {
    const recovered = await this.spool.open();
    if (recovered.lost.regions > 0 || recovered.tornTailBytes > 0 || recovered.offsetReset) {
      // Corrupt frames are counted (and dropped) here only: open() rewrote the spool without them.
      this.deps.log.warn({ ...recovered }, 'spool_recovered');
      this.countLost(recovered.lost);
    }
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (error) {
      this.deps.log.warn({ err: error }, 'kafka_connect_failed_spooling');
      this.enterSpooling();
    }
    if (this.spool.depth > 0) this.enterSpooling();
  }

  get spooling(): boolean {
    return this.state === 'spooling';
  }

  get spoolDepth(): number {
    return this.spool.depth;
  }

  get spoolBytes(): number {
    return this.spool.bytes;
  }

  /** Keyed by contact so one contact's events stay in order on one partition. */
  publishEvent(event: CairnEvent): Promise<void> {
    const value = this.deps.codec.encode(event);
    return this.publish({ topic: topicForEvent(this.deps.topics, event.type), key: event.data.contact_id, value });
  }

  /** For the sender's suppression writer; keyed by workspace and address, so one address's reports stay in order. */
  publishAddressReport(report: AddressReport): Promise<void> {
    return this.publish({
      topic: this.deps.topics.addressReports,
      key: addressReportKey(report),
      value: encodeAddressReport(report),
    });
  }

  publish(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.deliver(message, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * publish() with a callback instead of a promise (the pixel and redirect make one event per hit and never
   * wait for it): done() once the event is durable, done(error) only when neither Kafka nor the spool took it.
   */
  deliver(message: OutgoingMessage, done: SendDone): void {
    if (this.state === 'spooling' || this.inFlight >= this.options.maxInFlight) return this.spoolThen(message, done);
    this.inFlight++;
    this.producer.enqueue(message, (error) => {
      this.inFlight--;
      if (!error) {
        this.deps.metrics.eventsPublished.inc('kafka');
        return done();
      }
      // One line per outage, not one per event.
      if (this.state === 'direct') this.deps.log.warn({ err: error }, 'kafka_send_failed');
      this.spoolThen(message, done);
    });
  }

  private countLost(lost: { regions: number; bytes: number }): void {
    this.deps.metrics.spoolLostRegions.inc(lost.regions);
    this.deps.metrics.spoolLostBytes.inc(lost.bytes);
  }

  private spoolThen(message: OutgoingMessage, done: SendDone): void {
    this.toSpool(message).then(() => done(), done);
  }

  private toSpool(message: OutgoingMessage): Promise<void> {
    this.enterSpooling();
    return this.spool.append(message).then(() => void this.deps.metrics.eventsPublished.inc('spool'));
  }

  private enterSpooling(): void {
    if (this.state !== 'spooling') this.deps.log.warn({ spoolDepth: this.spool.depth }, 'spooling_started');
    this.state = 'spooling';
    if (!this.stopped) this.replaying ??= this.replayLoop().finally(() => (this.replaying = undefined));
  }

  /** Replays oldest first; a chunk is committed only after Kafka acknowledged all of it. */
  private async replayLoop(): Promise<void> {
    let failures = 0;
    let lostCountedTo = -1;
    while (!this.stopped) {
      try {
        if (!this.connected) {
          await this.producer.connect();
          this.connected = true;
        }
        const { messages, nextOffset, lost } = await this.spool.readChunk(this.options.replayBatch);
        // Counted once, though a chunk is read again after a failed send.
        if (lost.regions > 0 && nextOffset > lostCountedTo) {
          lostCountedTo = nextOffset;
          this.deps.log.error({ lost, spoolDepth: this.spool.depth }, 'spool_frames_lost');
          this.countLost(lost);
        }
        if (messages.length === 0) {
          // Only corrupt bytes were left to read: move past them.
          if (nextOffset !== this.spool.position) {
            await this.spool.commit(nextOffset, 0);
            continue;
          }
          // Appends that came in while the file was being emptied keep the loop going (checked with no await
          // between the check and the switch to direct sends below).
          if (this.inFlight === 0 && (await this.spool.truncateIfDrained()) && this.spool.isDrained) break;
          await sleep(5);
          continue;
        }
        await Promise.all(messages.map((m) => this.producer.send(m)));
        await this.spool.commit(nextOffset, messages.length);
        this.deps.metrics.eventsReplayed.inc(messages.length);
      } catch (error) {
        if (++failures % 20 === 1)
          this.deps.log.warn({ err: error, spoolDepth: this.spool.depth, failures }, 'spool_replay_retry');
        await sleep(RETRY_MS);
      }
    }
    if (!this.stopped) {
      this.state = 'direct';
      this.deps.log.info({}, 'spooling_ended');
    }
  }

  /** Waits for sends in flight (failures land in the spool), then closes; the spool is replayed on next start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.producer.flush().catch(() => undefined);
    await this.replaying;
    await this.producer.disconnect().catch(() => undefined);
    await this.spool.close();
  }
}
