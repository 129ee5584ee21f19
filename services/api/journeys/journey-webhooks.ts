import type { FastifyRequest } from 'fastify';
import type { JourneyGraph } from '../../../lib/domain/journeys/journey-graph';
import { requireScope } from '../api-auth';

/** (tile id, URL) of each launch-workflow tile of a graph that came in a body or from a row. */
function webhookDestinations(graph: unknown): Array<[tileId: string, url: string]> {
  if (typeof graph !== 'object' || graph === null || !('tiles' in graph) || !Array.isArray(graph.tiles)) return [];
  return graph.tiles.flatMap((tile: unknown) => {
    if (
      typeof tile !== 'object' ||
      tile === null ||
      !('type' in tile) ||
      tile.type !== 'launch_workflow' ||
      !('id' in tile) ||
      !('config' in tile)
    )
      return [];
    const { id, config } = tile;
    const url = typeof config === 'object' && config !== null && 'url' in config ? config.url : undefined;
    return typeof id === 'string' && typeof url === 'string' && url !== '' ? [[id, url] as [string, string]] : [];
  });
}

/**
 * Where a journey's webhooks go is the admin's decision (issue 20 defect 17): a write key may edit the journey
 * and move an existing destination between tiles, but a URL the stored journey does not already have needs admin.
 */
export function assertWebhookScope(request: FastifyRequest, graph: unknown, stored: JourneyGraph | undefined): void {
  const known = new Set(webhookDestinations(stored).map(([, url]) => url));
  const added = webhookDestinations(graph).find(([, url]) => !known.has(url));
  if (added)
    requireScope(
      request,
      'admin',
      `graph.tiles.${added[0]}.config.url`,
      `setting the webhook destination of tile "${added[0]}"`,
    );
}
