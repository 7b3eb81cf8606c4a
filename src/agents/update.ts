import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { agentSchema, updateAgentInput } from './schemas.js';
import { updateAgent } from './store.js';

export const agentsUpdate = defineAction({
  resource: 'agents',
  action: 'update',
  description: 'Changes the name and/or description of an agent.',
  scope: 'agents:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: updateAgentInput,
  result: agentSchema,
  async run({ id, data }, ctx) {
    const result = await updateAgent(ctx.db, ctx.access, id, data, isoNow(ctx.clock));
    if (result.kind === 'missing') throw notFound('Agent', id);
    return result.agent;
  },
});
