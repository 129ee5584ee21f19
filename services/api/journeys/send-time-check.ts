import { sendTimeIssues } from '../../../lib/domain/engagement/send-time';
import type { JourneyGraph, JourneyIssue } from '../../../lib/domain/journeys/journey-graph';

/** Email tiles' send-time optimisation (docs/scheduler.md#send-time-optimisation), naming graph.tiles[i].config.send_time.<field>. */
export function sendTimeTileIssues(graph: JourneyGraph): JourneyIssue[] {
  return graph.tiles.flatMap((tile, i) =>
    tile.type === 'email'
      ? sendTimeIssues(tile.config?.send_time).map((problem) => ({
          field: `graph.tiles[${i}].config.${problem.field}`,
          message: `tile "${tile.id}" (email): ${problem.message}`,
        }))
      : [],
  );
}
