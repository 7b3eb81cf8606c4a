import { findAgentOwner } from '../agents/store.js';
import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { attachInput, attachmentSchema } from './schemas.js';
import { attachGoal, findGoalHeader } from './store.js';

export const goalsAttach = defineAction({
  resource: 'goals',
  action: 'attach',
  description:
    "Attaches a goal to an agent, replacing the agent's previous goal in one atomic step. The goal must not be archived and both must have the same owner.",
  scope: 'goals:write',
  id: 'forbidden',
  input: attachInput,
  result: attachmentSchema,
  aliases: { goal_id: 'goalId', agent_id: 'agentId' },
  idempotent: true,
  async run({ data: { goalId, agentId } }, ctx) {
    // The checks give precise errors; the attach statement enforces the same rules atomically.
    const goal = await findGoalHeader(ctx.db, ctx.access, goalId);
    if (!goal) throw notFound('Goal', goalId);
    const agentOwner = await findAgentOwner(ctx.db, ctx.access, agentId);
    if (agentOwner === undefined) throw notFound('Agent', agentId);
    if (agentOwner !== goal.owner_id) {
      throw new ApiError('CONFLICT', `Goal ${goalId} and agent ${agentId} belong to different owners.`);
    }
    if (goal.status === 'archived') throw new ApiError('CONFLICT', `Goal ${goalId} is archived and cannot be attached.`);
    const attachment = await attachGoal(ctx.db, ctx.access, agentId, goalId, isoNow(ctx.clock));
    if (!attachment) {
      throw new ApiError('CONFLICT', `Goal ${goalId} changed while it was being attached; try again.`, { retryable: true });
    }
    return attachment;
  },
});
