import { describe, expect, it } from 'vitest';
import type { Goal } from '../../src/goals/schemas.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { expectError, expectOk, ids, letTimePass, newestFirst } from '../support/expect.js';

const h = await createHarness();

interface GoalPage {
  items: Goal[];
  count: number;
  has_more: boolean;
  next_cursor: string | null;
}

const list = (user: TestUser, data: Record<string, unknown> = {}) => user.invoke({ resource: 'goals', action: 'list', data });
const listOk = async (user: TestUser, data: Record<string, unknown> = {}) => expectOk<GoalPage>(await list(user, data));

/** A user with `n` goals on one agent, and the goals in the contract's order. */
async function userWithGoals(n: number) {
  const user = await h.makeUser();
  const agent = await h.makeAgent(user);
  const goals: Goal[] = [];
  for (let i = 0; i < n; i += 1) goals.push(await h.makeGoal(user, { agent_id: agent.id, name: `Goal ${i}` }));
  return { user, agent, goals: newestFirst(goals) };
}

describe('goals.list', () => {
  it("returns only the caller's goals, newest first, with the total count", async () => {
    const { user, goals } = await userWithGoals(5);
    const other = await h.makeUser();
    await h.makeGoal(other);

    const page = await listOk(user);
    expect(ids(page.items)).toEqual(ids(goals));
    expect(page.items).toEqual(goals);
    expect(page).toMatchObject({ count: 5, has_more: false, next_cursor: null });
  });

  it('returns an empty page for a user without goals', async () => {
    const user = await h.makeUser();
    expect(await listOk(user)).toEqual({ items: [], count: 0, has_more: false, next_cursor: null });
  });

  it('accepts data left out entirely', async () => {
    const { user } = await userWithGoals(1);
    expect(expectOk<GoalPage>(await user.invoke({ resource: 'goals', action: 'list' })).count).toBe(1);
  });

  describe('filters', () => {
    it("by agentId (or agent_id), counting only that agent's goals", async () => {
      const user = await h.makeUser();
      const [a, b] = [await h.makeAgent(user), await h.makeAgent(user)];
      const onA = [await h.makeGoal(user, { agent_id: a.id }), await h.makeGoal(user, { agent_id: a.id })];
      await h.makeGoal(user, { agent_id: b.id });

      for (const key of ['agentId', 'agent_id']) {
        const page = await listOk(user, { [key]: a.id });
        expect(ids(page.items)).toEqual(ids(newestFirst(onA)));
        expect(page.count).toBe(2);
      }
    });

    it("by another owner's agentId, finding nothing", async () => {
      const user = await h.makeUser();
      await h.makeGoal(user);
      const other = await h.makeUser();
      const foreign = await h.makeGoal(other);
      expect(await listOk(user, { agentId: foreign.agent_id })).toMatchObject({ items: [], count: 0 });
    });

    it('by status', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const paused = await h.makeGoal(user, { agent_id: agent.id, status: 'paused' });
      await h.makeGoal(user, { agent_id: agent.id, status: 'active' });
      await h.makeGoal(user, { agent_id: agent.id, status: 'draft' });
      const page = await listOk(user, { status: 'paused' });
      expect(ids(page.items)).toEqual([paused.id]);
      expect(page.count).toBe(1);
      expect((await listOk(user, { status: 'archived' })).count).toBe(0);
    });

    it('by q, a case-insensitive substring of the name', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const hits = [
        await h.makeGoal(user, { agent_id: agent.id, name: 'Book a MEETING' }),
        await h.makeGoal(user, { agent_id: agent.id, name: 'meeting follow-up' }),
      ];
      await h.makeGoal(user, { agent_id: agent.id, name: 'Qualify lead' });
      const page = await listOk(user, { q: 'Meeting' });
      expect(ids(page.items)).toEqual(ids(newestFirst(hits)));
      expect(page.count).toBe(2);
    });

    it('by q as a literal: % and _ are not wildcards', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const percent = await h.makeGoal(user, { agent_id: agent.id, name: 'Save 20% today' });
      const underscore = await h.makeGoal(user, { agent_id: agent.id, name: 'lead_score check' });
      await h.makeGoal(user, { agent_id: agent.id, name: 'Save 200 today' });
      await h.makeGoal(user, { agent_id: agent.id, name: 'leadXscore check' });

      expect(ids((await listOk(user, { q: '%' })).items)).toEqual([percent.id]);
      expect(ids((await listOk(user, { q: '20%' })).items)).toEqual([percent.id]);
      expect(ids((await listOk(user, { q: '_' })).items)).toEqual([underscore.id]);
      expect(ids((await listOk(user, { q: 'lead_score' })).items)).toEqual([underscore.id]);
      expect((await listOk(user, { q: "'; DROP TABLE goals; --" })).count).toBe(0);
    });

    it('by several filters at once, with count matching all of them', async () => {
      const user = await h.makeUser();
      const [a, b] = [await h.makeAgent(user), await h.makeAgent(user)];
      const hit = await h.makeGoal(user, { agent_id: a.id, status: 'paused', name: 'Renewal call' });
      await h.makeGoal(user, { agent_id: a.id, status: 'active', name: 'Renewal call' });
      await h.makeGoal(user, { agent_id: b.id, status: 'paused', name: 'Renewal call' });
      await h.makeGoal(user, { agent_id: a.id, status: 'paused', name: 'Upsell' });
      const page = await listOk(user, { agentId: a.id, status: 'paused', q: 'renewal' });
      expect(ids(page.items)).toEqual([hit.id]);
      expect(page.count).toBe(1);
    });
  });

  describe('paging', () => {
    it('limits the page, reports has_more and keeps count as the filtered total', async () => {
      const { user, goals } = await userWithGoals(5);
      const page = await listOk(user, { limit: 2 });
      expect(ids(page.items)).toEqual(ids(goals.slice(0, 2)));
      expect(page.count).toBe(5);
      expect(page.has_more).toBe(true);
      expect(page.next_cursor).toEqual(expect.any(String));
    });

    it('skips by offset, and reports no next page past the end', async () => {
      const { user, goals } = await userWithGoals(5);
      const middle = await listOk(user, { limit: 2, offset: 2 });
      expect(ids(middle.items)).toEqual(ids(goals.slice(2, 4)));
      expect(middle).toMatchObject({ count: 5, has_more: true });
      const last = await listOk(user, { limit: 2, offset: 4 });
      expect(ids(last.items)).toEqual(ids(goals.slice(4)));
      expect(last).toMatchObject({ count: 5, has_more: false, next_cursor: null });
      expect(await listOk(user, { offset: 50 })).toEqual({ items: [], count: 5, has_more: false, next_cursor: null });
    });

    it('walks every goal exactly once by cursor, in order, ending with next_cursor null', async () => {
      const { user, goals } = await userWithGoals(7);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: GoalPage = await listOk(user, { limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.count).toBe(7);
        seen.push(...ids(page.items));
        expect(page.has_more).toBe(page.next_cursor !== null);
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(ids(goals));
    });

    it('keeps the filters across a cursor walk', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const drafts: Goal[] = [];
      for (let i = 0; i < 4; i += 1) {
        drafts.push(await h.makeGoal(user, { agent_id: agent.id, status: 'draft' }));
        await h.makeGoal(user, { agent_id: agent.id, status: 'active' });
      }
      const first = await listOk(user, { status: 'draft', limit: 3 });
      expect(first.next_cursor).not.toBeNull();
      const second = await listOk(user, { status: 'draft', limit: 3, cursor: first.next_cursor });
      expect([...ids(first.items), ...ids(second.items)]).toEqual(ids(newestFirst(drafts)));
      expect(second).toMatchObject({ count: 4, has_more: false, next_cursor: null });
    });

    it('does not skip or repeat goals when one is created during a cursor walk', async () => {
      const { user, agent, goals } = await userWithGoals(4);
      const first = await listOk(user, { limit: 2 });
      await letTimePass();
      await h.makeGoal(user, { agent_id: agent.id, name: 'Newer' });
      const second = await listOk(user, { limit: 2, cursor: first.next_cursor });
      expect([...ids(first.items), ...ids(second.items)]).toEqual(ids(goals));
    });

    it('defaults the limit to 50 and accepts 1 and 100', async () => {
      const { user } = await userWithGoals(51);
      const page = await listOk(user);
      expect(page.items).toHaveLength(50);
      expect(page).toMatchObject({ count: 51, has_more: true });
      expect((await listOk(user, { limit: 1 })).items).toHaveLength(1);
      expect((await listOk(user, { limit: 100 })).items).toHaveLength(51);
    });
  });

  describe('returns 400 VALIDATION_ERROR', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['limit 0', { limit: 0 }, 'data.limit'],
      ['limit 101', { limit: 101 }, 'data.limit'],
      ['a fractional limit', { limit: 2.5 }, 'data.limit'],
      ['a limit given as a string', { limit: '10' }, 'data.limit'],
      ['a negative offset', { offset: -1 }, 'data.offset'],
      ['an unknown status', { status: 'done' }, 'data.status'],
      ['a malformed agentId', { agentId: 'agent-1' }, 'data.agentId'],
      ['an empty q', { q: '' }, 'data.q'],
      ['a cursor this API did not issue', { cursor: 'bm90LWEtY3Vyc29y' }, 'data.cursor'],
      ['ownerId outside admin mode', { ownerId: crypto.randomUUID() }, 'data.ownerId'],
    ];
    it.each(cases)('for %s', async (_name, data, path) => {
      const { user } = await userWithGoals(1);
      const error = expectError(await list(user, data), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual([path]);
    });

    it('with a bad cursor reported together with the other problems of data', async () => {
      const { user } = await userWithGoals(1);
      const error = expectError(await list(user, { cursor: 'bm90LWEtY3Vyc29y', limit: 0, status: 'done' }), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path).sort()).toEqual(['data.cursor', 'data.limit', 'data.status']);
      expect(error.details).toContainEqual({ path: 'data.cursor', message: 'Not a cursor this API issued.' });
    });

    it('for offset and cursor together', async () => {
      const { user } = await userWithGoals(3);
      const { next_cursor } = await listOk(user, { limit: 1 });
      const error = expectError(await list(user, { offset: 1, cursor: next_cursor }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.cursor', message: 'Give offset or cursor, not both.' }]);
    });

    it('when agentId and agent_id disagree', async () => {
      const { user } = await userWithGoals(1);
      const error = expectError(await list(user, { agentId: crypto.randomUUID(), agent_id: crypto.randomUUID() }), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual(['data.agent_id']);
    });
  });

  it('accepts agentId and agent_id together when they agree', async () => {
    const { user, agent } = await userWithGoals(2);
    expect((await listOk(user, { agentId: agent.id, agent_id: agent.id })).count).toBe(2);
  });
});
