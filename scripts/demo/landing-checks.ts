import type { EmailKpis } from '../../services/api/insights/insights-types';
import type { FormKpis, PageKpis, SubmissionRow } from '../../services/api/insights/page-form-types';
import type { ApiClient } from './api-client';
import { allPages, type Campaign } from './campaign-setup';
import type { Check } from './demo-checks';
import { watch } from './insights-reader';
import type { LandingLedger } from './landing-simulation';

/** The landing page's numbers as marketing ops read them (GET /v1/insights/pages/…, /forms/…, /v1/leads). */
export interface LandingReported {
  page: PageKpis;
  form: FormKpis;
  /** Total generated leads of the white-paper email (GET /v1/insights/emails/{id}) */
  generatedLeads: number;
  submissions: SubmissionRow[];
  /** contacts with a lead naming the journey (GET /v1/leads?journey_id=…) */
  journeyLeads: Set<string>;
}

export async function readLanding(api: ApiClient, campaign: Campaign): Promise<LandingReported> {
  const { landing, journeyId } = campaign;
  const [paper, page, form, submissions, leads] = await Promise.all([
    api.get<EmailKpis>(`/v1/insights/emails/${campaign.emails.paper.id}?journey_id=${journeyId}`),
    api.get<PageKpis>(`/v1/insights/pages/${landing.pageId}`),
    api.get<FormKpis>(`/v1/insights/forms/${landing.formId}`),
    allPages<SubmissionRow>(api, `/v1/insights/forms/${landing.formId}/submissions`),
    allPages<{ contact_id: string }>(api, `/v1/leads?journey_id=${journeyId}`),
  ]);
  return {
    page,
    form,
    generatedLeads: paper.generatedLeads,
    submissions,
    journeyLeads: new Set(leads.map((l) => l.contact_id)),
  };
}

const n = (value: number): string => value.toLocaleString('en');
const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

function equal(what: string, pairs: [string, number, number][]): Check {
  const off = pairs.filter(([, got, want]) => got !== want);
  return {
    what,
    ok: off.length === 0,
    detail:
      off.length === 0
        ? pairs.map(([name, got]) => `${name} ${n(got)}`).join(', ')
        : off.map(([name, got, want]) => `${name} ${n(got)} ≠ ${n(want)}`).join(', '),
  };
}

/**
 * The glossary's Total generated leads and the page and form insights against what the landing page's visitors
 * did (LandingLedger): one lead per contact however often it submitted, a replayed post one submission, the
 * refused and the bots' posts nowhere.
 */
export function landingChecks(ledger: LandingLedger, r: LandingReported): Check[] {
  const accepted = ledger.submissions.size;
  const stored = new Set(r.submissions.map((s) => String(s.fields.email ?? '')));
  const leaked = [...ledger.neverStored].filter((value) => stored.has(value));
  return [
    equal('Total generated leads (white paper) = contacts who submitted the landing page through its link', [
      ['generated leads', r.generatedLeads, ledger.landingSubmitters.size],
    ]),
    {
      what: "leads naming the journey (GET /v1/leads) = those contacts, one each (walk-ins' leads name no journey)",
      ok: sameSet(r.journeyLeads, ledger.landingSubmitters),
      detail: `${n(r.journeyLeads.size)} leads, ${n(ledger.landingSubmitters.size)} submitters`,
    },
    equal('form insights: submissions, contacts created (walk-ins) and updated, leads created and updated', [
      ['submissions', r.form.submissions, accepted],
      ['contacts created', r.form.contactsCreated, ledger.walkIns],
      ['contacts updated', r.form.contactsUpdated, accepted - ledger.walkIns],
      ['leads created', r.form.leadsCreated, ledger.landingSubmitters.size + ledger.walkIns],
      ['leads updated', r.form.leadsUpdated, ledger.secondSubmissions],
    ]),
    equal('page insights: visits, unique visitors, submissions (people); no machine visit', [
      ['visits', r.page.visits, ledger.visits],
      ['unique visitors', r.page.uniqueVisitors, ledger.visitingContacts.size + ledger.anonymousVisits],
      ['submissions', r.page.submissions, accepted],
      ['machine visits', r.page.machineVisits, 0],
    ]),
    {
      what: 'the rows behind the numbers: one per submission; replays, refused posts and honeypot bots left none',
      ok: r.submissions.length === accepted && leaked.length === 0,
      detail: `${n(r.submissions.length)} rows; ${n(ledger.replays)} replays, ${n(ledger.refused)} refused, ${n(ledger.honeypots)} bots${leaked.length ? `; stored: ${leaked.slice(0, 3).join(', ')}` : ''}`,
    },
  ];
}

/** The landing checks, polled until they hold (the submissions' events reach ClickHouse last) or a minute passed. */
export async function settledLandingChecks(
  api: ApiClient,
  campaign: Campaign,
  ledger: LandingLedger,
  say: (line: string) => void,
): Promise<Check[]> {
  const { value } = await watch({
    probe: async () => landingChecks(ledger, await readLanding(api, campaign)),
    done: (checks) => checks.every((c) => c.ok),
    print: (checks) => say(`${checks.filter((c) => c.ok).length}/${checks.length} landing-page checks hold`),
    timeoutMs: 60_000,
    printEveryMs: 5_000,
  });
  return value;
}
