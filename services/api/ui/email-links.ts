import type { CountryKpis, Heatmap } from './api-types';
import { h, table } from './dom';
import { formatCount, formatPercent, shareOf } from './format';
import { section } from './page-shell';

/**
 * The email page's Links heat map and geography (docs/api.md#insights-pages-ui). The heat map is the API's copy of
 * the frozen HTML with each link's click share drawn next to it (GET /v1/insights/emails/{id}/heatmap): this page
 * only frames it, in a frame sandboxed with no permission at all (no script, an opaque origin that cannot reach
 * this page, no navigation or forms), and the copy's own response forbids script as well.
 */

const HEAT_LEGEND = ['no clicks', '≤ 20 %', '≤ 40 %', '≤ 60 %', '≤ 80 %', '≤ 100 %'];

export function heatmapSection(heatmap: Heatmap): HTMLElement {
  const frame = h('iframe', {
    src: heatmap.frame_url,
    sandbox: '',
    referrerpolicy: 'no-referrer',
    title: `Version ${heatmap.version} of the email with each link's click-through rate`,
    class: 'heatmap-frame',
    'data-heatmap': heatmap.version,
  });
  const legend = h(
    'ul',
    { class: 'heat-legend' },
    ...HEAT_LEGEND.map((label, heat) => h('li', {}, h('span', { class: `heat-swatch heat-${heat}` }), label)),
  );
  return section(
    'Links heat map',
    h(
      'p',
      { class: 'muted' },
      `Version ${heatmap.version} as recipients saw it (merge fields unfilled), each link marked with its click-through rate; hover a mark for its clicks. Links in the copy go nowhere.`,
    ),
    legend,
    frame,
  );
}

const regions = new Intl.DisplayNames(['en'], { type: 'region' });
const countryName = (code: string | null): string => {
  if (code === null) return 'Unknown';
  try {
    return `${regions.of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
};

export function geographySection(countries: CountryKpis[]): HTMLElement {
  const allOpens = countries.reduce((sum, c) => sum + c.openedTotal, 0);
  const rows = countries.map((c) => ({
    attributes: { 'data-country': c.country ?? '' },
    cells: [
      countryName(c.country),
      formatCount(c.openedUnique),
      formatCount(c.openedTotal),
      formatCount(c.clickedUnique),
      formatCount(c.clickedTotal),
      formatCount(c.attachmentViewsTotal),
      h(
        'span',
        { class: 'ctr' },
        h('meter', { min: 0, max: 1, value: shareOf(c.openedTotal, allOpens) }),
        formatPercent(shareOf(c.openedTotal, allOpens)),
      ),
    ],
  }));
  return section(
    'Geography',
    h(
      'p',
      { class: 'muted' },
      'Human opens and clicks by the country of the client address. A message opened from two countries is a unique open in each.',
    ),
    countries.length === 0
      ? h('p', { class: 'muted' }, 'No opens or clicks in this period.')
      : table(
          [
            'Country',
            'Opened (unique)',
            'Opened (total)',
            'Clicked (unique)',
            'Clicked (total)',
            'Attachment views',
            'Share of opens',
          ],
          rows,
          { class: 'list compact', 'data-table': 'geography' },
        ),
  );
}
