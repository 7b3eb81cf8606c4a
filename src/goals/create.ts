import { defineAction } from '../rpc/define-action.js';
import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { notFound } from '../rpc/errors.js';
import { createGoalInput, goalSchema } from './schemas.js';
import { insertGoal } from './store.js';
import { resolveTargets } from './targets.js';

export const goalsCreate = defineAction({
  resource: 'goals',
  action: 'create',
  description:
    "Creates a goal on one of the caller's agents; the goal belongs to that agent's owner. Targets get ids; the first is primary unless one is marked.",
  scope: 'goals:write',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: false,
  input: createGoalInput,
  result: goalSchema,
  aliases: { agentId: 'agent_id', channelId: 'channel_id' },
  successStatus: 201,
  idempotent: true,
  async run({ data }, ctx) {
    const now = isoNow(ctx.clock);
    const targets = resolveTargets(data.targets, Date.parse(now), data.timezone, ctx.ids);
    const result = await insertGoal(ctx.db, ctx.access, { id: ctx.ids.uuid(), ...data, targets }, now);
    switch (result.kind) {
      case 'created':
        return result.goal;
      case 'missing-agent':
        throw notFound('Agent', data.agent_id);
      default:
        return unreachable(result);
    }
  },
});
