import { describe, expect, it } from 'vitest';
import { expectError } from '../support/expect.js';
import { createHarness } from '../support/harness.js';
import { feed } from './support.js';

const h = await createHarness({ env: { EVENTS_RETENTION_DAYS: '2' } });

describe('events.list', () => {
  it('pages oldest first: has_more, next_after as the next after, and the sent after on an empty page', async () => {
    const user = await h.makeUser();
    expect(await feed(user)).toEqual({ items: [], has_more: false, next_after: null });
    const agents = [await h.makeAgent(user), await h.makeAgent(user), await h.makeAgent(user)];

    const first = await feed(user, { limit: 2 });
    expect(first.items.map((e) => e.agent_id)).toEqual([agents[0]?.id, agents[1]?.id]);
    expect(first).toMatchObject({ has_more: true, next_after: first.items[1]?.id });
    const second = await feed(user, { limit: 2, after: first.next_after });
    expect(second.items.map((e) => e.agent_id)).toEqual([agents[2]?.id]);
    expect(second).toMatchObject({ has_more: false, next_after: second.items[0]?.id });
    expect(await feed(user, { after: second.next_after })).toEqual({ items: [], has_more: false, next_after: second.next_after });
  });

  it('filters by types, goalId and agentId (also spelled goal_id, agent_id)', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    const other = await h.makeGoal(user);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });

    const types = (items: { type: string }[]) => items.map((e) => e.type);
    expect(types((await feed(user, { types: ['goal.created'] })).items)).toEqual(['goal.created', 'goal.created']);
    expect(types((await feed(user, { goalId: goal.id })).items)).toEqual(['goal.created', 'goal.attached']);
    expect(types((await feed(user, { agent_id: agent.id })).items)).toEqual(['agent.created', 'goal.created', 'goal.attached']);
    expect((await feed(user, { goal_id: other.id, types: ['goal.attached'] })).items).toEqual([]);
  });

  it("never shows another owner's events; admin mode shows everyone's with the owner, and ownerId narrows it", async () => {
    const alice = await h.makeUser({ name: 'Alice' });
    const bob = await h.makeUser();
    const admin = await h.makeUser({ admin: true });
    const agent = await h.makeAgent(alice);
    await h.makeAgent(bob);

    expect((await feed(bob, { agentId: agent.id })).items).toEqual([]);
    expect((await feed(bob)).items.every((e) => e.agent_id !== agent.id)).toBe(true);

    const all = (await feed(admin, { agentId: agent.id }, true)).items;
    expect(all).toEqual([expect.objectContaining({ type: 'agent.created', owner: { id: alice.id, email: alice.email, name: 'Alice' } })]);
    const bobs = (await feed(admin, { ownerId: bob.id }, true)).items;
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((e) => e.owner?.id === bob.id)).toBe(true);
    expect((await feed(alice)).items.every((e) => e.owner === undefined)).toBe(true);
  });

  it('returns 400 VALIDATION_ERROR for ownerId outside admin mode, an unknown type, a bad after or limit', async () => {
    const user = await h.makeUser();
    const list = (data: unknown) => user.invoke({ resource: 'events', action: 'list', data });
    expect(expectError(await list({ ownerId: user.id }), 400, 'VALIDATION_ERROR').details?.[0]?.path).toBe('data.ownerId');
    expectError(await list({ types: ['goal.exploded'] }), 400, 'VALIDATION_ERROR');
    for (const after of ['-1', '1.5', 'abc', '99999999999999999999', 7]) expectError(await list({ after }), 400, 'VALIDATION_ERROR');
    for (const limit of [0, 101]) expectError(await list({ limit }), 400, 'VALIDATION_ERROR');
  });
});

describe('retention', () => {
  it('sweeps events older than EVENTS_RETENTION_DAYS as new ones are written', async () => {
    const user = await h.makeUser();
    const old = await h.makeAgent(user);
    expect((await feed(user)).items.map((e) => e.agent_id)).toEqual([old.id]);
    h.clock.advance(3 * 86_400_000);
    const fresh = await h.makeAgent(user);
    expect((await feed(user)).items.map((e) => e.agent_id)).toEqual([fresh.id]);
  });
});
