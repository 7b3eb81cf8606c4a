import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';
import { recorded } from './support.js';

const h = await createHarness();

const list = (user: TestUser, data: Record<string, unknown> = {}, admin = false) =>
  user.invoke({ resource: 'outcomes', action: 'list', data, ...(admin ? { admin: true } : {}) });

describe('outcomes.list', () => {
  let user: TestUser;
  let other: TestUser;
  let goalA: string;
  let goalB: string;
  let agentB: string;
  const all: { id: string; occurred_at: string }[] = [];

  beforeAll(async () => {
    user = await h.makeUser();
    other = await h.makeUser();
    goalA = (await h.makeGoal(user)).id;
    const b = await h.makeGoal(user);
    goalB = b.id;
    agentB = b.agent_id;
    const at = (minute: number) => `2025-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    all.push(await recorded(user, { goal_id: goalA, conversation_id: 'c1', achieved: true, contact_id: 'lead_1', channel_id: 'web', occurred_at: at(1) }));
    all.push(await recorded(user, { goal_id: goalA, conversation_id: 'c2', achieved: false, contact_id: 'lead_2', occurred_at: at(2) }));
    all.push(await recorded(user, { goal_id: goalA, conversation_id: 'c3', achieved: null, contact_id: 'lead_1', occurred_at: at(3) }));
    all.push(await recorded(user, { goal_id: goalB, conversation_id: 'c1', achieved: true, channel_id: 'web', occurred_at: at(4) }));
    all.push(await recorded(user, { goal_id: goalB, conversation_id: 'c4', achieved: true, occurred_at: at(5) }));
    const foreignGoal = await h.makeGoal(other);
    await recorded(other, { goal_id: foreignGoal.id, conversation_id: 'c1', achieved: true, contact_id: 'lead_1', occurred_at: at(6) });
  });

  const idsOf = (page: { items: { id: string }[] }) => page.items.map((o) => o.id);
  const newest = (items: typeof all) => [...items].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1)).map((o) => o.id);

  it("lists the caller's outcomes newest occurred_at first with the total count", async () => {
    const page = expectOk(await list(user));
    expect(idsOf(page)).toEqual(newest(all));
    expect(page).toMatchObject({ count: 5, has_more: false, next_cursor: null });
  });

  it.each([
    ['goalId', () => ({ goalId: goalA }), [0, 1, 2]],
    ['goal_id alias', () => ({ goal_id: goalB }), [3, 4]],
    ['agentId', () => ({ agentId: agentB }), [3, 4]],
    ['contactId', () => ({ contactId: 'lead_1' }), [0, 2]],
    ['channelId', () => ({ channelId: 'web' }), [0, 3]],
    ['conversationId', () => ({ conversationId: 'c1' }), [0, 3]],
    ['achieved true', () => ({ achieved: true }), [0, 3, 4]],
    ['achieved false', () => ({ achieved: false }), [1]],
    ['achieved null (no verdict)', () => ({ achieved: null }), [2]],
    ['from inclusive', () => ({ from: '2025-12-01T10:04:00Z' }), [3, 4]],
    ['to exclusive', () => ({ to: '2025-12-01T10:02:00Z' }), [0]],
    ['from and to with offsets', () => ({ from: '2025-12-01T11:02:00+01:00', to: '2025-12-01T10:04:00Z' }), [1, 2]],
    ['several at once', () => ({ goalId: goalA, contactId: 'lead_1', achieved: true }), [0]],
  ] as const)('filters by %s', async (_name, filters, expected) => {
    const page = expectOk(await list(user, filters()));
    expect(idsOf(page)).toEqual(newest(expected.map((i) => all[i] ?? { id: '', occurred_at: '' })));
    expect(page.count).toBe(expected.length);
  });

  it('pages by cursor and by offset through the same order', async () => {
    const first = expectOk(await list(user, { limit: 2 }));
    expect(first.has_more).toBe(true);
    const second = expectOk(await list(user, { limit: 2, cursor: first.next_cursor }));
    const third = expectOk(await list(user, { limit: 2, cursor: second.next_cursor }));
    expect([...idsOf(first), ...idsOf(second), ...idsOf(third)]).toEqual(newest(all));
    expect(third).toMatchObject({ has_more: false, next_cursor: null });
    expect(idsOf(expectOk(await list(user, { limit: 2, offset: 2 })))).toEqual(idsOf(second));
  });

  it('returns 400 VALIDATION_ERROR for offset with cursor, a bad instant, and ownerId outside admin mode', async () => {
    const first = expectOk(await list(user, { limit: 1 }));
    expectError(await list(user, { offset: 1, cursor: first.next_cursor }), 400, 'VALIDATION_ERROR');
    const bad = expectError(await list(user, { from: 'yesterday' }), 400, 'VALIDATION_ERROR');
    expect(bad.details?.map((d) => d.path)).toEqual(['data.from']);
    expectError(await list(user, { ownerId: user.id }), 400, 'VALIDATION_ERROR');
  });

  it("never shows another owner's outcomes; admin mode shows all with their owner and filters by ownerId", async () => {
    const foreign = expectOk(await list(user, { contactId: 'lead_1' }));
    expect(foreign.count).toBe(2);
    const admin = await h.makeUser({ admin: true });
    const everyone = expectOk(await list(admin, { contactId: 'lead_1' }, true));
    expect(everyone.count).toBeGreaterThanOrEqual(3);
    const mine = expectOk(await list(admin, { ownerId: user.id }, true));
    expect(mine.count).toBe(5);
    expect(mine.items[0].owner).toEqual({ id: user.id, email: user.email, name: expect.any(String) });
  });
});
