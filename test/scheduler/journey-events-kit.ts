import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { startApiKit, type ApiKit } from '../api/api-test-kit';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { testLogger, uniqueName } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';
import { SchedulerRig } from './scheduler-harness';

/** The API, a scheduler and a reader of the journey events topic, on one test environment. */
export class JourneyEventsKit {
  private readonly codec = new EventCodec();

  private constructor(
    readonly kit: ApiKit,
    readonly rig: SchedulerRig,
    private readonly reader: TopicReader,
  ) {}

  /** One kit for the enclosing describe: started before its tests, stopped after them. */
  static forSuite(): { readonly kit: ApiKit; readonly rig: SchedulerRig; readonly events: JourneyEventsKit } {
    let started: JourneyEventsKit | undefined;
    beforeAll(async () => {
      started = await JourneyEventsKit.start();
    });
    afterAll(async () => {
      await started?.stop();
    });
    const get = (): JourneyEventsKit => {
      if (!started) throw new Error('the journey events kit is started in beforeAll');
      return started;
    };
    return {
      get kit() {
        return get().kit;
      },
      get rig() {
        return get().rig;
      },
      get events() {
        return get();
      },
    };
  }

  static async start(): Promise<JourneyEventsKit> {
    const kit = await startApiKit();
    const rig = await new SchedulerRig(kit.env).start();
    const reader = await new TopicReader(kit.env.kafka, [kit.env.topics.journeyEvents]).start();
    return new JourneyEventsKit(kit, rig, reader);
  }

  /** Every journey event read so far, those the relay sent in a per-contact envelope included. */
  journeyEvents(): CairnEvent[] {
    return this.reader.raw.flatMap((record) =>
      (this.codec.unbatch(record.value) ?? [record.value]).map((buf) => this.codec.decode(buf)),
    );
  }

  /** `contact:tile:reason` of the tile_blocked events of the journeys read so far, each once. */
  blocked(journeyIds: string[]): string[] {
    const found = this.journeyEvents().flatMap((e) =>
      e.type === 'tile_blocked' && journeyIds.includes(e.data.journey_id)
        ? [`${e.data.contact_id}:${e.data.tile_id}:${e.data.reason}`]
        : [],
    );
    return [...new Set(found)];
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.rig.stop();
    await this.kit.close();
  }
}

/** An aggregator on the suite's topics and ClickHouse database for the enclosing describe, so tile KPIs fill. */
export function aggregatorForSuite(suite: { readonly kit: ApiKit }): void {
  let aggregator: ReturnType<typeof buildAggregator> | undefined;
  beforeAll(async () => {
    const env = suite.kit.env;
    aggregator = buildAggregator(
      loadAggregatorConfig({
        CAIRN_TOPIC_PREFIX: env.topicPrefix,
        CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
        CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
      }),
      testLogger('aggregator'),
    );
    await aggregator.start();
  });
  afterAll(async () => {
    await aggregator?.stop();
  });
}
