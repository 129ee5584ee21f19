import type { Pool } from 'pg';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { sendRequestKey, type SendRequest } from '../../lib/contracts/sending/send-request';
import { journeyEmailEvent } from '../support/journey-email-event';
import { recordEngagements } from '../../services/scheduler/engagement.consumer';
import { takeCapSlots } from '../../services/scheduler/frequency-cap';
import { scoreLeads } from '../../services/scheduler/lead-scoring';
import { StepEffects } from '../../services/scheduler/step-effects';
import { onceKey } from '../../services/scheduler/tile-rules';
import { confirmItem, forwardItem, journeyItem } from '../../services/sender/delivery-item';
import { DeliveriesRepository } from '../../services/sender/deliveries.repository';
import { newId } from '../support/test-env';
import type { client } from './api-test-kit';

type Client = ReturnType<typeof client>;

export interface Footprint {
  journeyId: string;
  /** the one-to-one messages: `alone` has only the erased contact as recipient (and regards it), `shared` both */
  messages: { alone: string; shared: string };
}

const DAY_MS = 86_400_000;

/** A journey's send request as the scheduler makes it (uuids where it writes uuids). */
export function journeyRequest(workspaceId: string, journeyId: string, tileId: string, contactId: string): SendRequest {
  const parts = { journey_id: journeyId, tile_id: tileId, iteration: 0, contact_id: contactId };
  return {
    ...parts,
    key: sendRequestKey(parts),
    workspace_id: workspaceId,
    account_id: null,
    email_id: newId(),
    email_version: 1,
    list_id: null,
    content_settings_id: null,
    min_consent: 0,
    requested_at: Date.now(),
  };
}

/** What one journey step leaves for these contacts (real StepEffects): positions, tasks, leads, sends, tile events, webhooks. */
async function journeyStep(
  pool: Pool,
  workspaceId: string,
  journeyId: string,
  tileId: string,
  contacts: string[],
): Promise<void> {
  const effects = new StepEffects();
  for (const contactId of contacts) {
    const key = (tile: string) =>
      onceKey({ journeyId, tileId: `${tile}-${tileId}`, iteration: 0, subjectId: contactId });
    effects.move({ iteration: 0, contactId, accountId: null, tileId, state: 'waiting', dueAt: Date.now() + DAY_MS });
    effects.event('tile_inflow', { id: tileId, type: 'email' }, 0, contactId);
    effects.sends.push(journeyRequest(workspaceId, journeyId, tileId, contactId));
    effects.tasks.push({
      onceKey: key('call'),
      contactId,
      accountId: null,
      tileId: `call-${tileId}`,
      ownerId: null,
      kind: 'task',
      subject: 'Call',
      dueAt: null,
    });
    effects.leads.push({
      onceKey: key('lead'),
      contactId,
      accountId: null,
      tileId: `lead-${tileId}`,
      ownerId: null,
      title: 'Hot',
      arrivedContactId: contactId,
      iteration: 0,
    });
    effects.webhooks.push({
      onceKey: key('crm'),
      payload: {
        v: 1,
        url: 'https://hooks.example.com/crm',
        workspace_id: workspaceId,
        contact_id: contactId,
        body: {
          key: key('crm'),
          workspace_id: workspaceId,
          journey_id: journeyId,
          tile_id: 'crm',
          iteration: 0,
          contact_id: contactId,
        },
      },
    });
  }
  // Not `entered` on the second step: its contacts already have rows at this iteration (UPDATE moves them).
  const entered =
    (await pool.query('SELECT 1 FROM journey_contacts WHERE journey_id = $1', [journeyId])).rowCount === 0;
  await inTransaction(pool, (db) => effects.write(db, { id: journeyId, workspaceId }, Date.now(), entered));
}

const open = (workspaceId: string, journeyId: string, contactId: string): CairnEvent =>
  journeyEmailEvent('open', { workspaceId, journeyId, contactId }, { machine: false });

/** A one-to-one message (its own email version), scheduled tomorrow, with a pending reminder and a reply per recipient. */
async function oneToOne(
  pool: Pool,
  workspaceId: string,
  recipients: string[],
  regarding: string | null,
): Promise<string> {
  const emailId = newId();
  const messageId = newId();
  await pool.query(
    `INSERT INTO emails (id, workspace_id, name, status, live_version, channel) VALUES ($1, $2, 'note', 'live', 1, 'one_to_one')`,
    [emailId, workspaceId],
  );
  await pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, compiled_html) VALUES ($1, 1, $2, 'Hi', 'rep@cairn.example', '<p>hi</p>')`,
    [emailId, workspaceId],
  );
  await pool.query(
    `INSERT INTO engagement_messages (id, workspace_id, email_id, email_version, regarding_type, regarding_id, subject, followed, state, send_at)
     VALUES ($1, $2, $3, 1, $4, $5, 'Hi', true, 'scheduled', now() + interval '1 day')`,
    [messageId, workspaceId, emailId, regarding ? 'contact' : null, regarding],
  );
  for (const [idx, contactId] of recipients.entries()) {
    const delivery = newId();
    await pool.query(
      'INSERT INTO engagement_recipients (message_id, idx, contact_id, delivery_message_id) VALUES ($1, $2, $3, $4)',
      [messageId, idx, contactId, delivery],
    );
    await pool.query(
      `INSERT INTO engagement_replies (event_id, workspace_id, message_id, delivery_message_id, contact_id, machine, source, auth_verdict) VALUES ($1, $2, $3, $4, $5, false, 'smtp', 'verified')`,
      [newId(), workspaceId, messageId, delivery, contactId],
    );
  }
  await pool.query(
    `INSERT INTO engagement_reminders (workspace_id, message_id, title, condition, remind_at) VALUES ($1, $2, 'Chase', 'no_reply_by', now() + interval '2 days')`,
    [workspaceId, messageId],
  );
  return messageId;
}

/** A double opt-in form's submission, pending confirmation and consent record per contact, as ingest writes them. */
async function formRows(pool: Pool, workspaceId: string, contacts: string[]): Promise<string[]> {
  const formId = newId();
  await pool.query("INSERT INTO forms (id, workspace_id, name, definition) VALUES ($1, $2, 'signup', '{}')", [
    formId,
    workspaceId,
  ]);
  await pool.query("INSERT INTO form_versions (form_id, version, workspace_id, definition) VALUES ($1, 1, $2, '{}')", [
    formId,
    workspaceId,
  ]);
  const submissions: string[] = [];
  for (const contactId of contacts) {
    const submissionId = newId();
    submissions.push(submissionId);
    await pool.query(
      `INSERT INTO form_submissions (id, workspace_id, form_id, form_version, contact_id, fields, contact_outcome, lead_outcome, confirmation_pending, country, user_agent)
       VALUES ($1, $2, $3, 1, $4, '{"email": "x@example.com"}', 'created', 'none', true, 'NO', 'Mozilla/5.0')`,
      [submissionId, workspaceId, formId, contactId],
    );
    await pool.query(
      `INSERT INTO form_confirmations (submission_id, workspace_id, contact_id, expires_at) VALUES ($1, $2, $3, now() + interval '7 days')`,
      [submissionId, workspaceId, contactId],
    );
    await pool.query(
      `INSERT INTO consent_records (workspace_id, contact_id, form_id, submission_id, source, country) VALUES ($1, $2, $3, $4, 'submission', 'NO')`,
      [workspaceId, contactId, formId, submissionId],
    );
  }
  return submissions;
}

/**
 * Rows holding `erased` (and `kept`, a bystander) in every table erasure covers, made the way Cairn makes them:
 * the API for lists, segments and the journey; the scheduler's StepEffects and engagement consumer; the sender's
 * ledger; SQL shaped as services/engagement and the webhook worker write it.
 */
export async function buildFootprint(
  pool: Pool,
  api: Client,
  workspaceId: string,
  contacts: { erased: string; kept: string },
): Promise<Footprint> {
  const both = [contacts.erased, contacts.kept];
  const list = (await api('POST', '/v1/lists', { name: 'News' })).json().id as string;
  await api('POST', `/v1/lists/${list}/members`, { contact_ids: both });
  const segment = (await api('POST', '/v1/segments', { name: 'VIP', kind: 'static' })).json().id as string;
  await api('POST', `/v1/segments/${segment}/members`, { contact_ids: both });
  const journeyId = (await api('POST', '/v1/journeys', { name: 'Welcome' })).json().id as string;

  await journeyStep(pool, workspaceId, journeyId, 'mail', both);
  await journeyStep(pool, workspaceId, journeyId, 'solo', [contacts.erased]); // outbox rows holding only the erased contact
  await recordEngagements(
    pool,
    both.map((c) => open(workspaceId, journeyId, c)),
  );
  // form submissions recorded at a trigger waiting for them, as services/scheduler/web-activity.ts writes them
  await pool.query(
    `INSERT INTO journey_web_engagements (journey_id, iteration, trigger_tile_id, contact_id) SELECT $1, 0, 'signed_up', unnest($2::uuid[])`,
    [journeyId, both],
  );
  // journey goals reached, as services/scheduler/journey-goal.ts records them
  await pool.query(
    `INSERT INTO journey_goals (journey_id, iteration, contact_id, tile_id, goal_event) SELECT $1, 0, unnest($2::uuid[]), 'mail', 'clicked_link'`,
    [journeyId, both],
  );
  // lead scores, their ledger and crossings in the outbox, as services/scheduler/lead-scoring.ts writes them
  const model = await api('POST', '/v1/scoring-models', {
    name: 'MQL',
    definition: {
      rules: [
        { on: 'open', points: 5 },
        { attribute: 'tier', equals: 'gold', points: 1 },
      ],
      threshold: 5,
    },
  });
  await api('POST', `/v1/scoring-models/${model.json().id}/go-live`);
  await scoreLeads(
    pool,
    both.map((c) => open(workspaceId, journeyId, c)),
    Date.now(),
  );
  // A/B test variants sent, as services/scheduler/ab-test-tile.ts records them
  await pool.query(
    `INSERT INTO journey_ab_sends (journey_id, iteration, tile_id, contact_id, variant, in_test) SELECT $1, 0, 'mail', unnest($2::uuid[]), 0, true`,
    [journeyId, both],
  );
  // the frequency cap's counters, as an email tile of a capped workspace takes its slots
  await inTransaction(pool, (client) =>
    takeCapSlots(client, workspaceId, [{ max_sends: 2, window_hours: 24 }], both, Date.now()),
  );
  for (const contactId of both) {
    const key = onceKey({ journeyId, tileId: 'broken', iteration: 0, subjectId: contactId });
    await pool.query(
      `INSERT INTO journey_webhook_dead_letters (once_key, workspace_id, url, attempts, last_error, payload) VALUES ($1, $2, 'https://hooks.example.com/down', 3, 'HTTP 500', $3)`,
      [key, workspaceId, JSON.stringify({ key, workspace_id: workspaceId, contact_id: contactId })],
    );
    // an outbox row the relay could not read (a version it does not know), as the relay moves it
    await pool.query(
      `INSERT INTO journey_outbox_dead_letters (id, kind, workspace_id, payload, reason) VALUES ($1, 'send', $2, $3, 'send batch v2: /v is not a version this reader knows (1)')`,
      [
        Math.floor(Math.random() * 2 ** 52),
        workspaceId,
        JSON.stringify({ v: 2, kind: 'journey', common: { workspace_id: workspaceId }, contacts: [[contactId, null]] }),
      ],
    );
  }
  const forward = {
    request_id: newId(),
    requested_at: Date.now(),
    workspace_id: workspaceId,
    new_message_id: newId(),
    friend_address: 'friend@example.com',
    forwarded_by_contact_id: contacts.erased,
    original_message_id: newId(),
    email_id: newId(),
    email_version: 1,
    journey_id: journeyId,
    tile_id: 'mail',
    iteration: 0,
  };
  const submissions = await formRows(pool, workspaceId, both);
  const items = [
    ...both.map((c) => journeyItem(journeyRequest(workspaceId, journeyId, 'mail', c))),
    forwardItem(forward),
    ...both.map((c, i) =>
      confirmItem({ submission_id: submissions[i] ?? '', workspace_id: workspaceId, contact_id: c }),
    ),
  ];
  await new DeliveriesRepository(pool, 'footprint').claim(items.map((item) => ({ ...item, messageId: newId() })));

  const alone = await oneToOne(pool, workspaceId, [contacts.erased], contacts.erased);
  const shared = await oneToOne(pool, workspaceId, both, null);
  await pool.query(
    `INSERT INTO address_bounce_state (workspace_id, address, consecutive_soft_bounces) SELECT $1, lower(email), 2 FROM contacts WHERE id = ANY($2::uuid[])`,
    [workspaceId, both],
  );
  return { journeyId, messages: { alone, shared } };
}
