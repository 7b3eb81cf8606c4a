import { defineAction } from '../rpc/define-action.js';
import { decodeCursor, toPage } from '../rpc/pagination.js';
import { listOutcomesInput, outcomePageSchema } from './schemas.js';
import { listOutcomes } from './store.js';

export const outcomesList = defineAction({
  resource: 'outcomes',
  action: 'list',
  description:
    'Lists outcomes newest occurred_at first, with filters (from inclusive, to exclusive; achieved null = no verdict), a total count and cursor or offset paging.',
  scope: 'outcomes:read',
  id: 'forbidden',
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
    const { limit, offset, cursor, achieved, ...filters } = data;
    const { items, count } = await listOutcomes(
      ctx.db,
      ctx.access,
      { ...filters, achieved: achieved ?? undefined, noVerdict: achieved === null ? true : undefined },
      { limit, offset, cursor: cursor === undefined ? undefined : decodeCursor(cursor) },
    );
    return toPage(items, limit, count, (o) => ({ createdAt: o.occurred_at, id: o.id }));
  },
});
