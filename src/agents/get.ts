import { emptyInput } from '../rpc/common-schemas.js';
import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { agentSchema } from './schemas.js';
import { findAgent } from './store.js';

export const agentsGet = defineAction({
  resource: 'agents',
  action: 'get',
  description: 'Returns one agent with its attached goal id.',
  scope: 'agents:read',
  id: 'required',
  destructive: false,
  naturallyIdempotent: true,
  input: emptyInput,
  result: agentSchema,
  async run({ id }, ctx) {
    const agent = await findAgent(ctx.db, ctx.access, id);
    if (!agent) throw notFound('Agent', id);
    return agent;
  },
});
