import { defineAction } from '../rpc/define-action.js';
import { splitPage, toPage } from '../rpc/pagination.js';
import { agentPageSchema, listAgentsInput } from './schemas.js';
import { listAgents } from './store.js';

export const agentsList = defineAction({
  resource: 'agents',
  action: 'list',
  description: 'Lists agents newest first, with a total count and cursor or offset paging.',
  scope: 'agents:read',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: listAgentsInput,
  result: agentPageSchema,
  aliases: { owner_id: 'ownerId' },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { page, filters } = splitPage(data);
    return toPage(await listAgents(ctx.db, ctx.access, filters, page), page.limit);
  },
});
