import { defineAction } from '../rpc/define-action.js';
import { splitPage, toPage } from '../rpc/pagination.js';
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
  destructive: false,
  naturallyIdempotent: true,
  input: listGoalsInput,
  result: goalPageSchema,
  aliases: { agent_id: 'agentId', owner_id: 'ownerId', channel_id: 'channelId' },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { page, filters: input } = splitPage(data);
    const { include, ...filters } = input;
    const list = toPage(await listGoals(ctx.db, ctx.access, filters, page), page.limit);
    if (!include?.includes('progress')) return list;
    const asOfMs = ctx.clock.now().getTime();
    const progress = await progressOf(
      ctx.db,
      list.items.map((goal) => ({ goal, asOfMs, history: 0 })),
    );
    return { ...list, items: list.items.map((goal, i) => ({ ...goal, progress: progress[i] })) };
  },
});
