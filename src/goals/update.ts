import { findAgentOwner } from '../agents/store.js';
import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { goalSchema, updateGoalInput } from './schemas.js';
import { findGoalHeader, updateGoal } from './store.js';

export const goalsUpdate = defineAction({
  resource: 'goals',
  action: 'update',
  description: 'Changes any of name, description, status, priority, agent_id and fields (which replaces the list).',
  scope: 'goals:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: updateGoalInput,
  result: goalSchema,
  aliases: { agentId: 'agent_id' },
  async run({ id, data }, ctx) {
    if (data.agent_id !== undefined && (await findAgentOwner(ctx.db, ctx.access, data.agent_id)) === undefined) {
      throw notFound('Agent', data.agent_id);
    }
    const goal = await updateGoal(ctx.db, ctx.access, id, data, isoNow(ctx.clock));
    if (goal) return goal;
    if (!(await findGoalHeader(ctx.db, ctx.access, id))) throw notFound('Goal', id);
    // Only admin mode can see an agent of another owner; a goal never changes owner.
    throw new ApiError('CONFLICT', `Agent ${data.agent_id ?? ''} belongs to another owner than goal ${id}.`);
  },
});
