import { ApiProblem } from '../api-problem';

/**
 * The closed sets of statuses of tasks and leads and the moves between them (docs/api.md#tasks-and-leads). A row
 * is created in its first status; the API moves it only along these edges, so a converted lead stays converted.
 */
export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export const LEAD_STATUSES = ['new', 'qualified', 'disqualified', 'converted'] as const;

export type Transitions = Readonly<Record<string, readonly string[]>>;

export const TASK_TRANSITIONS: Transitions = {
  open: ['done', 'cancelled'],
  done: ['open'],
  cancelled: ['open'],
};

export const LEAD_TRANSITIONS: Transitions = {
  new: ['qualified', 'disqualified'],
  qualified: ['converted', 'disqualified'],
  disqualified: ['new'],
  converted: [],
};

/** 409 naming `status` when `to` is not reachable from `from` in one move; the same status is no move and allowed. */
export function assertTransition(noun: string, transitions: Transitions, from: string, to: string): void {
  if (from === to) return;
  const allowed = transitions[from] ?? [];
  if (allowed.includes(to)) return;
  const next = allowed.length > 0 ? `it can move to ${allowed.join(' or ')}` : 'it cannot move any more';
  throw new ApiProblem(409, `a ${from} ${noun} cannot become ${to}`, [
    { field: 'status', message: `${from} → ${to} is not allowed; ${next}` },
  ]);
}

/** A new row starts in the first status: `status` on a create may only name it (no mass-assigned outcome). */
export function assertInitial(statuses: readonly string[], status: unknown): void {
  const first = statuses[0];
  if (status === undefined || status === first) return;
  throw new ApiProblem(409, `a new row starts as ${first}`, [
    { field: 'status', message: `must be ${first} (or left out) on create; change it afterwards with PATCH` },
  ]);
}
