import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { raw } from '../../lib/platform/clickhouse/sql';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { emailEvent, tileEvent } from './aggregator-harness';

const ROOT = join(__dirname, '..', '..');

/** A real aggregator process; detached so SIGKILL reaches tsx and the node process it runs, as a crash would. */
export class AggregatorProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  start(): void {
    const log = openSync(this.logFile, 'a');
    this.child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['services/aggregator/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, CAIRN_LOG_LEVEL: 'info', ...this.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
  }

  kill(): void {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child = undefined;
  }

  /** Orderly stop (SIGTERM to the group) and wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => this.kill(), 20_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }
}

/** A deterministic mixed stream: sends, opens (some machine), clicks on 3 links, bounces, tile events. */
export function mixedEvents(workspaceId: string, count: number, seed = 1): CairnEvent[] {
  const events: CairnEvent[] = [];
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  for (let i = 0; events.length < count; i++) {
    const message = `m${rand(5000)}`;
    const contact = `c${message.slice(1)}`;
    const common = {
      workspace_id: workspaceId,
      email_id: `e${rand(3)}`,
      journey_id: `j${rand(2)}`,
      message_id: message,
      contact_id: contact,
    };
    const pick = rand(10);
    if (pick < 2) events.push(emailEvent('send', common));
    else if (pick < 5) events.push(emailEvent('open', { ...common, machine: rand(5) === 0 }));
    else if (pick < 7) events.push(emailEvent('click', { ...common, link_id: `L${rand(3)}`, url: 'https://x.test' }));
    else if (pick < 8)
      events.push(emailEvent('bounce', { ...common, bounce_class: ['hard', 'soft', 'other'][rand(3)] }));
    else
      events.push(
        tileEvent(pick === 8 ? 'tile_inflow' : 'tile_processed', {
          workspace_id: workspaceId,
          journey_id: 'j0',
          tile_id: `T${rand(4)}`,
          contact_id: contact,
        }),
      );
  }
  return events;
}

interface Line {
  k: string;
  events: string;
  messages: string;
}

const asMap = (rows: Line[]): Map<string, string> => new Map(rows.map((r) => [r.k, `${r.events}/${r.messages}`]));

/**
 * Every KPI cell (email KPIs per email/metric/detail/machine, tile KPIs per tile/metric/detail) next to the same
 * cell recounted from events_raw by distinct event_id; returns the cells that differ (empty when exact).
 */
export async function kpiMismatches(ch: ClickHouse): Promise<string[]> {
  const [
    kpiEmail,
    rawEmail,
    kpiTile,
    rawTile,
    glossaryTile,
    rawGlossaryTile,
    geography,
    rawGeography,
    tileEmail,
    rawTileEmail,
  ] = await Promise.all([
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|', metric, '|', detail, '|', toString(machine)) AS k,
      uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages FROM kpi_email_daily GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|',
        if(event_type = 'bounce', concat('bounce_', if(bounce_class IN ('hard', 'soft'), bounce_class, 'other')), event_type), '|',
        if(event_type = 'click', link_id, if(event_type = 'blocked', reason, '')), '|', toString(machine)) AS k,
      uniqExact(event_id) AS events, uniqExact(message_id) AS messages FROM events_raw WHERE email_id != '' GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(tile_id, '|', metric, '|', detail) AS k,
      uniqExactMerge(events) AS events, uniqExactMerge(contacts) AS messages FROM kpi_tile_daily GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(tile_id, '|', replaceOne(event_type, 'tile_', ''), '|',
        if(event_type = 'tile_path_taken', path_id, if(event_type = 'tile_blocked', reason, ''))) AS k,
      uniqExact(event_id) AS events, uniqExact(contact_id) AS messages FROM events_raw WHERE event_type LIKE 'tile_%' GROUP BY k`),
    ),
    // the tile glossary table (0090): tile contacts per iteration
    ch.rows<Line>(
      raw.trusted(`SELECT k, sum(c) AS events, sum(c) AS messages FROM (SELECT concat(tile_id, '|', metric) AS k, iteration,
      uniqExactMerge(contacts) AS c FROM kpi_tile_glossary GROUP BY k, iteration) GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(tile_id, '|', replaceOne(event_type, 'tile_', '')) AS k, uniqExact(contact_id, iteration) AS events,
      uniqExact(contact_id, iteration) AS messages FROM events_raw WHERE event_type LIKE 'tile_%' GROUP BY k`),
    ),
    // the geography table (0100): opens, clicks and attachment views per email, country and machine flag
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|', metric, '|', country, '|', toString(machine)) AS k,
      uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages FROM kpi_email_geography GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|', if(link_kind = 'attachment', 'attachment_view', event_type), '|',
        visitParamExtractString(detail, 'country'), '|', toString(machine)) AS k, uniqExact(event_id) AS events, uniqExact(message_id) AS messages
      FROM events_raw WHERE email_id != '' AND event_type IN ('open', 'click') GROUP BY k`),
    ),
    // the per-tile email table (0130): every email event once per email, tile and machine flag
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|', tile_id, '|', toString(machine)) AS k,
      uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages FROM kpi_email_tile_glossary GROUP BY k`),
    ),
    ch.rows<Line>(
      raw.trusted(`SELECT concat(email_id, '|', tile_id, '|', toString(machine)) AS k, uniqExact(event_id) AS events,
      uniqExact(message_id) AS messages FROM events_raw WHERE email_id != '' AND event_type NOT LIKE 'tile_%' GROUP BY k`),
    ),
  ]);
  const diff: string[] = [];
  const pairs = [
    [kpiEmail, rawEmail],
    [kpiTile, rawTile],
    [glossaryTile, rawGlossaryTile],
    [geography, rawGeography],
    [tileEmail, rawTileEmail],
  ].map(([kpi, recount]) => [asMap(kpi ?? []), asMap(recount ?? [])] as const);
  for (const [kpi, recount] of pairs) {
    for (const key of new Set([...kpi.keys(), ...recount.keys()])) {
      if (kpi.get(key) !== recount.get(key)) diff.push(`${key}: kpi ${kpi.get(key)} recount ${recount.get(key)}`);
    }
  }
  return diff;
}
