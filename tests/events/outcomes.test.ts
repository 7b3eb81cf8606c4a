import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from '../support/expect.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { eventsAfter, mark } from './support.js';

const h = await createHarness();
let user: TestUser;

beforeAll(async () => {
  user = await h.makeUser();
});

const record = (goalId: string, conversation: string, achieved: boolean | null = true) =>
  user.invoke({ resource: 'outcomes', action: 'record', data: { goal_id: goalId, conversation_id: conversation, achieved } });

describe('outcome events', () => {
  it('outcomes.record writes outcome.recorded (achieved, replaced), and a replace emits again with replaced true', async () => {
    const goal = await h.makeGoal(user);
    const before = await mark(user);
    const first = expectOk(await record(goal.id, 'call-1', true), 201);
    const second = expectOk(await record(goal.id, 'call-1', null), 200);
    expect(second.id).toBe(first.id);
    const events = await eventsAfter(user, before);
    expect(events).toEqual([
      expect.objectContaining({ type: 'outcome.recorded', goal_id: goal.id, agent_id: goal.agent_id, outcome_id: first.id, data: { achieved: true, replaced: false } }),
      expect.objectContaining({ type: 'outcome.recorded', outcome_id: first.id, data: { achieved: null, replaced: true } }),
    ]);
  });

  it('outcomes.delete writes outcome.deleted; goals.delete counts the outcomes it takes along', async () => {
    const goal = await h.makeGoal(user);
    const kept = expectOk(await record(goal.id, 'a'), 201);
    const dropped = expectOk(await record(goal.id, 'b'), 201);
    const before = await mark(user);
    expectOk(await user.invoke({ resource: 'outcomes', action: 'delete', id: dropped.id }));
    expectOk(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }));
    const events = await eventsAfter(user, before);
    expect(events.map((e) => [e.type, e.outcome_id, e.data])).toEqual([
      ['outcome.deleted', dropped.id, {}],
      ['goal.deleted', null, { outcomes_deleted: 1, detached_agent_ids: [] }],
    ]);
    expect(kept.goal_id).toBe(goal.id);
  });

  it('writes target.achieved once per window, right after the outcome that brings a count target to target_count', async () => {
    const goal = await h.makeGoal(user, { targets: [{ period: 'day', target_type: 'count', target_count: 2 }] });
    const target = goal.targets[0];
    const before = await mark(user);
    expectOk(await record(goal.id, 'no', false), 201);
    expectOk(await record(goal.id, 'yes-1'), 201);
    const second = expectOk(await record(goal.id, 'yes-2'), 201);
    expectOk(await record(goal.id, 'yes-3'), 201);
    expectOk(await record(goal.id, 'yes-2'), 200); // a replace: the window is already achieved
    const events = await eventsAfter(user, before);
    expect(events.map((e) => e.type)).toEqual([
      'outcome.recorded',
      'outcome.recorded',
      'outcome.recorded',
      'target.achieved',
      'outcome.recorded',
      'outcome.recorded',
    ]);
    const achieved = events[3];
    const day = goal.created_at.slice(0, 10);
    expect(achieved).toMatchObject({
      goal_id: goal.id,
      outcome_id: second.id,
      data: { target_id: target?.id, window: { start: `${day}T00:00:00.000Z`, end: expect.any(String) }, achieved: 2, target_count: 2 },
    });
  });

  it('writes target.achieved again in the next window', async () => {
    const goal = await h.makeGoal(user, { targets: [{ period: 'day', target_type: 'count', target_count: 1 }] });
    const before = await mark(user);
    expectOk(await record(goal.id, 'today'), 201);
    h.clock.advance(86_400_000);
    expectOk(await record(goal.id, 'tomorrow'), 201);
    const achieved = (await eventsAfter(user, before)).filter((e) => e.type === 'target.achieved');
    expect(achieved).toHaveLength(2);
    expect(achieved[0]?.data.window).not.toEqual(achieved[1]?.data.window);
  });
  it('writes target.achieved once in a window longer than the retention, after the sweep took the first one', async () => {
    const goal = await h.makeGoal(user, { targets: [{ period: 'year', target_type: 'count', target_count: 1 }] });
    const before = await mark(user);
    const first = expectOk(await record(goal.id, 'early'), 201);
    const [achieved] = (await eventsAfter(user, before)).filter((e) => e.type === 'target.achieved');
    expect(achieved).toBeDefined();
    // 31 days on, the next write sweeps the events older than the 30 days of retention.
    h.clock.advance(31 * 86_400_000);
    expectOk(await record((await h.makeGoal(user)).id, 'sweeps'), 201);
    expect((await eventsAfter(user, before)).map((e) => e.id)).not.toContain(achieved?.id);
    // Another achieved outcome in the same year's window: still achieved once.
    const again = await user.invoke({
      resource: 'outcomes',
      action: 'record',
      data: { goal_id: goal.id, conversation_id: 'later', achieved: true, occurred_at: first.occurred_at },
    });
    expectOk(again, 201);
    expect((await eventsAfter(user, before)).filter((e) => e.type === 'target.achieved' && e.goal_id === goal.id)).toEqual([]);
  });

  it('counts target.achieved to the millisecond across half-hour window edges (Asia/Kolkata), from the counters', async () => {
    const latest = Date.parse('2026-06-11T00:00:00.000Z');
    if (h.clock.peek() < latest) h.clock.advance(latest - h.clock.peek());
    const goal = await h.makeGoal(user, { timezone: 'Asia/Kolkata', targets: [{ period: 'day', target_type: 'count', target_count: 3 }] });
    const before = await mark(user);
    const at = (conversation: string, occurred_at: string) =>
      user.invoke({ resource: 'outcomes', action: 'record', data: { goal_id: goal.id, conversation_id: conversation, achieved: true, occurred_at } });
    expectOk(await at('day-before', '2026-06-09T18:29:59.999Z'), 201); // 23:59:59.999 +05:30, the window before
    expectOk(await at('first', '2026-06-09T18:30:00.000Z'), 201);
    expectOk(await at('same-minute', '2026-06-09T18:30:30.000Z'), 201);
    const third = expectOk(await at('last', '2026-06-10T18:29:59.999Z'), 201);
    expectOk(await at('next-day', '2026-06-10T18:30:00.000Z'), 201);
    const achieved = (await eventsAfter(user, before)).filter((e) => e.type === 'target.achieved');
    expect(achieved).toEqual([
      expect.objectContaining({
        outcome_id: third.id,
        data: expect.objectContaining({ window: { start: '2026-06-10T00:00:00.000+05:30', end: '2026-06-11T00:00:00.000+05:30' }, achieved: 3 }),
      }),
    ]);
  });
});
