import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { progressOf } from './progress-report.js';
import { progressInput, progressSchema } from './schemas.js';
import { findGoal } from './store.js';

export const goalsProgress = defineAction({
  resource: 'goals',
  action: 'progress',
  description:
    "How the goal is doing against each target as of `at` (default now): the window containing it in the goal's time zone, counts, rate, pace and status, and optionally past windows.",
  scope: 'goals:read',
  id: 'required',
  destructive: false,
  naturallyIdempotent: true,
  input: progressInput,
  result: progressSchema,
  async run({ id, data }, ctx) {
    const goal = await findGoal(ctx.db, ctx.access, id);
    if (!goal) throw notFound('Goal', id);
    const asOfMs = data.at === undefined ? ctx.clock.now().getTime() : Date.parse(data.at);
    const [progress] = await progressOf(ctx.db, [{ goal, asOfMs, history: data.history }]);
    if (!progress) throw new Error('progressOf returned no progress for one goal.');
    return progress;
  },
});
