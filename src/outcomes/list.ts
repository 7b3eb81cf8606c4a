import { defineAction } from '../rpc/define-action.js';
import { splitPage, toPageBy } from '../rpc/pagination.js';
import { listOutcomesInput, outcomePageSchema } from './schemas.js';
import { listOutcomes } from './store.js';

export const outcomesList = defineAction({
  resource: 'outcomes',
  action: 'list',
  description:
    'Lists outcomes newest occurred_at first, with filters (from inclusive, to exclusive; achieved null = no verdict), a total count and cursor or offset paging.',
  scope: 'outcomes:read',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: listOutcomesInput,
  result: outcomePageSchema,
  aliases: {
    goal_id: 'goalId',
    agent_id: 'agentId',
    contact_id: 'contactId',
    channel_id: 'channelId',
    conversation_id: 'conversationId',
    owner_id: 'ownerId',
  },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { page, filters } = splitPage(data);
    return toPageBy(await listOutcomes(ctx.db, ctx.access, filters, page), page.limit, (o) => ({ createdAt: o.occurred_at, id: o.id }));
  },
});
