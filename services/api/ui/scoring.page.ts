import { apiGet, apiList } from './api-client';
import { countsChart } from './charts';
import { h, table } from './dom';
import { formatCount } from './format';
import { pageTitle, section, statusBadge, type Shell } from './page-shell';

/**
 * Lead scoring insights (docs/kpis.md#lead-scoring): the workspace's scoring models, a model version's leads
 * processed per day, its score distribution and crossed leads (GET /v1/insights/scoring-models/{id}), and a lead's
 * age, source, scores over time and interactions (GET /v1/insights/leads/{id}). Every number carries data-kpi
 * naming its field.
 */

interface ModelRow {
  id: string;
  name: string;
  status: string;
  live_version: number | null;
}

interface ModelInsights {
  version: number;
  threshold: number;
  half_life_days: number | null;
  leads_processed: number;
  crossed: number;
  per_day: Array<{ day: string; leads: number; entries: number }>;
  distribution: Array<{ from: number | null; to: number | null; leads: number }>;
  crossed_leads: Array<{ contact_id: string; lead_id: string | null; crossed_at: string; score: number }>;
}

interface LeadInsights {
  lead_id: string;
  contact_id: string | null;
  title: string;
  status: string;
  created_at: string;
  age_days: number;
  source: { origin: string; journey_id: string | null; submission_id: string | null };
  scores: Array<{
    model_id: string;
    name: string;
    version: number;
    threshold: number | null;
    score: number;
    crossed_at: string | null;
    history: Array<{ at: string; event_type: string; points: number; score_after: number }>;
  }>;
  interactions: { counts: Record<string, number>; latest: Array<{ event_type: string; at: string }> };
}

const points = (value: number): string => value.toFixed(1);
const figure = (label: string, field: string, value: number, text: string): HTMLElement =>
  h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, h('span', { 'data-kpi': field, 'data-value': value }, text)),
  );
const range = (b: { from: number | null; to: number | null }): string =>
  b.from === null ? '< 0' : b.to === null ? `≥ ${points(b.from)}` : `${points(b.from)} – ${points(b.to)}`;

/** The workspace's scoring models, each linking to its insights. */
export async function renderScoringModelList(shell: Shell): Promise<void> {
  const rows = await apiList<ModelRow>('/v1/scoring-models');
  shell.main.replaceChildren(
    pageTitle('Lead scoring models', `${rows.length} in this workspace; insights exist once a model went live.`),
    table(
      ['Name', 'Status', 'Live version'],
      rows.map((row) => ({
        attributes: { 'data-model-id': row.id },
        cells: [
          h('a', { href: `/ui/scoring-models/${row.id}` }, row.name),
          statusBadge(row.status),
          row.live_version ?? '—',
        ],
      })),
      { class: 'list', 'data-list': 'scoring-models' },
    ),
  );
}

/** A model version's insights: figures, leads processed per day, the distribution, the crossed leads. */
export async function renderScoringModelPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const version = search.get('version');
  const query = version && /^\d{1,6}$/.test(version) ? `?version=${version}` : '';
  const [model, insights] = await Promise.all([
    apiGet<ModelRow>(`/v1/scoring-models/${id}`),
    apiGet<ModelInsights>(`/v1/insights/scoring-models/${id}${query}`),
  ]);
  document.title = `${model.name} · Cairn insights`;
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Leads processed per day' });
  shell.main.replaceChildren(
    pageTitle(model.name, `Lead scoring model, version ${insights.version}`, statusBadge(model.status)),
    section(
      'Key figures',
      h(
        'div',
        { class: 'kpi-grid' },
        figure('Leads processed', 'leads_processed', insights.leads_processed, formatCount(insights.leads_processed)),
        figure('Crossed the threshold', 'crossed', insights.crossed, formatCount(insights.crossed)),
        figure('Threshold', 'threshold', insights.threshold, points(insights.threshold)),
      ),
    ),
    section(
      'Leads processed per day',
      insights.per_day.length
        ? h('div', { class: 'chart' }, canvas)
        : h('p', { class: 'muted' }, 'Nothing scored yet.'),
    ),
    section(
      'Score distribution (now)',
      table(
        ['Score', 'Leads'],
        insights.distribution.map((b, i) => ({
          attributes: { 'data-bucket': i },
          cells: [range(b), formatCount(b.leads)],
        })),
        { class: 'compact', 'data-table': 'distribution' },
      ),
    ),
    section(
      'Leads that crossed the threshold',
      table(
        ['Contact', 'Lead', 'Crossed at', 'Score now'],
        insights.crossed_leads.map((c) => ({
          attributes: { 'data-contact-id': c.contact_id },
          cells: [
            c.contact_id,
            c.lead_id ? h('a', { href: `/ui/leads/${c.lead_id}` }, 'insights') : '—',
            c.crossed_at,
            points(c.score),
          ],
        })),
        { class: 'list', 'data-table': 'crossed' },
      ),
    ),
  );
  if (insights.per_day.length)
    countsChart(
      canvas,
      insights.per_day.map((d) => d.day),
      insights.per_day.map((d) => d.leads),
    );
}

/** A lead's insights: age and source, its scores over time per model version, its contact's interactions. */
export async function renderLeadPage(shell: Shell, id: string): Promise<void> {
  const lead = await apiGet<LeadInsights>(`/v1/insights/leads/${id}`);
  document.title = `${lead.title || 'Lead'} · Cairn insights`;
  shell.main.replaceChildren(
    pageTitle(lead.title || 'Lead', `Created ${lead.created_at}`, statusBadge(lead.status)),
    section(
      'Lead',
      h(
        'div',
        { class: 'kpi-grid' },
        figure('Age (days)', 'age_days', lead.age_days, lead.age_days.toFixed(1)),
        h(
          'div',
          { class: 'kpi' },
          h('span', { class: 'kpi-label' }, 'Source'),
          h('span', { class: 'kpi-value', 'data-kpi': 'origin' }, lead.source.origin),
        ),
      ),
    ),
    ...lead.scores.map((s) =>
      section(
        `${s.name} (version ${s.version}): ${points(s.score)} now${s.crossed_at ? `, crossed ${s.crossed_at}` : ''}`,
        table(
          ['At', 'Event', 'Points', 'Score after'],
          s.history.map((e) => ({ cells: [e.at, e.event_type, points(e.points), points(e.score_after)] })),
          { class: 'compact', 'data-table': `history-${s.model_id}` },
        ),
      ),
    ),
    section(
      'Interactions of its contact',
      table(
        ['Event', 'Count'],
        Object.entries(lead.interactions.counts).map(([type, n]) => ({
          attributes: { 'data-event': type },
          cells: [type, formatCount(n)],
        })),
        { class: 'compact', 'data-table': 'interactions' },
      ),
    ),
  );
}
