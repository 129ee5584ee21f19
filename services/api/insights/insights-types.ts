/**
 * The shapes of the insights answers (GET /v1/insights/...), without any server import: services/api/insights computes
 * them, and the insights pages (services/api/ui, browser code) read the same JSON with these very types.
 */

export interface EmailKpis {
  targeted: number;
  sent: number;
  delivered: number;
  blocked: number;
  /** email Blocked by reason (do-not-bulk-email, missing/invalid/blocklisted address); messages */
  blockedByReason: Record<string, number>;
  bouncedHard: number;
  bouncedSoft: number;
  bouncedOther: number;
  bouncedTotal: number;
  openedTotal: number;
  openedUnique: number;
  /** delivered messages with no human open recorded */
  didNotOpen: number;
  /** messages opened by machine traffic only (bots, privacy proxies): in didNotOpen when delivered */
  machineOnlyOpened: number;
  clickedTotal: number;
  clickedUnique: number;
  attachmentViewsTotal: number;
  attachmentViewsUnique: number;
  /** forwarding addresses submitted */
  forwarded: number;
  forwardSubmissions: number;
  /** at most one per message per recipient */
  unsubscribed: number;
  /** messages per method (one_click, subscription_center, link); a message unsubscribed twice two ways is in both */
  unsubscribedByMethod: Record<string, number>;
  subscriptionSubmitted: number;
  /** complaints (ARF abuse and fraud) and attempts to complaint-suppressed addresses */
  feedbackLoops: number;
  /** ARF reports recorded but not counted (virus, other, not-spam, unknown types), by type */
  feedbackReportsNotCounted: Record<string, number>;
  /** failed in the sender and never sent: shown beside Sent, not in it */
  sendingFailed: number;
  generatedLeads: number;
  /** bot/scanner traffic: stored and countable, excluded from every human KPI above */
  machineOpens: number;
  machineClicks: number;
}

export interface DeliveryBreakdown {
  targeted: number;
  sent: number;
  delivered: number;
  blocked: number;
  blockedByReason: Record<string, number>;
  bounced: { hard: number; soft: number; other: number; total: number };
  sendingFailed: number;
}

export interface ResponsesOnDay {
  day: string;
  opened: number;
  openedUnique: number;
  clicked: number;
  clickedUnique: number;
  forwarded: number;
  unsubscribed: number;
}

export interface LinkKpis {
  linkId: string;
  url: string;
  totalClicks: number;
  uniqueClicks: number;
  /** this link's unique clicks / all unique clicks of the message (docs/kpis.md#clicks-and-click-through-rate) */
  clickThroughRate: number;
}

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type TileKpis = {
  tileId: string;
  tileType: string;
  /** contacts that entered the tile */
  inflow: number;
  /** still waiting at the tile: inflow - processed - blocked - failed (never below 0) */
  processing: number;
  /** journey Blocked (unsubscribed, suppression segment, consent below minimum, frequency cap), not the email KPI */
  blocked: number;
  blockedByReason: Record<string, number>;
  failed: number;
  processed: number;
  /** trigger and splitter tiles: contacts per path */
  paths: Record<string, number>;
  /** email tiles (GET /v1/insights/journeys/{id}/tiles): the email KPI card of the messages this tile sent */
  email?: EmailKpis;
  /** create-lead tiles: the leads the tile created (lead_generated of origin tile); absent when it created none */
  leadsGenerated?: number;
};

/** One country's human opens, clicks and attachment views (GET /v1/insights/emails/{id}/geography). */
export type CountryKpis = {
  /** ISO 3166-1 alpha-2 of the client address at ingest; null when unknown (IPv6, private, before geography) */
  country: string | null;
  openedTotal: number;
  openedUnique: number;
  clickedTotal: number;
  clickedUnique: number;
  attachmentViewsTotal: number;
  attachmentViewsUnique: number;
};

export interface TimelineEntry {
  eventId: string;
  eventType: string;
  /** 'YYYY-MM-DD hh:mm:ss' UTC */
  eventTime: string;
  messageId: string;
  emailId: string;
  emailVersion: number;
  journeyId: string;
  tileId: string;
  linkId: string;
  url: string;
  reason: string;
  machine: boolean;
}

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type ContactTimeline = {
  /** newest first */
  entries: TimelineEntry[];
  /** interactions by type over the whole range (the "chart of interactions broken down by type") */
  byType: Record<string, number>;
};

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type TileContact = {
  contactId: string;
  iteration: number;
  /** when the contact reached this state (UTC) */
  at: string;
  /** blocked/failed reasons, paths taken */
  details: string[];
};

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type HeatLink = { [K in keyof LinkKpis]: LinkKpis[K] } & {
  /** 0 (no clicks) to 5 (click-through rate in the top fifth) */
  heat: number;
};
