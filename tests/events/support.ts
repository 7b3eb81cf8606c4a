import type { ApiEvent } from '../../src/events/schemas.js';
import { expectOk } from '../support/expect.js';
import type { TestUser } from '../support/harness.js';

/** One event as events.list and the stream carry it: the server's own type. */
export type FeedEvent = ApiEvent;

export interface Feed {
  items: FeedEvent[];
  has_more: boolean;
  next_after: string | null;
}

/** One page of events.list for the user (admin mode when asked). */
export async function feed(user: TestUser, data: Record<string, unknown> = {}, admin = false): Promise<Feed> {
  return expectOk<Feed>(await user.invoke({ resource: 'events', action: 'list', data: { limit: 100, ...data }, ...(admin ? { admin: true } : {}) }));
}

/** The user's events after `after` (all of them when left out), oldest first. */
export async function eventsAfter(user: TestUser, after?: string | null): Promise<FeedEvent[]> {
  return (await feed(user, after ? { after } : {})).items;
}

/** The id of the user's newest event, or null: `eventsAfter(user, mark)` then shows what follows. */
export async function mark(user: TestUser): Promise<string | null> {
  return (await feed(user)).items.at(-1)?.id ?? null;
}
