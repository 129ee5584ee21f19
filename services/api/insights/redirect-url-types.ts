/**
 * The redirect URL insights' answers (docs/kpis.md#redirect-url-kpis), imported by the queries
 * (redirect-url-kpis.ts) and by the /ui page (services/api/ui/redirect-urls.page.ts): no server import here.
 */

export interface RedirectCounts {
  /** every click, human and machine */
  clicks: number;
  humanClicks: number;
  /** HEAD requests, prefetches, scanners: redirected and kept, left out of humanClicks (docs/ingest.md#machine-traffic) */
  machineClicks: number;
}

export interface RedirectInsights extends RedirectCounts {
  countries: { country: string | null; humanClicks: number }[];
  days: ({ day: string } & RedirectCounts)[];
}

/** One click of the timeline. */
export interface RedirectClick {
  eventId: string;
  at: string;
  country: string | null;
  userAgentClass: string;
  machine: boolean;
  machineReason: string;
}
