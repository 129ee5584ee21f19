import type { SendRequest } from '../../lib/contracts/sending/send-request';
import type { ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import type { TestSendJob } from '../../lib/contracts/sending/test-send';
import type { DirectSendJob, DirectSendRequest } from '../../lib/contracts/sending/direct-send';

/** One message the sender owes: a journey send request, one address of a test send, or a forward request. */
export type DeliveryItem =
  | { kind: 'journey'; key: string; workspaceId: string; contactId: string; request: SendRequest }
  | { kind: 'test'; key: string; workspaceId: string; contactId: string; request: TestSendJob & { address: string } }
  | { kind: 'forward'; key: string; workspaceId: string; contactId: string; request: ForwardRequest }
  | { kind: 'direct'; key: string; workspaceId: string; contactId: string; request: DirectSendRequest }
  | { kind: 'confirm'; key: string; workspaceId: string; contactId: string; request: ConfirmRequest };

/** A pending double opt-in confirmation (form_confirmations) whose system email the sender owes. */
export interface ConfirmRequest {
  submission_id: string;
  workspace_id: string;
  contact_id: string;
}

export const journeyItem = (request: SendRequest): DeliveryItem => ({
  kind: 'journey',
  key: request.key,
  workspaceId: request.workspace_id,
  contactId: request.contact_id,
  request,
});

export const testItems = (job: TestSendJob): DeliveryItem[] =>
  job.to.map((address, index) => ({
    kind: 'test',
    key: `test:${job.request_id}:${index}`,
    workspaceId: job.workspace_id,
    contactId: `test:${job.request_id}`,
    request: { ...job, to: [], address },
  }));

/** The friend is no contact: their copy is keyed by the request, its events by the forwarding contact. */
export const forwardItem = (request: ForwardRequest): DeliveryItem => ({
  kind: 'forward',
  key: `forward:${request.request_id}`,
  workspaceId: request.workspace_id,
  contactId: request.forwarded_by_contact_id,
  request,
});

/** One recipient of a one-to-one message (email engagement): keyed direct:<message>:<n>, events like a journey's. */
export const directItems = (job: DirectSendJob): DeliveryItem[] =>
  job.requests.map((request) => ({
    kind: 'direct',
    key: request.key,
    workspaceId: request.workspace_id,
    contactId: request.contact_id,
    request,
  }));

/**
 * The confirmation email of one submission (docs/pages-and-forms.md#double-opt-in). NOTE: keyed
 * `confirm:<submission id>` in the ledger, so however often pollers find it, it is attempted at most once.
 */
export const confirmItem = (request: ConfirmRequest): DeliveryItem => ({
  kind: 'confirm',
  key: `confirm:${request.submission_id}`,
  workspaceId: request.workspace_id,
  contactId: request.contact_id,
  request,
});
