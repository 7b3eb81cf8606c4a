import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { attachInput, attachmentSchema } from './schemas.js';
import { attachGoal } from './store.js';

export const goalsAttach = defineAction({
  resource: 'goals',
  action: 'attach',
  description:
    "Attaches a goal to an agent, replacing the agent's previous goal in one atomic step. The goal must not be archived and both must have the same owner.",
  scope: 'goals:write',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: attachInput,
  result: attachmentSchema,
  aliases: { goal_id: 'goalId', agent_id: 'agentId' },
  idempotent: true,
  async run({ data: { goalId, agentId } }, ctx) {
    const result = await attachGoal(ctx.db, ctx.access, agentId, goalId, isoNow(ctx.clock));
    switch (result.kind) {
      case 'attached':
        return result.attachment;
      case 'missing-goal':
        throw notFound('Goal', goalId);
      case 'missing-agent':
        throw notFound('Agent', agentId);
      case 'different-owners':
        throw new ApiError('CONFLICT', `Goal ${goalId} and agent ${agentId} belong to different owners.`);
      case 'archived':
        throw new ApiError('CONFLICT', `Goal ${goalId} is archived and cannot be attached.`);
      case 'raced':
        throw new ApiError('CONFLICT', `Goal ${goalId} changed while it was being attached; try again.`, { retryable: true });
      default:
        return unreachable(result);
    }
  },
});
