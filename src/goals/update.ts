import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { goalSchema, updateGoalInput } from './schemas.js';
import { findGoal, updateGoal } from './store.js';
import { resolveTargets } from './targets.js';

export const goalsUpdate = defineAction({
  resource: 'goals',
  action: 'update',
  description:
    'Changes any of name, description, status, priority, agent_id, fields, channel_id, tags, timezone and targets (fields, tags and targets replace their lists; replaced targets get new ids).',
  scope: 'goals:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: updateGoalInput,
  result: goalSchema,
  aliases: { agentId: 'agent_id', channelId: 'channel_id' },
  async run({ id, data }, ctx) {
    const { targets: sent, ...rest } = data;
    // A total target starts on the goal's creation day by default: that needs the goal. When it
    // is not found, the update below writes nothing and says why, in the contract's order.
    const current = sent === undefined ? undefined : await findGoal(ctx.db, ctx.access, id);
    const targets = sent && current ? resolveTargets(sent, Date.parse(current.created_at), data.timezone ?? current.timezone, ctx.ids) : undefined;
    const result = await updateGoal(ctx.db, ctx.access, id, { ...rest, ...(targets ? { targets } : {}) }, isoNow(ctx.clock));
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
