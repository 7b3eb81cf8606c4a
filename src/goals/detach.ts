import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { detachInput, detachResultSchema } from './schemas.js';
import { detachGoal } from './store.js';

export const goalsDetach = defineAction({
  resource: 'goals',
  action: 'detach',
  description: "Detaches the agent's goal (only if it is `goalId`, when given).",
  scope: 'goals:write',
  id: 'forbidden',
  destructive: true,
  naturallyIdempotent: true,
  input: detachInput,
  result: detachResultSchema,
  aliases: { goal_id: 'goalId', agent_id: 'agentId' },
  async run({ data: { agentId, goalId } }, ctx) {
    const result = await detachGoal(ctx.db, ctx.access, agentId, goalId, isoNow(ctx.clock));
    switch (result.kind) {
      case 'detached':
        return { agent_id: result.agent_id, goal_id: result.goal_id, detached: true as const };
      case 'missing-agent':
        throw notFound('Agent', agentId);
      case 'not-attached':
        throw new ApiError('NOT_FOUND', `${goalId === undefined ? 'No goal is' : `Goal ${goalId} is not`} attached to agent ${agentId}.`);
      default:
        return unreachable(result);
    }
  },
});
