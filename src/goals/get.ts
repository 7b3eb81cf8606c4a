import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { progressOf } from './progress-report.js';
import { getGoalInput, goalSchema } from './schemas.js';
import { findGoal } from './store.js';

export const goalsGet = defineAction({
  resource: 'goals',
  action: 'get',
  description: 'Returns one goal; with include: ["progress"], its progress as of now (no history).',
  scope: 'goals:read',
  id: 'required',
  destructive: false,
  naturallyIdempotent: true,
  input: getGoalInput,
  result: goalSchema,
  async run({ id, data }, ctx) {
    const goal = await findGoal(ctx.db, ctx.access, id);
    if (!goal) throw notFound('Goal', id);
    if (!data.include?.includes('progress')) return goal;
    const [progress] = await progressOf(ctx.db, [{ goal, asOfMs: ctx.clock.now().getTime(), history: 0 }]);
    return { ...goal, progress };
  },
});
