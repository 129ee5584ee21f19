import { Agent, request } from 'node:http';
import { BROWSER } from './recipients';

/**
 * People on the white paper's landing page (docs/pages-and-forms.md), through ingest's real public routes: the
 * page a tracked click led to (with its `cairn_landing` token), the form's signed ticket read from the page, and a
 * post of the form as a browser makes it (urlencoded, from ingest's own origin). JSON answers (`Accept:
 * application/json`) say what ingest did: accepted with a submission id, or refused with each field's error.
 */

/** What a page load gave the visitor: the form's hidden fields. */
export interface LoadedForm {
  ticket: string;
  landing: string | null;
}

export interface PostAnswer {
  status: number;
  submissionId: string | null;
}

/** A hidden field's value: tickets and landing tokens are base64url, so escaping left them as they are. */
const hidden = (html: string, name: string): string | null =>
  new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? null;

export class LandingVisitors {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly origin: string;

  constructor(
    ingestUrl: string,
    private readonly formId: string,
  ) {
    this.origin = new URL(ingestUrl).origin;
  }

  private call(
    url: string,
    init: { method?: string; headers: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  /** Loads the page (the landing URL a click redirected to, or the page's public URL typed in) and reads its form. */
  async load(pageUrl: string): Promise<LoadedForm> {
    const page = await this.call(pageUrl, { headers: { 'user-agent': BROWSER, accept: 'text/html' } });
    const ticket = hidden(page.body, 'cairn_ticket');
    if (page.status !== 200 || !ticket) throw new Error(`landing page → ${page.status}, no form ticket`);
    return { ticket, landing: hidden(page.body, 'cairn_landing') };
  }

  /** Posts the form with these values (and the honeypot as given: people leave it empty). */
  async post(form: LoadedForm, values: Record<string, string>, honeypot = ''): Promise<PostAnswer> {
    const body = new URLSearchParams({ cairn_ticket: form.ticket, ...values, website: honeypot });
    if (form.landing) body.set('cairn_landing', form.landing);
    const res = await this.call(`${this.origin}/forms/${this.formId}/submit`, {
      method: 'POST',
      headers: {
        'user-agent': BROWSER,
        origin: this.origin,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: body.toString(),
    });
    let submissionId: string | null = null;
    try {
      const answer = JSON.parse(res.body) as { submission_id?: unknown };
      submissionId = typeof answer.submission_id === 'string' ? answer.submission_id : null;
    } catch {
      submissionId = null;
    }
    return { status: res.status, submissionId };
  }

  close(): void {
    this.agent.destroy();
  }
}
