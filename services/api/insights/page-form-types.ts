/**
 * The shapes of the page and form insights answers (GET /v1/insights/pages/..., /v1/insights/forms/...), without any
 * server import: services/api/insights computes them and the /ui pages read the same JSON with these types.
 * Definitions: docs/kpis.md#page-and-form-kpis.
 */

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type PageKpis = {
  /** human page views (each page_visited event once) */
  visits: number;
  /** distinct human visitors: the contact when known, else the page load's visitor id */
  uniqueVisitors: number;
  /** accepted human submissions of any form on the page */
  submissions: number;
  /** submissions / uniqueVisitors (0 without visitors) */
  conversionRate: number;
  /** machine traffic (scanners, prefetchers): stored, counted apart, in none of the figures above */
  machineVisits: number;
};

export type PageDay = { day: string; visits: number; uniqueVisitors: number; submissions: number };

export type PageCountry = {
  /** ISO 3166-1 alpha-2 of the client address at ingest; null when unknown */
  country: string | null;
  visits: number;
  uniqueVisitors: number;
};

/** Submissions by outcome (form_submitted's contact_outcome and lead_outcome). */
export type FormKpis = {
  submissions: number;
  contactsCreated: number;
  contactsUpdated: number;
  leadsCreated: number;
  leadsUpdated: number;
  /** double opt-in submissions whose lists and consent waited for the confirmation link */
  confirmationPending: number;
};

export type FormDay = FormKpis & { day: string };

/** One page_visited event behind the numbers. */
export type PageVisit = {
  eventId: string;
  /** 'YYYY-MM-DD hh:mm:ss' UTC */
  at: string;
  contactId: string;
  visitorId: string;
  country: string | null;
  journeyId: string;
  messageId: string;
  machine: boolean;
  machineReason: string;
};

/** One accepted submission (PostgreSQL form_submissions) with its content. */
export type SubmissionRow = {
  submissionId: string;
  /** ISO 8601 UTC */
  at: string;
  formId: string;
  formVersion: number;
  pageId: string | null;
  contactId: string | null;
  contactOutcome: string;
  leadOutcome: string;
  confirmationPending: boolean;
  journeyId: string;
  messageId: string;
  country: string | null;
  /** the accepted values by field name */
  fields: Record<string, unknown>;
};
