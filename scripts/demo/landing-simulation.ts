import type { DemoContact } from './campaign-setup';
import { MIN_FILL_SECONDS, type Landing } from './landing-page';
import type { LandingVisitors, LoadedForm } from './landing-visitors';
import { TimedQueue } from './timed-queue';

/** What a white-paper reader does on the landing page (by contact index, so a run is reproducible). */
export type LandingAct = 'submit' | 'typo_first' | 'double_post' | 'comes_back' | 'looks_only';

export function landingAct(index: number): LandingAct {
  const slot = Math.floor(index / 5) % 10;
  if (slot === 5) return 'typo_first';
  if (slot === 6) return 'double_post';
  if (slot === 7) return 'comes_back';
  if (slot >= 8) return 'looks_only';
  return 'submit';
}

/** What happened on the landing page: the demo's own count, held against the page and form insights. */
export class LandingLedger {
  /** page loads (people and the bot, all with a browser's user agent) */
  visits = 0;
  /** loads without a landing token: each is a visitor of its own (no cookie) */
  anonymousVisits = 0;
  readonly visitingContacts = new Set<string>();
  /** accepted submission ids (a replayed post answers the same id) */
  readonly submissions = new Set<string>();
  /** contacts with an accepted submission through the white-paper link: one landing-page lead each */
  readonly landingSubmitters = new Set<string>();
  /** contact → its accepted submissions through the white-paper link (each one a form_submitted event) */
  readonly submissionsByContact = new Map<string, number>();
  /** a second submission by a contact (a new page load): contact and open lead updated */
  secondSubmissions = 0;
  /** the same post sent twice (a double click): one submission */
  replays = 0;
  /** refused with a field error (422) */
  refused = 0;
  /** people who typed the page's address: each a new contact and a lead of origin form (no message led there) */
  walkIns = 0;
  /** bot posts that filled the honeypot: answered like a person's, nothing recorded */
  honeypots = 0;
  /** values that must be in no stored submission (the bots' and the refused addresses) */
  readonly neverStored = new Set<string>();
  readonly failures: string[] = [];
}

const WAIT_MS = MIN_FILL_SECONDS * 1000 + 200;

/**
 * The landing page's visitors: a page load as soon as a click led there, the post after the form's minimum fill
 * time; two queues, each fed in time order (TimedQueue).
 */
export class LandingSimulation {
  private readonly pages = new TimedQueue(8);
  private readonly posts = new TimedQueue(8);

  constructor(
    private readonly visitors: LandingVisitors,
    private readonly landing: Landing,
    readonly ledger: LandingLedger,
  ) {}

  private async load(url: string, contactId: string | null): Promise<LoadedForm> {
    const form = await this.visitors.load(url);
    this.ledger.visits++;
    if (contactId && !form.landing) throw new Error('a white-paper click led to the page without its landing token');
    if (contactId) this.ledger.visitingContacts.add(contactId);
    else this.ledger.anonymousVisits++;
    return form;
  }

  private async accepted(form: LoadedForm, values: Record<string, string>, contactId?: string): Promise<string> {
    const answer = await this.visitors.post(form, values);
    if (answer.status !== 200 || !answer.submissionId) throw new Error(`form post → ${answer.status}`);
    this.ledger.submissions.add(answer.submissionId);
    const by = this.ledger.submissionsByContact;
    if (contactId) by.set(contactId, (by.get(contactId) ?? 0) + 1);
    return answer.submissionId;
  }

  /** A white-paper reader followed the link to `url` (the page with its landing token). */
  arrived(contact: DemoContact, url: string): void {
    const act = landingAct(contact.index);
    const values = { email: contact.email, first_name: contact.firstName, company: `Company ${contact.index}` };
    this.pages.push(Date.now(), async () => {
      const form = await this.load(url, contact.id);
      if (act === 'looks_only') return;
      this.posts.push(Date.now() + WAIT_MS, async () => {
        if (act === 'typo_first') await this.typo(form, values);
        const id = await this.accepted(form, values, contact.id);
        this.ledger.landingSubmitters.add(contact.id);
        if (act === 'double_post') await this.again(form, values, id);
        if (act === 'comes_back') this.comeBack(url, contact.id, values);
      });
    });
  }

  private async typo(form: LoadedForm, values: Record<string, string>): Promise<void> {
    const typo = (values.email ?? '').replace('@', ' at ');
    const answer = await this.visitors.post(form, { ...values, email: typo });
    if (answer.status !== 422) throw new Error(`a malformed email → ${answer.status}, not 422`);
    this.ledger.refused++;
    this.ledger.neverStored.add(typo);
  }

  private async again(form: LoadedForm, values: Record<string, string>, first: string): Promise<void> {
    const answer = await this.visitors.post(form, values);
    if (answer.submissionId !== first) throw new Error('a replayed post answered another submission');
    this.ledger.replays++;
  }

  private comeBack(url: string, contactId: string, values: Record<string, string>): void {
    this.pages.push(Date.now(), async () => {
      const form = await this.load(url, contactId);
      this.posts.push(Date.now() + WAIT_MS, async () => {
        await this.accepted(form, values, contactId);
        this.ledger.secondSubmissions++;
      });
    });
  }

  /**
   * People who typed the page's address (no email led them there: new contacts, leads of origin form), and bots
   * that fill every field (the honeypot too).
   */
  strangers(walkIns: number, bots: number): void {
    for (let i = 0; i < walkIns + bots; i++) {
      const bot = i >= walkIns;
      const email = bot ? `bot${i}@example.net` : `walk-in${i}@example.net`;
      this.pages.push(Date.now(), async () => {
        const form = await this.load(this.landing.url, null);
        this.posts.push(Date.now() + WAIT_MS, async () => {
          if (!bot)
            return void (await this.accepted(form, { email, first_name: `Walk-in ${i}` }).then(
              () => this.ledger.walkIns++,
            ));
          const answer = await this.visitors.post(form, { email, first_name: 'x' }, 'https://spam.example.net');
          if (answer.status !== 200) throw new Error(`a honeypot post → ${answer.status}, not the thank-you`);
          this.ledger.honeypots++;
          this.ledger.neverStored.add(email);
        });
      });
    }
  }

  get queued(): number {
    return this.pages.size + this.posts.size;
  }

  /** Resolves when every load and post (and what they queued) has run; failures go to the ledger. */
  async idle(): Promise<void> {
    while (this.queued > 0) await Promise.all([this.pages.idle(), this.posts.idle()]);
    for (const error of [...this.pages.failures.splice(0), ...this.posts.failures.splice(0)])
      this.ledger.failures.push(error.message);
  }
}
