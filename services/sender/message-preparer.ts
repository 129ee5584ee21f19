import type { Pool } from 'pg';
import type { ContentSettingsData } from '../../lib/domain/email/email-check';
import { contentSettingsOfMessage, loadContentSettings } from '../../lib/domain/email/content-settings.repository';
import type { MergeContext } from '../../lib/domain/email/merge-template';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { TRACKING_HEADER, type TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { RenderBudgetError } from '../../lib/domain/email/render-budget';
import { senderAddressProblem } from './address-policy';
import type { DeliveryItem } from './delivery-item';
import type { RecipientRow } from './eligibility';
import { deterministicId, EventsFor } from './sender-events';
import type { Finish } from './deliveries.repository';
import {
  VersionRenderer,
  type FrozenVersion,
  type MessageIdentity,
  type RenderedMessage,
  type RenderSettings,
} from './message-renderer';
import {
  erasedContacts,
  loadFriendSuppressions,
  loadRecipients,
  roleBlockingWorkspaces,
  loadVersion,
  type RecipientRef,
} from './recipients.repository';
import { cancelledMessages, directMail, loadAttachments } from './direct-message';
import { isConfirm, loadPending, prepareConfirmation, type ConfirmItem } from './confirmation-message';
import type { OutgoingMail } from './mail-types';
import { mailOf } from './smtp-delivery';
import {
  decideRecipient,
  finalOutcome,
  testMail,
  type BatchFacts,
  type Claimed,
  type Prepared,
} from './recipient-decision';

const CACHE_LIMIT = 200;
const CONTENT_TTL_MS = 30_000;

const ONE_CLICK = { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };

function mergeContext(row: RecipientRow | null, content: ContentSettingsData | null): MergeContext {
  const contact = row
    ? {
        id: row.contact_id,
        email: row.email,
        first_name: row.first_name,
        last_name: row.last_name,
        time_zone: row.time_zone,
        consent_level: row.consent_level,
        account_id: row.account_id,
        attributes: row.attributes ?? {},
      }
    : { attributes: {} };
  const account = row?.account_id
    ? { id: row.account_id, name: row.account_name, attributes: row.account_attributes ?? {} }
    : { attributes: {} };
  return { contact, account, content: { ...(content ?? {}) } };
}

/** The SMTP hand-off of a rendered message: its unsubscribe, list and feedback headers and its tracking token. */
export function outgoingMail(rendered: RenderedMessage, version: FrozenVersion, to: string): OutgoingMail {
  return {
    ...mailOf(rendered, version, to),
    unsubscribe: rendered.unsubscribe,
    listId: rendered.listId,
    headers: { ...ONE_CLICK, 'Feedback-ID': rendered.feedbackId, [TRACKING_HEADER]: rendered.token },
  };
}

/** A frozen version with its renderer, and whether its own addresses may go out at all (checked once). */
interface LoadedVersion {
  renderer: VersionRenderer;
  senderProblem: string | null;
}

/** Loads what a batch needs once (recipients in one query, renderers and content settings cached) and decides. */
export class MessagePreparer {
  private readonly renderers = new Map<string, Promise<LoadedVersion | null>>();
  private readonly contents = new Map<string, { at: number; value: Promise<ContentSettingsData | null> }>();

  constructor(
    private readonly pool: Pool,
    private readonly tokens: TrackingTokenCodec,
    private readonly settings: RenderSettings,
  ) {}

  private renderer(workspaceId: string, emailId: string, version: number): Promise<LoadedVersion | null> {
    const key = `${workspaceId}:${emailId}:${version}`;
    let found = this.renderers.get(key);
    if (!found) {
      if (this.renderers.size >= CACHE_LIMIT) this.renderers.clear();
      found = loadVersion(this.pool, workspaceId, emailId, version).then((v) =>
        v
          ? {
              renderer: new VersionRenderer(v, this.tokens, this.settings),
              senderProblem: senderAddressProblem(v.fromAddress, v.replyTo),
            }
          : null,
      );
      found.catch(() => this.renderers.delete(key));
      this.renderers.set(key, found);
    }
    return found;
  }

  private content(workspaceId: string, ids: (string | null)[]): Promise<ContentSettingsData | null> {
    const key = `${workspaceId}:${ids.join(':')}`;
    const cached = this.contents.get(key);
    if (cached && Date.now() - cached.at < CONTENT_TTL_MS) return cached.value;
    if (this.contents.size >= CACHE_LIMIT) this.contents.clear();
    const value = loadContentSettings(this.pool, workspaceId, ids);
    value.catch(() => this.contents.delete(key));
    this.contents.set(key, { at: Date.now(), value });
    return value;
  }

  async prepare(items: readonly Claimed[]): Promise<Prepared[]> {
    const refs = items.flatMap((i): RecipientRef[] =>
      i.kind === 'journey'
        ? [i.request]
        : i.kind === 'direct' || i.kind === 'confirm'
          ? [
              {
                key: i.key,
                workspace_id: i.workspaceId,
                contact_id: i.contactId,
                journey_id: null,
                list_id: null,
                account_id: null,
              },
            ]
          : [],
    );
    const pending = await loadPending(this.pool, items.filter(isConfirm));
    const friends = items.flatMap((i) =>
      i.kind === 'forward'
        ? [{ key: i.key, workspace_id: i.workspaceId, address: i.request.friend_address.trim() }]
        : [],
    );
    const rows = refs.length > 0 ? await loadRecipients(this.pool, refs) : new Map<string, RecipientRow>();
    const facts: BatchFacts = {
      cancelled: await cancelledMessages(this.pool, items),
      friendSuppressions: await loadFriendSuppressions(this.pool, friends),
      // read per batch, not cached: a workspace that changes the setting sees its next batch follow it
      roleBlocking: await roleBlockingWorkspaces(
        this.pool,
        items.flatMap((item) => (item.kind === 'test' ? [] : [item.workspaceId])),
      ),
    };
    // Only a contact without a row can be erased (a forward names the forwarding contact, whose row is not read).
    const erased = await erasedContacts(
      this.pool,
      items.flatMap((item) =>
        item.kind === 'forward' || (item.kind !== 'test' && !rows.has(item.key)) ? [item.contactId] : [],
      ),
    );
    return Promise.all(
      items.map((item) =>
        erased.has(item.contactId)
          ? { kind: 'erased' as const, item }
          : isConfirm(item)
            ? prepareConfirmation(item, pending.get(item.key), rows.get(item.key) ?? null, facts, this.mint)
            : this.prepareOne(item, rows.get(item.key) ?? null, facts),
      ),
    );
  }

  private get mint(): { tokens: TrackingTokenCodec; ingestUrl: string } {
    return { tokens: this.tokens, ingestUrl: this.settings.ingestUrl };
  }

  private async prepareOne(
    item: Exclude<Claimed, ConfirmItem>,
    row: RecipientRow | null,
    facts: BatchFacts,
  ): Promise<Prepared> {
    const final = (state: Finish['state'], events: Finish['outcome']): Prepared => finalOutcome(item, state, events);
    const { messageId } = item;
    if (item.kind === 'test') return testMail(item, messageId);
    if (item.kind === 'direct' && facts.cancelled.has(item.request.engagement_message_id))
      return final('blocked', { events: [] });
    if ((item.kind === 'journey' || item.kind === 'direct') && !row)
      return final('failed', {
        events: EventsFor.failed(item, messageId, 'CONTACT_NOT_FOUND', 'the contact no longer exists'),
      });
    const request = item.kind === 'journey' ? item.request : null;
    const { email_id: emailId, email_version: version } = item.request;
    const loaded = await this.renderer(item.workspaceId, emailId, version);
    if (!loaded)
      return final('failed', {
        events: EventsFor.failed(item, messageId, 'VERSION_NOT_FOUND', `email ${emailId} v${version} is not frozen`),
      });
    if (loaded.senderProblem)
      return final('failed', {
        events: EventsFor.failed(item, messageId, 'SENDER_ADDRESS_INVALID', loaded.senderProblem),
      });
    const recipient = decideRecipient(item, row, facts);
    if (recipient.kind !== 'to') return recipient;
    const { address, domain } = recipient;
    const { renderer } = loaded;
    const identity = this.identity(item, messageId, request);
    // a friend's copy carries no request of its own: its journey's settings, read as ingest reads them for its links
    const content =
      item.kind === 'forward'
        ? await contentSettingsOfMessage(this.pool, identity)
        : await this.content(item.workspaceId, [
            request?.content_settings_id ?? null,
            renderer.version.contentSettingsId,
          ]);
    const attachments =
      item.kind === 'direct' ? await loadAttachments(this.pool, item.workspaceId, item.request.attach_ids) : [];
    try {
      // NOTE: a one-to-one message is followed only as the API decided it (the recipient allows it and the
      // workspace follows); a journey message follows its contact's preference.
      const follow = item.kind === 'direct' ? item.request.followed : row ? row.allow_follow_email : true;
      const rendered = renderer.render(identity, mergeContext(row, content), follow);
      const mail =
        item.kind === 'direct'
          ? directMail(rendered, renderer.version, address, attachments)
          : outgoingMail(rendered, renderer.version, address);
      return { kind: 'send', item, messageId, attempts: item.attempts, address, domain, mail };
    } catch (error) {
      const code = error instanceof RenderBudgetError ? 'RENDER_BUDGET_EXCEEDED' : 'RENDER_FAILED';
      return final('failed', {
        events: EventsFor.failed(item, messageId, code, (error as Error).message.split('\n')[0] ?? ''),
      });
    }
  }

  private identity(item: DeliveryItem, messageId: string, request: SendRequest | null): MessageIdentity {
    const r = item.kind === 'forward' ? item.request : null;
    const direct = item.kind === 'direct' ? item.request : null;
    return {
      workspaceId: item.workspaceId,
      messageId,
      // the friend's copy: its own id, so its opens and clicks are its own message's, never a contact's
      contactId: r ? deterministicId('friend', r.request_id) : item.contactId,
      emailId: request?.email_id ?? direct?.email_id ?? r?.email_id ?? '',
      emailVersion: request?.email_version ?? direct?.email_version ?? r?.email_version ?? 0,
      sentAt: Math.floor(Date.now() / 1000),
      journeyId: request?.journey_id ?? r?.journey_id ?? null,
      tileId: request?.tile_id ?? r?.tile_id ?? null,
      iteration: request?.iteration ?? r?.iteration ?? 0,
      listId: request?.list_id ?? null,
    };
  }
}
