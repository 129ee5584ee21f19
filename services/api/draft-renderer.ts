import type { Worker } from 'node:worker_threads';
import type { ContentSettingsData, EmailCheck, EmailDraft } from '../../lib/domain/email/email-check';
import type { MergeContext } from '../../lib/domain/email/merge-template';
import type { Logger } from '../../lib/platform/logger';
import { spawnWorker } from '../../lib/platform/threads/spawn-worker';
import { ApiProblem } from './api-problem';
import {
  DRAFT_THREAD_READY,
  PAGE_CONTENT,
  isDraftReply,
  type DraftJob,
  type DraftReply,
} from './draft-render.contract';

export interface DraftRenderSettings {
  /** threads rendering drafts at once */
  threads: number;
  /** a check or render still running after this is stopped (its thread terminated) and answered 422 */
  timeoutMs: number;
  /** the most characters one template of a draft may render for a contact */
  maxChars: number;
  /** V8 heap of each thread: a render that needs more is stopped like one past the deadline */
  memoryMb: number;
  /** jobs waiting for a thread; beyond this the API answers 503 */
  maxQueued: number;
}

export interface RenderedEmail {
  subject: string;
  from_name: string;
  html: string;
}

type JobBody = DraftJob extends infer J ? (J extends DraftJob ? Omit<J, 'id'> : never) : never;

interface Task {
  job: DraftJob;
  resolve: (reply: DraftReply) => void;
  reject: (problem: ApiProblem) => void;
}

interface Slot {
  worker: Worker | null;
  /** the thread has loaded its modules (MJML takes a while): the job's deadline counts from here */
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

/** A thread that has not loaded its modules after this is broken, not slow. */
const STARTUP_MS = 60_000;

/**
 * Checks and renders drafts (MJML, the go-live check, Handlebars per contact) on worker threads
 * (draft-render.worker.ts), so the event loop keeps answering whatever a template costs. A job past the deadline
 * has its thread terminated and is answered 422 naming the body; the next job gets a fresh thread.
 */
export class DraftRenderer {
  private readonly slots: Slot[];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly settings: DraftRenderSettings,
    private readonly log: Logger,
  ) {
    this.slots = Array.from({ length: Math.max(1, settings.threads) }, () => ({
      worker: null,
      ready: false,
      task: null,
      timer: null,
    }));
  }

  /** The go-live error check; go-live freezes `compiled` when there are no issues. */
  async check(draft: EmailDraft, content: ContentSettingsData | null): Promise<EmailCheck> {
    const reply = await this.run({ kind: 'check', draft, content });
    if (reply.kind !== 'checked')
      throw new ApiProblem(422, 'the draft could not be checked', reply.kind === 'refused' ? reply.issues : []);
    return reply.compiled ? { issues: reply.issues, compiled: reply.compiled } : { issues: reply.issues };
  }

  /** The draft for one contact, after the same check as go-live; any problem is a 422 naming its field. */
  async render(
    draft: EmailDraft,
    content: ContentSettingsData | null,
    context: MergeContext,
    what: string,
  ): Promise<RenderedEmail> {
    const reply = await this.run({ kind: 'render', draft, content, context, maxChars: this.settings.maxChars });
    if (reply.kind === 'rendered') return { subject: reply.subject, from_name: reply.from_name, html: reply.html };
    if (reply.kind === 'checked')
      throw new ApiProblem(
        422,
        `the email has ${reply.issues.length} problem(s) to fix before it can be ${what}`,
        reply.issues,
      );
    throw new ApiProblem(
      422,
      `the draft cannot be ${what} within the render budget`,
      reply.kind === 'refused' ? reply.issues : [],
    );
  }

  /**
   * A page's content for go-live: MJML compiled, active content removed (lib/domain/forms/page-content.ts), within
   * the same deadline, memory and size budget as an email's render; any problem is a 422 naming the content.
   */
  async page(contentType: 'mjml' | 'html', content: string): Promise<string> {
    const reply = await this.run({ kind: 'page', content_type: contentType, content });
    if (reply.kind !== 'page')
      throw new ApiProblem(422, 'the page content could not be compiled', reply.kind === 'refused' ? reply.issues : []);
    if (reply.html.length > this.settings.maxChars)
      throw new ApiProblem(422, 'the page is too large', [
        { field: PAGE_CONTENT, message: `its HTML has more than ${this.settings.maxChars} characters` },
      ]);
    return reply.html;
  }

  private run(body: JobBody): Promise<DraftReply> {
    if (this.closed) return Promise.reject(new ApiProblem(503, 'the API is shutting down'));
    if (this.waiting.length >= this.settings.maxQueued)
      return Promise.reject(new ApiProblem(503, 'too many drafts are being rendered; retry shortly'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { ...body, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task) continue;
      const task = this.waiting.shift();
      if (!task) return;
      slot.task = task;
      if (!slot.worker) {
        slot.worker = this.spawn(slot);
        slot.timer = setTimeout(() => this.stop(slot, 'the draft-render thread did not start'), STARTUP_MS);
      } else if (slot.ready) this.post(slot, slot.worker, task);
    }
  }

  private post(slot: Slot, worker: Worker, task: Task): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = setTimeout(
      () => this.stop(slot, `rendering took longer than ${this.settings.timeoutMs} ms: simplify the template`),
      this.settings.timeoutMs,
    );
    worker.postMessage(task.job);
  }

  private spawn(slot: Slot): Worker {
    const worker = spawnWorker(__filename, __dirname, 'draft-render', {
      resourceLimits: { maxOldGenerationSizeMb: this.settings.memoryMb },
    });
    worker.on('message', (message: unknown) => {
      if (slot.worker !== worker) return;
      if (message === DRAFT_THREAD_READY) {
        slot.ready = true;
        if (slot.task) this.post(slot, worker, slot.task);
        return;
      }
      if (!isDraftReply(message) || message.id !== slot.task?.job.id) return;
      const { task } = slot;
      this.release(slot);
      task.resolve(message);
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (!memory) this.log.error({ err: error.message }, 'draft_render_thread_failed');
      this.stop(
        slot,
        memory
          ? `rendering needed more than ${this.settings.memoryMb} MB: simplify the template`
          : 'the draft could not be rendered',
      );
    });
    worker.on('exit', () => slot.worker === worker && this.stop(slot, 'the draft could not be rendered'));
    return worker;
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  }

  /** Ends the slot's job with a 422 and its thread with it (terminate stops even a loop that never yields). */
  private stop(slot: Slot, message: string): void {
    const { task, worker } = slot;
    this.release(slot);
    slot.worker = null;
    slot.ready = false;
    if (worker) void worker.terminate();
    const field = task?.job.kind === 'page' ? PAGE_CONTENT : 'body_mjml';
    task?.reject(new ApiProblem(422, message, [{ field, message }]));
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.waiting.splice(0)) task.reject(new ApiProblem(503, 'the API is shutting down'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const { worker, task } = slot;
        this.release(slot);
        slot.worker = null;
        task?.reject(new ApiProblem(503, 'the API is shutting down'));
        if (worker) await worker.terminate();
      }),
    );
  }
}
