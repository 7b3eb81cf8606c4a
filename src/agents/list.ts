import { defineAction } from '../rpc/define-action.js';
import { decodeCursor, toPage } from '../rpc/pagination.js';
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
    const { q, limit, offset, cursor, ownerId } = data;
    const { items, count } = await listAgents(
      ctx.db,
      ctx.access,
      { q, ownerId },
      { limit, offset, cursor: cursor === undefined ? undefined : decodeCursor(cursor) },
    );
    return toPage(items, limit, count);
  },
});
