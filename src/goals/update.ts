import { findAgentOwner } from '../agents/store.js';
import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { goalSchema, updateGoalInput } from './schemas.js';
import { findGoal, findGoalHeader, updateGoal } from './store.js';
import { resolveTargets } from './targets.js';

export const goalsUpdate = defineAction({
  resource: 'goals',
  action: 'update',
  description:
    'Changes any of name, description, status, priority, agent_id, fields, channel_id, tags, timezone and targets (fields, tags and targets replace their lists; replaced targets get new ids).',
  scope: 'goals:write',
  id: 'required',
  input: updateGoalInput,
  result: goalSchema,
  aliases: { agentId: 'agent_id', channelId: 'channel_id' },
  async run({ id, data }, ctx) {
    if (data.agent_id !== undefined && (await findAgentOwner(ctx.db, ctx.access, data.agent_id)) === undefined) {
      throw notFound('Agent', data.agent_id);
    }
    const { targets: sent, ...rest } = data;
    let targets;
    if (sent !== undefined) {
      // A total target starts on the goal's creation day by default: that needs the goal.
      const current = await findGoal(ctx.db, ctx.access, id);
      if (!current) throw notFound('Goal', id);
      targets = resolveTargets(sent, Date.parse(current.created_at), data.timezone ?? current.timezone, ctx.ids);
    }
    const goal = await updateGoal(ctx.db, ctx.access, id, { ...rest, ...(targets ? { targets } : {}) }, isoNow(ctx.clock));
    if (goal) return goal;
    if (!(await findGoalHeader(ctx.db, ctx.access, id))) throw notFound('Goal', id);
    // Only admin mode can see an agent of another owner; a goal never changes owner.
    throw new ApiError('CONFLICT', `Agent ${data.agent_id ?? ''} belongs to another owner than goal ${id}.`);
  },
});
