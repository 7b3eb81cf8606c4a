import { defineAction } from '../rpc/define-action.js';
import { splitPage, toPage } from '../rpc/pagination.js';
import { goalPageSchema, listGoalsInput } from './schemas.js';
import { listGoals } from './store.js';

export const goalsList = defineAction({
  resource: 'goals',
  action: 'list',
  description: 'Lists goals newest first, with filters, a total count and cursor or offset paging.',
  scope: 'goals:read',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: listGoalsInput,
  result: goalPageSchema,
  aliases: { agent_id: 'agentId', owner_id: 'ownerId' },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { page, filters } = splitPage(data);
    return toPage(await listGoals(ctx.db, ctx.access, filters, page), page.limit);
  },
});
