import { describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestUser } from '../support/harness.js';

const EXISTING = 120;
const PAGE = 7;

interface Row {
  id: string;
  created_at: string;
}
interface Page {
  items: Row[];
  next_cursor: string | null;
}

type Resource = 'goals' | 'agents';

async function makeRow(h: Harness, user: TestUser, resource: Resource, agentId: string, name: string): Promise<Row> {
  return resource === 'goals'
    ? h.ok<Row>(user, { resource: 'goals', action: 'create', data: { agent_id: agentId, name } })
    : h.ok<Row>(user, { resource: 'agents', action: 'create', data: { name } });
}

/**
 * Walks the whole list by cursor while, alongside every page, new rows are inserted and old ones
 * renamed. The rows that existed before the walk must each come exactly once, in order.
 */
async function walkWhileWriting(h: Harness, resource: Resource) {
  const user = await h.makeUser();
  const agent = await h.makeAgent(user);
  const existing: Row[] = [];
  for (let i = 0; i < EXISTING; i += 1) existing.push(await makeRow(h, user, resource, agent.id, `Old ${i}`));
  if (resource === 'agents') existing.push(agent);

  const seen: Row[] = [];
  let cursor: string | null = null;
  let inserted = 0;
  do {
    const pageData: Record<string, unknown> = { limit: PAGE, ...(cursor === null ? {} : { cursor }) };
    const victim = existing[(seen.length * 7) % existing.length];
    const [page] = await Promise.all([
      h.ok<Page>(user, { resource, action: 'list', data: pageData }),
      makeRow(h, user, resource, agent.id, `New ${inserted++}`),
      makeRow(h, user, resource, agent.id, `New ${inserted++}`),
      victim && h.ok(user, { resource, action: 'update', id: victim.id, data: { name: `Renamed ${seen.length}` } }),
    ]);
    seen.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);

  const ids = seen.map((r) => r.id);
  expect(new Set(ids).size, 'a row came twice').toBe(ids.length);
  expect(existing.filter((r) => !ids.includes(r.id)), 'a row that existed before the walk was skipped').toEqual([]);
  for (let i = 1; i < seen.length; i += 1) {
    const [prev, cur] = [seen[i - 1], seen[i]];
    const ordered = prev !== undefined && cur !== undefined && (prev.created_at > cur.created_at || (prev.created_at === cur.created_at && prev.id > cur.id));
    expect(ordered, `newest first at position ${i}`).toBe(true);
  }
  return inserted;
}

describe.each(['goals', 'agents'] as const)('walking %s by cursor while rows are inserted', (resource) => {
  it('gives no duplicates and no gaps among the rows that existed before', async () => {
    const h = await createHarness();
    expect(await walkWhileWriting(h, resource)).toBeGreaterThan(30);
  });

  it('gives no duplicates and no gaps when every row shares one timestamp (ties broken by id)', async () => {
    const frozen = new Date('2026-05-05T05:05:05.005Z');
    const h = await createHarness({ deps: { clock: { now: () => new Date(frozen) } } });
    await walkWhileWriting(h, resource);
  });
});
