import { defineAction } from '../rpc/define-action.js';
import { decodeCursor, toPage } from '../rpc/pagination.js';
import { progressOf } from './progress-report.js';
import { goalPageSchema, listGoalsInput } from './schemas.js';
import { listGoals } from './store.js';

export const goalsList = defineAction({
  resource: 'goals',
  action: 'list',
  description:
    'Lists goals newest first, with filters, a total count and cursor or offset paging; include: ["progress"] adds each goal\'s progress (two more statements for the whole page).',
  scope: 'goals:read',
  id: 'forbidden',
  input: listGoalsInput,
  result: goalPageSchema,
  aliases: { agent_id: 'agentId', owner_id: 'ownerId', channel_id: 'channelId' },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { agentId, status, q, channelId, tag, include, limit, offset, cursor, ownerId } = data;
    const { items, count } = await listGoals(
      ctx.db,
      ctx.access,
      { agentId, status, q, ownerId, channelId, tag },
      { limit, offset, cursor: cursor === undefined ? undefined : decodeCursor(cursor) },
    );
    const page = toPage(items, limit, count);
    if (!include?.includes('progress')) return page;
    const asOfMs = ctx.clock.now().getTime();
    const progress = await progressOf(
      ctx.db,
      page.items.map((goal) => ({ goal, asOfMs, history: 0 })),
    );
    return { ...page, items: page.items.map((goal, i) => ({ ...goal, progress: progress[i] })) };
  },
});
