import { extractLinks } from '../../../lib/domain/email/email-links';
import { emailHeatmap, heatOf } from './email-heatmap';

const HTML = `<html><head><title>t</title></head><body>
<a href="https://example.com/a?x=1&amp;y=2">A</a> <a href="https://example.com/b" class="btn">B <b>bold</b></a>
<a href="mailto:hi@example.com">mail</a> <a href="https://example.com/a?x=1&amp;y=2">A again</a>
</body></html>`;

describe('emailHeatmap (docs/api.md#insights-pages-ui)', () => {
  const [a, b, again] = extractLinks(HTML);

  it('puts each tracked link’s click share next to it and makes the link go nowhere', () => {
    const clicks = [
      {
        linkId: a?.link_id ?? '',
        url: 'https://example.com/a?x=1&y=2',
        totalClicks: 5,
        uniqueClicks: 3,
        clickThroughRate: 0.75,
      },
      {
        linkId: b?.link_id ?? '',
        url: 'https://example.com/b',
        totalClicks: 1,
        uniqueClicks: 1,
        clickThroughRate: 0.25,
      },
    ];
    const { html, links } = emailHeatmap(HTML, clicks);
    expect(links.map((l) => [l.linkId, l.clickThroughRate, l.heat])).toEqual([
      [a?.link_id, 0.75, 4],
      [b?.link_id, 0.25, 2],
      [again?.link_id, 0, 0],
    ]);
    expect(html).not.toContain('https://example.com/b"');
    expect(html).toContain(
      `href="#cairn-link-${b?.link_id}" class="btn">B <b>bold</b></a><span class="cairn-heat cairn-heat-2"`,
    );
    expect(html).toContain('>75.0 %</span>');
    expect(html).toContain('href="mailto:hi@example.com">mail</a> <a');
    expect(html.match(/class="cairn-heat /g)).toHaveLength(3);
    expect(html.indexOf('<style>')).toBeLessThan(html.indexOf('</head>'));
  });

  it('escapes what comes from the data into the badge', () => {
    const evil = '<a href="https://example.com/x">x</a>';
    const [link] = extractLinks(evil);
    const { html } = emailHeatmap(evil, [
      {
        linkId: link?.link_id ?? '',
        url: '"><script>alert(1)</script>',
        totalClicks: 1,
        uniqueClicks: 1,
        clickThroughRate: 1,
      },
    ]);
    // the quote is escaped, so the URL stays inside the title attribute
    expect(html).not.toContain('"><script>');
    expect(html).toContain('title="&quot;><script>alert(1)</script>: 1 clicks');
  });

  it('drops external stylesheets, which the frame would refuse', () => {
    const fonts = `<head><link href="https://fonts.googleapis.com/css?family=Ubuntu" rel="stylesheet" type="text/css"><style type="text/css">@import url(https://fonts.googleapis.com/css?family=Ubuntu);
p { margin: 0 }</style></head><body><p>x</p></body>`;
    const { html } = emailHeatmap(fonts, []);
    expect(html).not.toContain('googleapis');
    expect(html).toContain('p { margin: 0 }');
  });

  it('buckets click-through rates by fifths', () => {
    expect([0, 0.001, 0.2, 0.21, 0.6, 1].map(heatOf)).toEqual([0, 1, 1, 2, 3, 5]);
  });
});
