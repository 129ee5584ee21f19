/**
 * A marketing form and a marketing page as the API stores them (forms.definition, pages.definition) and go-live
 * freezes them (form_versions, page_versions). docs/pages-and-forms.md describes every field; the API checks a
 * definition with checkFormDefinition / checkPageDefinition (422 naming the field), and ingest reads only frozen
 * versions, validated again where they are read.
 */

/** Contact fields a form can fill; `attributes.<key>` fields go to contacts.attributes. */
export const CONTACT_FIELDS = ['email', 'first_name', 'last_name', 'company', 'phone', 'consent_level'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** How a field is rendered and checked; no author-supplied regular expression is ever run. */
export const FIELD_KINDS = ['email', 'text', 'textarea', 'tel', 'number', 'checkbox', 'select', 'consent'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface FormField {
  /** a CONTACT_FIELDS name, `attributes.<key>` (key: [a-z][a-z0-9_]{0,39}), or `lists` (the lists to join) */
  name: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  /** text, textarea, tel: at most this many characters (default 200, textarea 2,000; never above 5,000) */
  max_length?: number;
  /** number: inclusive bounds */
  min?: number;
  max?: number;
  /** select (and `lists`, whose values are subscription list ids): the allowed values with their labels */
  options?: { value: string; label: string }[];
}

export interface FormDefinition {
  fields: FormField[];
  /** what an accepted submission does (the contact is always created or updated by email) */
  create_lead: boolean;
  /** lists every submitter joins (besides those chosen in a `lists` field) */
  list_ids: string[];
  /** consent level set when the form has no consent_level field; null leaves the contact's as it is */
  consent_level: number | null;
  /** when true, lists and consent wait for the confirmation link of a system email (double opt-in) */
  double_opt_in: boolean;
  /**
   * the confirmation email (required when double_opt_in): sent from a verified sending domain of the workspace;
   * subject and text have defaults; the text is plain, the signed confirmation link is added by the sender
   */
  confirmation?: { from_address: string; from_name?: string; subject?: string; text?: string } | null;
  /** shown after an accepted submission: a message, or a redirect to one of the workspace's allowed origins */
  thank_you: { kind: 'message'; message: string } | { kind: 'redirect'; url: string };
  /** spam defence: a submission sooner than this after the form was rendered is refused (default 3) */
  min_fill_seconds: number;
}

export interface PageDefinition {
  title: string;
  content_type: 'mjml' | 'html';
  /** the page body; each `{{form "<form uuid>"}}` placeholder is where a live form is embedded */
  content: string;
  content_settings_id: string | null;
}

/** A page's form placeholder: `{{form "<uuid>"}}`, found in the authored content. */
export const FORM_PLACEHOLDER = /\{\{\s*form\s+"([0-9a-f-]{36})"\s*\}\}/g;
