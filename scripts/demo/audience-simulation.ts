import { AB_TILE, type AbDemo, type AbLabel } from './ab-test-setup';
import type { Campaign, DemoContact, EmailTile } from './campaign-setup';
import type { TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { readMessage, type Delivery, type InboxMessage } from './demo-inbox';
import type { DemoLedger, Timing } from './demo-ledger';
import type { LandingSimulation } from './landing-simulation';
import type { MailProvider } from './mail-provider';
import { AB_A_LATER_MS, opensAbVariant, recipientPlan, type Fate, type RecipientPlan } from './recipient-plan';
import type { Recipients } from './recipients';
import { TimedQueue } from './timed-queue';

export interface SimulationOptions {
  campaign: Campaign;
  tokens: TrackingTokenCodec;
  recipients: Recipients;
  provider: MailProvider;
  ledger: DemoLedger;
  /**
   * The last moment a white-paper action (click, unsubscribe, bounce, complaint) can be taken and surely be seen
   * by the trigger and the sender before any contact's timeout: the journey went live before anyone arrived at
   * the trigger, so no timeout falls before liveAt + timeout; the margin covers Kafka → scheduler/sender lag.
   */
  deadline: number;
  /** ingest labels hits within seconds of the send as machine traffic (scanners fetch on arrival): people read later */
  humanDelayMs: number;
  /** where a white-paper click leads: the landing page and its form */
  landing: LandingSimulation;
  /** the subject-line test: its readers open B far more often than A */
  ab: AbDemo;
}

/** A message read once, when its recipient first acts on it. */
type Message = () => Promise<InboxMessage>;

/**
 * Routes each message arriving in the inbox to its recipient's plan (recipient-plan.ts): the envelope says who
 * got which email (each email has its own from address); the gateway scans on arrival, the person acts a few
 * seconds later with the URLs the message holds. A white-paper action that could no longer reach the trigger
 * before its timeout is held back until the journey is over (`late`), so the expected paths are exact.
 */
export class AudienceSimulation {
  private readonly gateway = new TimedQueue(4);
  private readonly people = new TimedQueue(16);
  /** A/B variant A's readers, who open later than everyone else (a queue of its own: each queue has one delay) */
  private readonly laterReaders = new TimedQueue(4);
  private readonly deferred: (() => Promise<void>)[] = [];
  private readonly pricingLinkId: string;

  constructor(private readonly o: SimulationOptions) {
    this.pricingLinkId = o.campaign.emails.paper.links.find((link) => link.url.endsWith('/pricing'))?.link_id ?? '';
  }

  readonly onDelivery = (delivery: Delivery): void => {
    const { campaign, ledger } = this.o;
    const variant = this.o.ab.labelByFrom.get(delivery.from);
    if (variant) return this.abVariant(delivery, variant);
    const tile = campaign.tileByFrom.get(delivery.from);
    const contact = campaign.byAddress.get(delivery.to);
    if (tile === 'paper' && !contact) return void ledger.friendCopies++;
    if (!tile || !contact) return void ledger.strays++;
    ledger.emails[tile].delivered.add(contact.id);
    const plan = recipientPlan(contact.index);
    const message = this.reader(delivery, campaign.journeyId, tile, contact);
    if (tile === 'paper') this.whitePaper(message, delivery.receivedAt, contact, plan);
    else this.followUp(message, delivery.receivedAt, tile, plan);
  };

  /**
   * Reads the message at most once, and only if someone acts on it; its token must name this journey's tile. The
   * raw message is let go once read: held-back actions keep what was read, not 8 KB of MIME each.
   */
  private reader(delivery: Delivery, journeyId: string, tile: string, contact: DemoContact): Message {
    let raw: Delivery | null = delivery;
    let read: Promise<InboxMessage> | undefined;
    return () => {
      if (!read) {
        const received = raw as Delivery;
        raw = null;
        read = readMessage(this.o.tokens, received).then((message) => {
          const t = message.tracking;
          if (t.journeyId !== journeyId || t.tileId !== tile || t.contactId !== contact.id)
            throw new Error(`${tile} message to ${received.to} names another journey, tile or contact`);
          return message;
        });
      }
      return read;
    };
  }

  /** A subject-line test message: its reader opens it (once, a person, after the delay) or not, by its plan. */
  private abVariant(delivery: Delivery, label: AbLabel): void {
    const contact = this.o.campaign.byAddress.get(delivery.to);
    if (!contact) return void this.o.ledger.strays++;
    const email = this.o.ledger.ab[label];
    if (email.delivered.has(contact.id)) this.o.ledger.failures.push(`a second ${label} message to ${delivery.to}`);
    email.delivered.add(contact.id);
    if (!opensAbVariant(contact.index, label)) return;
    const message = this.reader(delivery, this.o.ab.journeyId, AB_TILE, contact);
    const [queue, later] = label === 'A' ? [this.laterReaders, AB_A_LATER_MS] : [this.people, 0];
    queue.push(delivery.receivedAt + this.o.humanDelayMs + later, async () => {
      const read = await message();
      await this.o.recipients.open(read).then(() => email.open(read));
    });
  }

  private whitePaper(message: Message, receivedAt: number, contact: DemoContact, plan: RecipientPlan): void {
    const email = this.o.ledger.emails.paper;
    if (plan.scanned)
      this.gateway.push(receivedAt, async () => {
        const hits = await this.o.recipients.scan(await message());
        email.machineOpens += hits.opens;
        email.machineClicks += hits.clicks;
      });
    const acts = plan.opens > 0 || plan.clicksPricing || plan.forwards || plan.fate !== 'none';
    if (acts)
      this.people.push(receivedAt + this.o.humanDelayMs, async () => {
        const read = await message();
        for (let i = 0; i < plan.opens; i++) await this.o.recipients.open(read).then(() => email.open(read));
        if (plan.clicksPricing)
          email.click(read, this.pricingLinkId, await this.o.recipients.click(read, this.pricingLinkId));
        if (plan.forwards) await this.forward(read, contact);
        if (plan.fate === 'late_white_paper') this.holdBack(read, contact, plan);
        else if (plan.fate !== 'none') {
          if (Date.now() < this.o.deadline) await this.journeyAction(read, contact, plan, 'in_time');
          else this.holdBack(read, contact, plan);
        }
      });
  }

  /** Made here, the held-back action keeps only what it names (not the arrival's scope with its raw message). */
  private holdBack(message: InboxMessage, contact: DemoContact, plan: RecipientPlan): void {
    this.deferred.push(() => this.journeyAction(message, contact, plan, 'late'));
  }

  private async forward(message: InboxMessage, contact: DemoContact): Promise<void> {
    const friends = [`friend${contact.index}a@example.org`, `friend${contact.index}b@example.org`];
    await this.o.recipients.forward(message, friends);
    const email = this.o.ledger.emails.paper;
    email.forwardSubmissions++;
    email.forwardedAddresses += friends.length;
  }

  private async journeyAction(
    message: InboxMessage,
    contact: DemoContact,
    plan: RecipientPlan,
    timing: Timing,
  ): Promise<void> {
    const { ledger, recipients, provider, campaign } = this.o;
    const email = ledger.emails.paper;
    const id = message.tracking.messageId;
    const fate: Fate = plan.fate === 'late_white_paper' ? 'white_paper' : plan.fate;
    if (fate === 'white_paper') {
      const landingUrl = await recipients.follow(message, campaign.whitePaperLinkId);
      email.click(message, campaign.whitePaperLinkId, landingUrl !== null);
      ledger.whitePaperClick[timing].add(contact.id);
      if (landingUrl) this.o.landing.arrived(contact, landingUrl);
    } else if (fate === 'unsubscribe') {
      for (let i = plan.unsubscribesTwice ? 2 : 1; i > 0; i--)
        await recipients.unsubscribe(message).then(() => email.unsubscribePosts++);
      email.unsubscribedMessages.add(id);
      ledger.unsubscribed[timing].add(contact.id);
    } else if (fate === 'bounce') {
      await provider.hardBounce(message);
      email.bouncedMessages.add(id);
      ledger.bounced[timing].add(contact.id);
    } else if (fate === 'complaint') {
      await provider.complaint(message);
      email.complainedMessages.add(id);
      ledger.complained[timing].add(contact.id);
    }
  }

  private followUp(message: Message, receivedAt: number, tile: EmailTile, plan: RecipientPlan): void {
    const email = this.o.ledger.emails[tile];
    if (!plan.opensFollowUp && !plan.clicksFollowUp) return;
    this.people.push(receivedAt + this.o.humanDelayMs, async () => {
      const read = await message();
      if (plan.opensFollowUp) await this.o.recipients.open(read).then(() => email.open(read));
      const link = read.links[0];
      if (plan.clicksFollowUp && link) email.click(read, link.linkId, await this.o.recipients.click(read, link.linkId));
    });
  }

  /** The held-back white-paper actions, once the trigger has decided everyone and the follow-ups are sent. */
  runLateActions(): number {
    const late = this.deferred.splice(0);
    for (const action of late) this.people.push(Date.now(), action);
    return late.length;
  }

  get queued(): number {
    return this.gateway.size + this.people.size + this.laterReaders.size + this.o.landing.queued;
  }

  async idle(): Promise<void> {
    await Promise.all([this.gateway.idle(), this.people.idle(), this.laterReaders.idle()]);
    await this.o.landing.idle();
    const queues = [this.gateway, this.people, this.laterReaders];
    for (const error of queues.flatMap((queue) => queue.failures.splice(0))) this.o.ledger.failures.push(error.message);
    this.o.ledger.failures.push(...this.o.landing.ledger.failures.splice(0));
  }
}
