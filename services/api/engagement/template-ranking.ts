import type { TemplateStats } from './engagement-queries';

export interface RankedTemplate extends TemplateStats {
  /** messages followed by a lead for their contact within the window (template-leads.ts) */
  leads: number;
  open_rate: number | null;
  reply_rate: number | null;
  lead_rate: number | null;
  recommended: boolean;
}

/**
 * The recommendation rule (docs/engagement.md#template-recommendations): among templates with at least `minSends`
 * messages sent, rank by lead rate (the sales signal), then reply rate, then open rate (human traffic only); the
 * best quarter (at least one) is recommended, provided a message of it was followed by a lead, a reply or an open.
 * Templates with fewer sends show their rates but are never recommended: a handful of messages says little.
 */
export function rankTemplates(
  stats: ReadonlyMap<string, TemplateStats>,
  ids: readonly string[],
  minSends: number,
  leadCounts: ReadonlyMap<string, number> = new Map(),
): Map<string, RankedTemplate> {
  // A lead can follow a message whose send event ClickHouse has not counted yet; a rate never passes 1.
  const rate = (part: number, whole: number): number | null => (whole > 0 ? Math.min(1, part / whole) : null);
  const ranked = new Map<string, RankedTemplate>();
  for (const id of ids) {
    const s = stats.get(id) ?? { sent: 0, opened: 0, replied: 0 };
    const leads = leadCounts.get(id) ?? 0;
    ranked.set(id, {
      ...s,
      leads,
      open_rate: rate(s.opened, s.sent),
      reply_rate: rate(s.replied, s.sent),
      lead_rate: rate(leads, s.sent),
      recommended: false,
    });
  }
  const eligible = [...ranked.entries()].filter(
    ([, t]) => t.sent >= minSends && (t.leads > 0 || t.replied > 0 || t.opened > 0),
  );
  eligible.sort(([a, x], [b, y]) => byRates(y, x) || a.localeCompare(b));
  const best = Math.max(1, Math.ceil(eligible.length / 4));
  for (const [, template] of eligible.slice(0, best)) template.recommended = true;
  return ranked;
}

/** Lead rate, then reply rate, then open rate: positive when `a` ranks above `b`. */
export const byRates = (
  a: Pick<RankedTemplate, 'lead_rate' | 'reply_rate' | 'open_rate'>,
  b: Pick<RankedTemplate, 'lead_rate' | 'reply_rate' | 'open_rate'>,
): number =>
  (a.lead_rate ?? -1) - (b.lead_rate ?? -1) ||
  (a.reply_rate ?? -1) - (b.reply_rate ?? -1) ||
  (a.open_rate ?? -1) - (b.open_rate ?? -1);
