import type { TemplateStats } from './engagement-queries';

export interface RankedTemplate extends TemplateStats {
  open_rate: number | null;
  reply_rate: number | null;
  recommended: boolean;
}

/**
 * The recommendation rule (docs/engagement.md): among templates with at least `minSends` messages sent, rank by
 * reply rate, then open rate (human traffic only); the best quarter (at least one) is recommended, provided
 * people did reply to or open its messages. Templates with fewer sends show their rates but are never
 * recommended: a handful of messages says little.
 */
export function rankTemplates(
  stats: ReadonlyMap<string, TemplateStats>,
  ids: readonly string[],
  minSends: number,
): Map<string, RankedTemplate> {
  const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
  const ranked = new Map<string, RankedTemplate>();
  for (const id of ids) {
    const s = stats.get(id) ?? { sent: 0, opened: 0, replied: 0 };
    ranked.set(id, {
      ...s,
      open_rate: rate(s.opened, s.sent),
      reply_rate: rate(s.replied, s.sent),
      recommended: false,
    });
  }
  const eligible = [...ranked.entries()].filter(([, t]) => t.sent >= minSends && (t.replied > 0 || t.opened > 0));
  eligible.sort(
    ([a, x], [b, y]) =>
      (y.reply_rate ?? 0) - (x.reply_rate ?? 0) || (y.open_rate ?? 0) - (x.open_rate ?? 0) || a.localeCompare(b),
  );
  const best = Math.max(1, Math.ceil(eligible.length / 4));
  for (const [, template] of eligible.slice(0, best)) template.recommended = true;
  return ranked;
}
