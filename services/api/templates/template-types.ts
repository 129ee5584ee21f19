/** What a template holds (docs/api.md#templates): a journey's graph and settings, or an email's draft. */
import type { EmailDraft } from '../../../lib/domain/email/email-check';
import type { JourneyGraph, JourneySettings } from '../../../lib/domain/journeys/journey-graph';

export const TEMPLATE_KINDS = ['journey', 'email'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** A journey's definition: no status, contacts or history; the dates and the workspace's ids are filled in on use. */
export interface JourneyDefinition {
  graph: JourneyGraph;
  settings: Partial<JourneySettings>;
}

/** An email's draft; a built-in one leaves out what belongs to a workspace (from address, content settings). */
export type EmailDefinition = Partial<EmailDraft>;

interface TemplateHead {
  id: string;
  name: string;
  description: string;
}

export type BuiltInTemplate =
  | (TemplateHead & { kind: 'journey'; definition: JourneyDefinition })
  | (TemplateHead & { kind: 'email'; definition: EmailDefinition });

/** Built-in ids are words (builtin-…), a workspace's template ids are uuids: the two never meet. */
export const BUILT_IN_PREFIX = 'builtin-';
