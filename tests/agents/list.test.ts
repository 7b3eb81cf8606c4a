import { describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/schemas.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { expectError, expectOk, ids, newestFirst } from '../support/expect.js';

const h = await createHarness();

interface AgentPage {
  items: Agent[];
  count: number;
  has_more: boolean;
  next_cursor: string | null;
}

const list = (user: TestUser, data: Record<string, unknown> = {}) => user.invoke({ resource: 'agents', action: 'list', data });
const listOk = async (user: TestUser, data: Record<string, unknown> = {}) => expectOk<AgentPage>(await list(user, data));

async function userWithAgents(names: string[]) {
  const user = await h.makeUser();
  const agents: Agent[] = [];
  for (const name of names) agents.push(await h.makeAgent(user, { name }));
  return { user, agents: newestFirst(agents) };
}

describe('agents.list', () => {
  it("returns only the caller's agents, newest first, with the total count", async () => {
    const { user, agents } = await userWithAgents(['A', 'B', 'C', 'D']);
    await h.makeAgent(await h.makeUser());
    const page = await listOk(user);
    expect(page.items).toEqual(agents);
    expect(page).toMatchObject({ count: 4, has_more: false, next_cursor: null });
  });

  it('shows each agent’s attached goal in goal_id', async () => {
    const { user, agents } = await userWithAgents(['With goal', 'Without']);
    const withGoal = agents.find((a) => a.name === 'With goal');
    if (!withGoal) throw new Error('setup');
    const goal = await h.makeGoal(user, { agent_id: withGoal.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: withGoal.id } });
    const page = await listOk(user);
    expect(Object.fromEntries(page.items.map((a) => [a.name, a.goal_id]))).toEqual({ 'With goal': goal.id, Without: null });
  });

  it('filters by q: literal, case-insensitive, counting only the matches', async () => {
    const { user, agents } = await userWithAgents(['Inbound SALES', 'outbound sales', 'Support', '100% sales', 'x_y']);
    const sales = agents.filter((a) => a.name.toLowerCase().includes('sales'));
    const page = await listOk(user, { q: 'Sales' });
    expect(ids(page.items)).toEqual(ids(sales));
    expect(page.count).toBe(3);
    expect(ids((await listOk(user, { q: '%' })).items)).toEqual(ids(agents.filter((a) => a.name.includes('%'))));
    expect((await listOk(user, { q: '_' })).count).toBe(1);
  });

  it('walks every agent exactly once by cursor', async () => {
    const { user, agents } = await userWithAgents(['1', '2', '3', '4', '5']);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const page: AgentPage = await listOk(user, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.count).toBe(5);
      seen.push(...ids(page.items));
      cursor = page.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(ids(agents));
  });

  it('pages by offset with has_more', async () => {
    const { user, agents } = await userWithAgents(['1', '2', '3']);
    const page = await listOk(user, { limit: 2, offset: 1 });
    expect(ids(page.items)).toEqual(ids(agents.slice(1, 3)));
    expect(page).toMatchObject({ count: 3, has_more: false, next_cursor: null });
    expect((await listOk(user, { limit: 1, offset: 1 })).has_more).toBe(true);
  });

  describe('returns 400 VALIDATION_ERROR', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['for limit 0', { limit: 0 }, 'data.limit'],
      ['for limit 101', { limit: 101 }, 'data.limit'],
      ['for an offset over 10,000', { offset: 10_001 }, 'data.offset'],
      ['for offset and cursor together', { offset: 0, cursor: 'abc' }, 'data.cursor'],
      ['for a cursor this API did not issue', { cursor: 'not-a-cursor' }, 'data.cursor'],
      ['for ownerId outside admin mode', { ownerId: crypto.randomUUID() }, 'data.ownerId'],
      ['for owner_id outside admin mode, named as sent', { owner_id: crypto.randomUUID() }, 'data.owner_id'],
      ['for a goals-only filter such as status', { status: 'active' }, 'data.status'],
    ];
    it.each(cases)('%s', async (_name, data, path) => {
      const user = await h.makeUser();
      const error = expectError(await list(user, data), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual([path]);
    });
  });
});
