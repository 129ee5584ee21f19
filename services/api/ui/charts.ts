import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { ResponsesOnDay, SegmentDay } from './api-types';
import { formatCount } from './format';

/*
 * Chart.js, registered with only the controllers the pages use so the bundle keeps what it needs (docs/api.md
 * says why Chart.js and what it weighs). Animations are off: the numbers are the point, and screenshots taken
 * by the browser test are then the finished chart.
 */
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#44546a';

export const COLORS = {
  blue: '#2563eb',
  teal: '#0d9488',
  violet: '#7c3aed',
  amber: '#d97706',
  slate: '#64748b',
  green: '#16a34a',
};

const countTicks = { precision: 0, callback: (value: string | number) => formatCount(Number(value)) };

export interface FunnelStage {
  label: string;
  value: number;
}

/** The delivery funnel: one horizontal bar per stage, targeted at the top. */
export function funnelChart(canvas: HTMLCanvasElement, stages: FunnelStage[]): Chart {
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: stages.map((s) => s.label),
      datasets: [
        {
          label: 'Messages',
          data: stages.map((s) => s.value),
          backgroundColor: [COLORS.slate, COLORS.blue, COLORS.teal, COLORS.violet, COLORS.amber],
          borderRadius: 4,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: countTicks } },
    },
  };
  return new Chart(canvas, config);
}

/** Every day from the first to the last day with responses, zero where the API has no row (days without responses are absent). */
export function continuousDays(days: ResponsesOnDay[]): ResponsesOnDay[] {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return [];
  const byDay = new Map(days.map((d) => [d.day, d]));
  const filled: ResponsesOnDay[] = [];
  for (let at = Date.parse(`${first.day}T00:00:00Z`); at <= Date.parse(`${last.day}T00:00:00Z`); at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    filled.push(
      byDay.get(day) ?? {
        day,
        opened: 0,
        openedUnique: 0,
        clicked: 0,
        clickedUnique: 0,
        forwarded: 0,
        unsubscribed: 0,
      },
    );
  }
  return filled;
}

/** Series per day: one tooltip for every series of a day, the legend below. */
const overTime = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index', intersect: false },
  plugins: { legend: { position: 'bottom' } },
} as const;

/** Opens and clicks per day (human only, as the KPI cards): totals as bars, unique messages as lines. */
export function responsesChart(canvas: HTMLCanvasElement, days: ResponsesOnDay[]): Chart {
  const series = continuousDays(days);
  const config: ChartConfiguration<'bar' | 'line'> = {
    type: 'bar',
    data: {
      labels: series.map((d) => d.day),
      datasets: [
        {
          type: 'bar',
          label: 'Opened (total)',
          data: series.map((d) => d.opened),
          backgroundColor: `${COLORS.blue}55`,
          borderColor: COLORS.blue,
          borderWidth: 1,
        },
        {
          type: 'bar',
          label: 'Clicked (total)',
          data: series.map((d) => d.clicked),
          backgroundColor: `${COLORS.amber}55`,
          borderColor: COLORS.amber,
          borderWidth: 1,
        },
        {
          type: 'line',
          label: 'Opened (unique)',
          data: series.map((d) => d.openedUnique),
          borderColor: COLORS.blue,
          backgroundColor: COLORS.blue,
          tension: 0.25,
        },
        {
          type: 'line',
          label: 'Clicked (unique)',
          data: series.map((d) => d.clickedUnique),
          borderColor: COLORS.amber,
          backgroundColor: COLORS.amber,
          tension: 0.25,
        },
      ],
    },
    options: { ...overTime, scales: { y: { beginAtZero: true, ticks: countTicks } } },
  };
  return new Chart(canvas, config);
}

/** One bar per category (a contact's interactions by type). */
export function countsChart(canvas: HTMLCanvasElement, labels: string[], values: number[]): Chart {
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Events', data: values, backgroundColor: COLORS.blue, borderRadius: 4 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: countTicks } },
    },
  };
  return new Chart(canvas, config);
}

/** A segment's days: entries and exits as bars, members at the end of each day as a line on its own axis. */
export function membershipChart(canvas: HTMLCanvasElement, days: SegmentDay[]): Chart {
  const config: ChartConfiguration<'bar' | 'line'> = {
    type: 'bar',
    data: {
      labels: days.map((d) => d.day),
      datasets: [
        { type: 'bar', label: 'Entered', data: days.map((d) => d.entered), backgroundColor: COLORS.teal, yAxisID: 'y' },
        { type: 'bar', label: 'Exited', data: days.map((d) => d.exited), backgroundColor: COLORS.amber, yAxisID: 'y' },
        {
          type: 'line',
          label: 'Members',
          // a day not counted (null) leaves a gap rather than a zero
          data: days.map((d) => d.members),
          borderColor: COLORS.blue,
          backgroundColor: COLORS.blue,
          yAxisID: 'members',
          tension: 0.25,
        },
      ],
    },
    options: {
      ...overTime,
      scales: {
        y: { beginAtZero: true, ticks: countTicks },
        members: { position: 'right', beginAtZero: true, ticks: countTicks, grid: { drawOnChartArea: false } },
      },
    },
  };
  return new Chart(canvas, config);
}
