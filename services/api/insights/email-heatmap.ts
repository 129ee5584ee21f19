import { escapeAttribute, escapeText } from 'entities';
import { mapLinks } from '../../../lib/domain/email/email-links';
import type { HeatLink, LinkKpis } from './insights-types';

export type { HeatLink } from './insights-types';

/**
 * The Links tab's heat map (docs/api.md#insights-pages-ui): a copy of an email version's frozen HTML with each
 * tracked link's click share drawn next to it, built here so the page that shows it needs no script. Every tracked
 * link's href becomes an in-page anchor (`#cairn-link-<id>`), so a click in the copy goes nowhere and no recipient
 * URL is followed; the copy is served with a CSP of its own (no script at all, sandboxed) inside a sandboxed frame.
 */

/** CTR buckets: each fifth of the range 0..1 one step hotter; a link nobody clicked is 0. */
export const heatOf = (clickThroughRate: number): number =>
  clickThroughRate > 0 ? Math.min(5, Math.max(1, Math.ceil(clickThroughRate * 5))) : 0;

const HEAT_STYLE = `<style>
a[href^="#cairn-link-"] { outline: 2px dashed #d97706; outline-offset: 2px; cursor: default; }
.cairn-heat { display: inline-block; margin: 0 4px; padding: 1px 6px; border-radius: 9px; font: 600 12px/16px system-ui, sans-serif; color: #1f2937; background: #e2e8f0; border: 1px solid #94a3b8; vertical-align: middle; }
.cairn-heat-1 { background: #fef3c7; } .cairn-heat-2 { background: #fde68a; } .cairn-heat-3 { background: #fdba74; }
.cairn-heat-4 { background: #f97316; color: #fff; } .cairn-heat-5 { background: #dc2626; color: #fff; }
</style>`;

/**
 * External stylesheets (MJML's web fonts: a <link> and an @import) of the frozen HTML: the frame's policy fetches
 * none, so the copy drops them rather than have the browser refuse them; the fonts fall back to the email's own stack.
 */
const withoutStylesheets = (html: string): string =>
  html.replace(/<link\b[^>]*>/gi, '').replace(/@import\s+(url\([^)]*\)|"[^"]*"|'[^']*')[^;]*;?/gi, '');

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

function badge(link: HeatLink): string {
  const title = `${link.url}: ${link.totalClicks} clicks, ${link.uniqueClicks} unique, click-through rate ${percent(link.clickThroughRate)}`;
  return `<span class="cairn-heat cairn-heat-${link.heat}" data-link-id="${escapeAttribute(link.linkId)}" data-ctr="${link.clickThroughRate}" title="${escapeAttribute(title)}">${escapeText(percent(link.clickThroughRate))}</span>`;
}

/**
 * The heat-map copy of `html` (an email version's compiled HTML) and its links: every tracked link with its
 * clicks (zero when nobody clicked it), in the order they appear in the message.
 */
export function emailHeatmap(html: string, clicks: LinkKpis[]): { html: string; links: HeatLink[] } {
  const byId = new Map(clicks.map((c) => [c.linkId, c]));
  const links: HeatLink[] = [];
  const neutral = mapLinks(withoutStylesheets(html), (link) => {
    const kpis = byId.get(link.link_id) ?? {
      linkId: link.link_id,
      url: link.url,
      totalClicks: 0,
      uniqueClicks: 0,
      clickThroughRate: 0,
    };
    links.push({ ...kpis, url: kpis.url || link.url, heat: heatOf(kpis.clickThroughRate) });
    return `#cairn-link-${link.link_id}`;
  });
  const byAnchor = new Map(links.map((l) => [l.linkId, l]));
  // Link ids are base64url (email-links.ts), so the anchor's closing tag is found by the id alone.
  const marked = neutral.replace(
    /(<a\b[^>]*?\shref\s*=\s*"#cairn-link-([A-Za-z0-9_-]+)"[^>]*>[\s\S]*?<\/a>)/gi,
    (whole: string, anchor: string, id: string) => {
      const link = byAnchor.get(id);
      return link ? `${anchor}${badge(link)}` : whole;
    },
  );
  const styled = /<\/head>/i.test(marked) ? marked.replace(/<\/head>/i, `${HEAT_STYLE}</head>`) : HEAT_STYLE + marked;
  return { html: styled, links };
}
