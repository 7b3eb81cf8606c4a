import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { agentSchema, createAgentInput } from './schemas.js';
import { insertAgent } from './store.js';

export const agentsCreate = defineAction({
  resource: 'agents',
  action: 'create',
  description: 'Creates an agent owned by the caller.',
  scope: 'agents:write',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: false,
  input: createAgentInput,
  result: agentSchema,
  successStatus: 201,
  idempotent: true,
  async run({ data }, ctx) {
    return insertAgent(ctx.db, ctx.access, { id: ctx.ids.uuid(), ...data }, isoNow(ctx.clock));
  },
});
