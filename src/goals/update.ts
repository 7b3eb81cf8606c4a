import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { goalSchema, updateGoalInput } from './schemas.js';
import { updateGoal } from './store.js';

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
    const result = await updateGoal(ctx.db, ctx.access, id, data, isoNow(ctx.clock));
    switch (result.kind) {
      case 'updated':
        return result.goal;
      case 'missing-agent':
        throw notFound('Agent', result.agentId);
      case 'missing-goal':
        throw notFound('Goal', id);
      case 'agent-of-other-owner':
        throw new ApiError('CONFLICT', `Agent ${result.agentId} belongs to another owner than goal ${id}.`);
      default:
        return unreachable(result);
    }
  },
});
