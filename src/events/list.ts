import { defineAction } from '../rpc/define-action.js';
import { eventFeedSchema, listEventsInput } from './schemas.js';
import { listEvents } from './store.js';

export const eventsList = defineAction({
  resource: 'events',
  action: 'list',
  description:
    'The feed of changes, oldest first: pass `next_after` back as `after` to keep following. GET /events streams the same feed as Server-Sent Events.',
  scope: 'events:read',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: listEventsInput,
  result: eventFeedSchema,
  aliases: { goal_id: 'goalId', agent_id: 'agentId', owner_id: 'ownerId' },
  adminOnly: ['ownerId'],
  async run({ data }, ctx) {
    const { after, types, goalId, agentId, ownerId, limit } = data;
    const page = await listEvents(ctx.db, ctx.access, { types, goalId, agentId, ownerId }, after === undefined ? undefined : Number(after), limit);
    const last = page.items.at(-1);
    return { ...page, next_after: last?.id ?? after ?? null };
  },
});
