import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { attachInput, attachmentSchema } from './schemas.js';
import { attachGoal, attachState } from './store.js';

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
    // The statement enforces every rule; only when it writes nothing are the reasons read, in the
    // order the errors are reported. The common case is one statement (one round trip on D1).
    const attached = await attachGoal(ctx.db, ctx.access, agentId, goalId, isoNow(ctx.clock));
    if (attached) return attached;
    const state = await attachState(ctx.db, ctx.access, agentId, goalId);
    if (state.goal_owner === null) throw notFound('Goal', goalId);
    if (state.agent_owner === null) throw notFound('Agent', agentId);
    if (state.agent_owner !== state.goal_owner) {
      throw new ApiError('CONFLICT', `Goal ${goalId} and agent ${agentId} belong to different owners.`);
    }
    if (state.goal_status === 'archived') throw new ApiError('CONFLICT', `Goal ${goalId} is archived and cannot be attached.`);
    if (state.attached_at !== null) return { agent_id: agentId, goal_id: goalId, attached_at: state.attached_at, replaced_goal_id: null };
    throw new ApiError('CONFLICT', `Goal ${goalId} changed while it was being attached; try again.`, { retryable: true });
  },
});
