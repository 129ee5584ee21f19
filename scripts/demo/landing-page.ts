import type { ApiClient } from './api-client';

/** The white paper's landing page and its form, live (docs/pages-and-forms.md). */
export interface Landing {
  formId: string;
  pageId: string;
  /** the page's public URL on ingest: the white-paper emails link here */
  url: string;
}

/** Seconds a person needs at least to fill the form (a faster post is refused as a bot's). */
export const MIN_FILL_SECONDS = 1;

const FORM = {
  name: 'White paper download',
  definition: {
    fields: [
      { name: 'email', kind: 'email', label: 'Work email', required: true },
      { name: 'first_name', kind: 'text', label: 'First name', required: false, max_length: 100 },
      { name: 'company', kind: 'text', label: 'Company', required: false, max_length: 200 },
    ],
    create_lead: true,
    min_fill_seconds: MIN_FILL_SECONDS,
    thank_you: { kind: 'message', message: 'Thank you: the white paper is on its way.' },
  },
};

const pageContent = (formId: string): string => `<mjml><mj-body><mj-section><mj-column>
<mj-text><h1>Journey design for New York teams</h1></mj-text>
<mj-text>Tell us where to send the white paper.</mj-text>
<mj-raw><div class="white-paper-form">{{form "${formId}"}}</div></mj-raw>
</mj-column></mj-section></mj-body></mjml>`;

/** Creates the form and the page through the API and sets both live (the form first: the page pins its version). */
export async function liveLanding(api: ApiClient, say: (s: string) => void): Promise<Landing> {
  const form = await api.post<{ id: string }>('/v1/forms', FORM);
  const formLive = await api.post<{ live_version: number }>(`/v1/forms/${form.id}/go-live`);
  const page = await api.post<{ id: string }>('/v1/pages', {
    name: 'White paper',
    definition: { title: 'Your white paper', content_type: 'mjml', content: pageContent(form.id) },
  });
  const pageLive = await api.post<{ live_version: number; public_url: string }>(`/v1/pages/${page.id}/go-live`);
  say(
    `landing page "White paper" live as version ${pageLive.live_version} at ${pageLive.public_url}, with the form ` +
      `"${FORM.name}" (version ${formLive.live_version}: email, first name, company; creates a lead)`,
  );
  return { formId: form.id, pageId: page.id, url: pageLive.public_url };
}
