import { ApiError, apiGet, rangeQuery } from './api-client';
import type {
  CountryKpis,
  DeliveryBreakdown,
  EmailKpis,
  EmailRow,
  Heatmap,
  LinkKpis,
  ResponsesOnDay,
} from './api-types';
import { funnelChart, responsesChart, type FunnelStage } from './charts';
import { h, table, type Child } from './dom';
import { geographySection, heatmapSection } from './email-links';
import { formatCount, formatPercent, shareOf } from './format';
import { pageTitle, rangeFilter, section, statusBadge, type Shell } from './page-shell';

/**
 * An email's insights (docs/kpis.md#insights-views): KPI cards, the delivery funnel and breakdown, opens and clicks
 * over time, the links with their click-through rates, the links heat map and opens and clicks by country. Every
 * number is a field of GET /v1/insights/emails/{id}[/delivery|/responses|/links|/heatmap|/geography], printed with
 * format.ts; each carries data-kpi / data-* naming that field for the test.
 */

/** the KPI answer's number fields */
type Count = { [K in keyof EmailKpis]: EmailKpis[K] extends number ? K : never }[keyof EmailKpis];

interface Card {
  field: Count;
  label: string;
  /** smaller numbers under the main one, each a field of the KPI answer */
  secondary?: Array<{ field: Count; suffix: string }>;
  note?: (k: EmailKpis) => string;
}

const ofDelivered = (k: EmailKpis, field: Count) => `${formatPercent(shareOf(k[field], k.delivered))} of delivered`;

const DELIVERY_CARDS: Card[] = [
  { field: 'targeted', label: 'Targeted' },
  { field: 'sent', label: 'Sent', note: (k) => `${formatPercent(shareOf(k.sent, k.targeted))} of targeted` },
  { field: 'delivered', label: 'Delivered', note: (k) => `${formatPercent(shareOf(k.delivered, k.sent))} of sent` },
  { field: 'blocked', label: 'Blocked', note: () => 'not sent: do not bulk email, bad address' },
  {
    field: 'bouncedTotal',
    label: 'Bounced',
    secondary: [
      { field: 'bouncedHard', suffix: 'hard' },
      { field: 'bouncedSoft', suffix: 'soft' },
      { field: 'bouncedOther', suffix: 'other' },
    ],
  },
  { field: 'sendingFailed', label: 'Sending failed', note: () => 'beside Sent, never in it' },
];

const ENGAGEMENT_CARDS: Card[] = [
  {
    field: 'openedUnique',
    label: 'Opened (unique)',
    secondary: [{ field: 'openedTotal', suffix: 'total' }],
    note: (k) => ofDelivered(k, 'openedUnique'),
  },
  { field: 'didNotOpen', label: 'Did not open', note: (k) => ofDelivered(k, 'didNotOpen') },
  {
    field: 'clickedUnique',
    label: 'Clicked (unique)',
    secondary: [{ field: 'clickedTotal', suffix: 'total' }],
    note: (k) => ofDelivered(k, 'clickedUnique'),
  },
  { field: 'forwarded', label: 'Forwarded', secondary: [{ field: 'forwardSubmissions', suffix: 'submissions' }] },
  { field: 'unsubscribed', label: 'Unsubscribed' },
  { field: 'feedbackLoops', label: 'Feedback loops', note: () => 'marked as spam' },
  { field: 'subscriptionSubmitted', label: 'Subscription submitted' },
  { field: 'generatedLeads', label: 'Generated leads' },
  {
    field: 'attachmentViewsUnique',
    label: 'Attachment views',
    secondary: [{ field: 'attachmentViewsTotal', suffix: 'total' }],
  },
];

const MACHINE_CARDS: Card[] = [
  { field: 'machineOpens', label: 'Machine opens' },
  { field: 'machineClicks', label: 'Machine clicks' },
  { field: 'machineOnlyOpened', label: 'Opened by machines only', note: () => 'counted in Did not open' },
];

const count = (field: string, value: number, attribute = 'data-kpi'): HTMLElement =>
  h('span', { [attribute]: field, 'data-value': value }, formatCount(value));

function kpiCard(card: Card, kpis: EmailKpis): HTMLElement {
  const secondary: Child[] = (card.secondary ?? []).flatMap((s, i) => [
    i > 0 ? ' · ' : '',
    count(s.field, kpis[s.field]),
    ` ${s.suffix}`,
  ]);
  return h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, card.label),
    h('span', { class: 'kpi-value' }, count(card.field, kpis[card.field])),
    secondary.length > 0 ? h('span', { class: 'kpi-secondary' }, ...secondary) : null,
    card.note ? h('span', { class: 'kpi-note' }, card.note(kpis)) : null,
  );
}

const kpiGrid = (title: string, cards: Card[], kpis: EmailKpis): HTMLElement =>
  h(
    'div',
    { class: 'kpi-group' },
    h('h3', {}, title),
    h('div', { class: 'kpi-grid' }, ...cards.map((c) => kpiCard(c, kpis))),
  );

function funnelStages(delivery: DeliveryBreakdown, kpis: EmailKpis): Array<FunnelStage & { key: string }> {
  return [
    { key: 'targeted', label: 'Targeted', value: delivery.targeted },
    { key: 'sent', label: 'Sent', value: delivery.sent },
    { key: 'delivered', label: 'Delivered', value: delivery.delivered },
    { key: 'openedUnique', label: 'Opened (unique)', value: kpis.openedUnique },
    { key: 'clickedUnique', label: 'Clicked (unique)', value: kpis.clickedUnique },
  ];
}

function deliveryRows(delivery: DeliveryBreakdown): Array<{ key: string; label: string; value: number }> {
  return [
    ...Object.entries(delivery.blockedByReason).map(([reason, value]) => ({
      key: `blocked:${reason}`,
      label: `Blocked: ${reason.replace(/_/g, ' ')}`,
      value,
    })),
    { key: 'bounced:hard', label: 'Bounced (hard)', value: delivery.bounced.hard },
    { key: 'bounced:soft', label: 'Bounced (soft)', value: delivery.bounced.soft },
    { key: 'bounced:other', label: 'Bounced (other)', value: delivery.bounced.other },
    { key: 'sendingFailed', label: 'Sending failed', value: delivery.sendingFailed },
  ];
}

function deliverySection(delivery: DeliveryBreakdown, kpis: EmailKpis): { element: HTMLElement; draw: () => void } {
  const stages = funnelStages(delivery, kpis);
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Delivery funnel' });
  const funnelTable = table(
    ['Stage', 'Messages', 'Of targeted'],
    stages.map((s) => ({
      attributes: { 'data-funnel': s.key },
      cells: [s.label, count(s.key, s.value, 'data-funnel-value'), formatPercent(shareOf(s.value, delivery.targeted))],
    })),
    { class: 'compact' },
  );
  const breakdown = table(
    ['Where messages did not get through', 'Messages'],
    deliveryRows(delivery).map((row) => ({
      attributes: { 'data-delivery': row.key },
      cells: [row.label, count(row.key, row.value, 'data-delivery-value')],
    })),
    { class: 'compact' },
  );
  const element = section(
    'Delivery funnel',
    h('div', { class: 'split' }, h('div', { class: 'chart funnel' }, canvas), h('div', {}, funnelTable, breakdown)),
  );
  return { element, draw: () => void funnelChart(canvas, stages) };
}

function responsesSection(days: ResponsesOnDay[]): { element: HTMLElement; draw: () => void } {
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Opens and clicks per day' });
  const data = table(
    ['Day', 'Opened', 'Opened (unique)', 'Clicked', 'Clicked (unique)', 'Forwarded', 'Unsubscribed'],
    days.map((d) => ({
      attributes: { 'data-day': d.day },
      cells: [
        d.day,
        formatCount(d.opened),
        formatCount(d.openedUnique),
        formatCount(d.clicked),
        formatCount(d.clickedUnique),
        formatCount(d.forwarded),
        formatCount(d.unsubscribed),
      ],
    })),
    { class: 'compact', 'data-table': 'responses' },
  );
  const body =
    days.length === 0
      ? h('p', { class: 'muted' }, 'No opens or clicks in this period.')
      : h('div', { class: 'chart responses' }, canvas);
  const element = section(
    'Opens and clicks over time',
    h('p', { class: 'muted' }, "Human responses per day in the workspace's time zone."),
    body,
    h('details', {}, h('summary', {}, 'Data'), data),
  );
  return { element, draw: () => void (days.length > 0 && responsesChart(canvas, days)) };
}

function linksSection(links: LinkKpis[]): HTMLElement {
  const rows = links.map((link) => ({
    attributes: { 'data-link-id': link.linkId },
    cells: [
      h('span', { class: 'url', title: link.url }, link.url || link.linkId),
      formatCount(link.totalClicks),
      formatCount(link.uniqueClicks),
      h(
        'span',
        { class: 'ctr' },
        h('meter', { min: 0, max: 1, value: link.clickThroughRate }),
        formatPercent(link.clickThroughRate),
      ),
    ],
  }));
  return section(
    'Links',
    h('p', { class: 'muted' }, 'Click-through rate: the link’s unique clicks ÷ all unique clicks of the email.'),
    links.length === 0
      ? h('p', { class: 'muted' }, 'No clicks in this period.')
      : table(['Link', 'Total clicks', 'Unique clicks', 'Click-through rate'], rows, {
          class: 'list',
          'data-table': 'links',
        }),
  );
}

export async function renderEmailPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const range = rangeQuery(search);
  const base = `/v1/insights/emails/${id}`;
  // an email that never went live has no version to draw: its heat map is 404, the rest of the page stands
  const noVersion = (error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  };
  const [email, kpis, delivery, responses, links, heatmap, geography] = await Promise.all([
    apiGet<EmailRow>(`/v1/emails/${id}`),
    apiGet<EmailKpis>(`${base}${range}`),
    apiGet<DeliveryBreakdown>(`${base}/delivery${range}`),
    apiGet<{ items: ResponsesOnDay[] }>(`${base}/responses${range}`),
    apiGet<{ items: LinkKpis[] }>(`${base}/links${range}${range ? '&' : '?'}limit=1000`),
    apiGet<Heatmap>(`${base}/heatmap${range}`).catch(noVersion),
    apiGet<{ items: CountryKpis[] }>(`${base}/geography${range}`),
  ]);
  document.title = `${email.name} · Cairn insights`;
  const funnel = deliverySection(delivery, kpis);
  const overTime = responsesSection(responses.items);
  shell.main.replaceChildren(
    pageTitle(
      email.name,
      `Subject: ${email.draft?.subject ?? '—'} · live version ${email.live_version ?? '—'}`,
      statusBadge(email.status),
    ),
    rangeFilter(search),
    section(
      'Key performance indicators',
      kpiGrid('Delivery', DELIVERY_CARDS, kpis),
      kpiGrid('Engagement (human)', ENGAGEMENT_CARDS, kpis),
      kpiGrid('Machine traffic (kept, outside every human KPI)', MACHINE_CARDS, kpis),
    ),
    funnel.element,
    overTime.element,
    linksSection(links.items),
    ...(heatmap ? [heatmapSection(heatmap)] : []),
    geographySection(geography.items),
  );
  // Charts measure their container, so they are drawn once the page is in the document.
  funnel.draw();
  overTime.draw();
}
