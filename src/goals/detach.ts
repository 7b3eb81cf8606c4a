import { findAgentOwner } from '../agents/store.js';
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
    const removed = await detachGoal(ctx.db, ctx.access, agentId, goalId);
    if (removed) return { ...removed, detached: true as const };
    if ((await findAgentOwner(ctx.db, ctx.access, agentId)) === undefined) throw notFound('Agent', agentId);
    const what = goalId === undefined ? 'No goal is' : `Goal ${goalId} is not`;
    throw new ApiError('NOT_FOUND', `${what} attached to agent ${agentId}.`);
  },
});
