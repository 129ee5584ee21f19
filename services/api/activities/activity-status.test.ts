import { ApiProblem } from '../api-problem';
import { assertInitial, assertTransition, LEAD_TRANSITIONS, TASK_TRANSITIONS } from './activity-status';

const problem = (fn: () => void): ApiProblem | null => {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof ApiProblem ? error : null;
  }
};

describe('task and lead status transitions', () => {
  it('allows the listed moves and the same status', () => {
    expect(problem(() => assertTransition('task', TASK_TRANSITIONS, 'open', 'done'))).toBeNull();
    expect(problem(() => assertTransition('task', TASK_TRANSITIONS, 'done', 'open'))).toBeNull();
    expect(problem(() => assertTransition('lead', LEAD_TRANSITIONS, 'qualified', 'converted'))).toBeNull();
    expect(problem(() => assertTransition('lead', LEAD_TRANSITIONS, 'converted', 'converted'))).toBeNull();
  });

  it('refuses any other move with a 409 naming status', () => {
    const skip = problem(() => assertTransition('lead', LEAD_TRANSITIONS, 'new', 'converted'));
    expect(skip?.status).toBe(409);
    expect(skip?.errors).toEqual([
      { field: 'status', message: 'new → converted is not allowed; it can move to qualified or disqualified' },
    ]);
    const final = problem(() => assertTransition('lead', LEAD_TRANSITIONS, 'converted', 'new'));
    expect(final?.errors[0]?.message).toMatch(/cannot move any more/);
    expect(problem(() => assertTransition('task', TASK_TRANSITIONS, 'done', 'cancelled'))?.status).toBe(409);
  });

  it('lets a create name only the first status', () => {
    expect(problem(() => assertInitial(['new', 'qualified'], undefined))).toBeNull();
    expect(problem(() => assertInitial(['new', 'qualified'], 'new'))).toBeNull();
    expect(problem(() => assertInitial(['new', 'qualified'], 'qualified'))?.errors[0]?.field).toBe('status');
  });
});
