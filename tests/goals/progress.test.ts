import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();
// Outcomes may be at most 5 minutes ahead of the clock: move it past every instant used here.
beforeAll(() => h.clock.advance(Date.parse('2027-06-01T00:00:00.000Z') - h.clock.peek()));

const progress = (user: TestUser, id: string, data: Record<string, unknown> = {}) => user.invoke({ resource: 'goals', action: 'progress', id, data });

async function goalWith(user: TestUser, timezone: string, targets: Record<string, unknown>[]) {
  return h.makeGoal(user, { timezone, targets });
}

async function outcomes(user: TestUser, goalId: string, list: [string, boolean | null][]) {
  for (const [occurred_at, achieved] of list) {
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { goal_id: goalId, conversation_id: crypto.randomUUID(), achieved, occurred_at } });
  }
}

const count = (period: string, target_count: number, extra: Record<string, unknown> = {}) => ({ period, target_type: 'count', target_count, ...extra });
const rate = (period: string, target_rate: number, extra: Record<string, unknown> = {}) => ({ period, target_type: 'rate', target_rate, ...extra });

describe('goals.progress windows', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await h.makeUser();
  });

  it('counts a Paris week across the spring DST change by its real 167 hours, edges included and excluded to the millisecond', async () => {
    const goal = await goalWith(user, 'Europe/Paris', [count('week', 10)]);
    await outcomes(user, goal.id, [
      ['2026-03-22T22:59:59.999Z', true], // Sunday 23:59:59.999 +01:00: the week before
      ['2026-03-22T23:00:00.000Z', true], // Monday 00:00 +01:00: the first instant
      ['2026-03-29T21:59:59.999Z', false], // Sunday 23:59:59.999 +02:00: the last instant
      ['2026-03-29T22:00:00.000Z', true], // Monday 00:00 +02:00: the next week
    ]);
    const at = '2026-03-29T22:00:00.000Z';
    const body = expectOk(await progress(user, goal.id, { at, history: 1 }));
    const [target] = body.targets;
    expect(target.window).toEqual({ start: '2026-03-30T00:00:00.000+02:00', end: '2026-04-06T00:00:00.000+02:00' });
    expect(target).toMatchObject({ conversations: 0, achieved: 0, expected: 0, status: 'on_track' });
    expect(target.history).toEqual([
      {
        window: { start: '2026-03-23T00:00:00.000+01:00', end: '2026-03-30T00:00:00.000+02:00' },
        conversations: 2,
        achieved: 1,
        rate: 50,
        expected: 10,
        progress: 0.1,
        status: 'missed',
      },
    ]);
    // Mid-week: 72 of the 167 hours have passed on Thursday 00:00 +01:00.
    const mid = expectOk(await progress(user, goal.id, { at: '2026-03-25T23:00:00.000Z' })).targets[0];
    expect(mid).toMatchObject({ conversations: 1, achieved: 1, expected: 4.3, progress: 0.1, status: 'behind' });
  });

  it('counts a Paris month across the spring DST change, count and rate, edges included and excluded to the millisecond', async () => {
    const goal = await goalWith(user, 'Europe/Paris', [count('month', 100), rate('month', 50)]);
    await outcomes(user, goal.id, [
      ['2026-02-28T22:59:59.999Z', true], // Feb 28 23:59:59.999 +01:00: the month before
      ['2026-02-28T23:00:00.000Z', true], // Mar 1 00:00 +01:00: the first instant
      ['2026-03-29T00:59:59.999Z', false], // 01:59:59.999 +01:00, just before the clocks jump
      ['2026-03-29T01:00:00.000Z', null], // 03:00 +02:00, no verdict: not counted
      ['2026-03-31T21:59:59.999Z', true], // Mar 31 23:59:59.999 +02:00: the last instant
      ['2026-03-31T22:00:00.000Z', true], // Apr 1 00:00 +02:00: the next month
    ]);
    const march = { start: '2026-03-01T00:00:00.000+01:00', end: '2026-04-01T00:00:00.000+02:00' };

    // Just after the jump: 674 of the month's real 743 hours have passed (744 would give 90.6).
    const mid = expectOk(await progress(user, goal.id, { at: '2026-03-29T01:00:00.000Z' }));
    const [midCount, midRate] = mid.targets;
    expect(midCount).toMatchObject({ window: march, conversations: 2, achieved: 1, rate: 50, expected: 90.7, progress: 0.01, status: 'behind' });
    expect(midRate).toMatchObject({ window: march, conversations: 2, achieved: 1, rate: 50, expected: null, progress: 1, status: 'on_track' });

    const body = expectOk(await progress(user, goal.id, { at: '2026-04-15T10:00:00.000Z', history: 2 }));
    const [countTarget, rateTarget] = body.targets;
    const april = { start: '2026-04-01T00:00:00.000+02:00', end: '2026-05-01T00:00:00.000+02:00' };
    const february = { start: '2026-02-01T00:00:00.000+01:00', end: '2026-03-01T00:00:00.000+01:00' };
    // 348 of April's 720 hours have passed.
    expect(countTarget).toMatchObject({ window: april, conversations: 1, achieved: 1, rate: 100, expected: 48.3, progress: 0.01, status: 'behind' });
    expect(rateTarget).toMatchObject({ window: april, conversations: 1, achieved: 1, rate: 100, expected: null, progress: 2, status: 'on_track' });
    expect(countTarget.history).toEqual([
      { window: march, conversations: 3, achieved: 2, rate: 66.7, expected: 100, progress: 0.02, status: 'missed' },
      { window: february, conversations: 1, achieved: 1, rate: 100, expected: 100, progress: 0.01, status: 'missed' },
    ]);
    expect(rateTarget.history).toEqual([
      { window: march, conversations: 3, achieved: 2, rate: 66.7, expected: null, progress: 1.3333, status: 'achieved' },
      { window: february, conversations: 1, achieved: 1, rate: 100, expected: null, progress: 2, status: 'achieved' },
    ]);
  });

  it('counts a New York day of 25 hours at the autumn change', async () => {
    const goal = await goalWith(user, 'America/New_York', [count('day', 5)]);
    await outcomes(user, goal.id, [
      ['2026-11-01T04:00:00.000Z', true], // 00:00 -04:00
      ['2026-11-01T06:30:00.000Z', true], // 01:30 EDT
      ['2026-11-01T06:30:00.000Z', true], // 01:30 EST, the repeated hour
      ['2026-11-02T04:59:59.999Z', true], // 23:59:59.999 -05:00
      ['2026-11-02T05:00:00.000Z', true], // the next day
    ]);
    const target = expectOk(await progress(user, goal.id, { at: '2026-11-01T16:30:00.000Z' })).targets[0];
    expect(target.window).toEqual({ start: '2026-11-01T00:00:00.000-04:00', end: '2026-11-02T00:00:00.000-05:00' });
    // 12.5 of 25 hours: half the target is expected.
    expect(target).toMatchObject({ conversations: 3, achieved: 3, expected: 2.5, progress: 0.6, status: 'on_track' });
    const ended = expectOk(await progress(user, goal.id, { at: '2026-11-02T05:00:00.000Z', history: 1 })).targets[0];
    expect(ended.history[0]).toMatchObject({ conversations: 4, achieved: 4, status: 'missed' });
  });

  it('reads half-hour window edges and a mid-hour as_of in Asia/Kolkata exactly', async () => {
    const goal = await goalWith(user, 'Asia/Kolkata', [count('day', 4), rate('day', 50)]);
    await outcomes(user, goal.id, [
      ['2026-06-09T18:29:59.999Z', true], // 23:59:59.999 +05:30 the day before
      ['2026-06-09T18:30:00.000Z', true], // 00:00 +05:30: the first instant
      ['2026-06-09T18:45:00.000Z', false], // same UTC hour as the edge, inside
      ['2026-06-10T12:30:00.000Z', null], // no verdict: not counted
      ['2026-06-10T12:40:00.000Z', false], // before as_of, same hour
      ['2026-06-10T12:50:00.000Z', true], // after as_of, same hour
    ]);
    const body = expectOk(await progress(user, goal.id, { at: '2026-06-10T12:45:00.000Z', history: 1 }));
    const [countTarget, rateTarget] = body.targets;
    expect(countTarget.window).toEqual({ start: '2026-06-10T00:00:00.000+05:30', end: '2026-06-11T00:00:00.000+05:30' });
    expect(countTarget).toMatchObject({ conversations: 3, achieved: 1, rate: 33.3, progress: 0.25 });
    // 18.25 of 24 hours elapsed: 3.04 expected, 1 achieved is below 0.75 × that.
    expect(countTarget).toMatchObject({ expected: 3, status: 'behind' });
    expect(rateTarget).toMatchObject({ conversations: 3, achieved: 1, rate: 33.3, expected: null, progress: 0.6667, status: 'behind' });
    expect(countTarget.history[0]).toMatchObject({ window: { start: '2026-06-09T00:00:00.000+05:30', end: '2026-06-10T00:00:00.000+05:30' }, conversations: 1, achieved: 1 });
    expect(body.status).toBe('behind');
  });

  it('counts a mid-minute as_of to the millisecond: whole minutes from counters, the partial minute from outcomes', async () => {
    const goal = await goalWith(user, 'Asia/Kolkata', [count('day', 9)]);
    await outcomes(user, goal.id, [
      ['2026-06-10T12:00:00.000Z', true], // first minute of as_of's hour
      ['2026-06-10T12:44:59.999Z', false], // last whole minute before as_of
      ['2026-06-10T12:45:00.000Z', true], // as_of's minute, before it
      ['2026-06-10T12:45:17.499Z', true], // one millisecond before as_of
      ['2026-06-10T12:45:17.500Z', true], // as_of itself: excluded
      ['2026-06-10T12:45:59.000Z', false], // as_of's minute, after it
    ]);
    const body = expectOk(await progress(user, goal.id, { at: '2026-06-10T12:45:17.500Z' }));
    expect(body.targets[0]).toMatchObject({ conversations: 4, achieved: 3 });
  });

  const periods = [
    ['day', '2026-11-15T00:00:00.000+01:00', '2026-11-16T00:00:00.000+01:00', '2026-11-15T00:00:00.000+05:30', '2026-11-16T00:00:00.000+05:30'],
    ['week', '2026-11-09T00:00:00.000+01:00', '2026-11-16T00:00:00.000+01:00', '2026-11-09T00:00:00.000+05:30', '2026-11-16T00:00:00.000+05:30'],
    ['month', '2026-11-01T00:00:00.000+01:00', '2026-12-01T00:00:00.000+01:00', '2026-11-01T00:00:00.000+05:30', '2026-12-01T00:00:00.000+05:30'],
    ['quarter', '2026-10-01T00:00:00.000+02:00', '2027-01-01T00:00:00.000+01:00', '2026-10-01T00:00:00.000+05:30', '2027-01-01T00:00:00.000+05:30'],
    ['year', '2026-01-01T00:00:00.000+01:00', '2027-01-01T00:00:00.000+01:00', '2026-01-01T00:00:00.000+05:30', '2027-01-01T00:00:00.000+05:30'],
  ] as const;

  it.each(periods)('puts the %s window around as_of in the goal\'s zone, for count and rate targets (Paris and Kolkata)', async (period, parisStart, parisEnd, kolkataStart, kolkataEnd) => {
    const at = '2026-11-15T10:00:00.000Z';
    for (const [zone, start, end] of [
      ['Europe/Paris', parisStart, parisEnd],
      ['Asia/Kolkata', kolkataStart, kolkataEnd],
    ] as const) {
      const goal = await goalWith(user, zone, [count(period, 2), rate(period, 50)]);
      await outcomes(user, goal.id, [
        [new Date(Date.parse(start) - 1).toISOString(), true],
        [new Date(Date.parse(start)).toISOString(), true],
        ['2026-11-15T09:59:59.999Z', false],
        [at, true],
      ]);
      const body = expectOk(await progress(user, goal.id, { at }));
      for (const target of body.targets) {
        expect(target.window).toEqual({ start, end });
        expect(target).toMatchObject({ conversations: 2, achieved: 1, rate: 50, progress: target.target_type === 'count' ? 0.5 : 1 });
      }
      expect(body.targets[1].status).toBe('on_track');
    }
  });

  it('measures a total target from start_date to the end of its deadline day, with no history', async () => {
    const goal = await goalWith(user, 'Europe/Paris', [count('total', 3, { start_date: '2026-07-01', deadline: '2026-07-31' })]);
    await outcomes(user, goal.id, [
      ['2026-06-30T21:59:59.999Z', true],
      ['2026-06-30T22:00:00.000Z', true],
      ['2026-07-31T21:59:59.999Z', true],
      ['2026-07-31T22:00:00.000Z', true],
    ]);
    const target = expectOk(await progress(user, goal.id, { at: '2026-09-01T00:00:00.000Z', history: 5 })).targets[0];
    expect(target).toMatchObject({
      window: { start: '2026-07-01T00:00:00.000+02:00', end: '2026-08-01T00:00:00.000+02:00' },
      conversations: 2,
      achieved: 2,
      expected: 3,
      status: 'missed',
      history: [],
    });
    const before = expectOk(await progress(user, goal.id, { at: '2026-06-15T00:00:00.000Z' })).targets[0];
    expect(before).toMatchObject({ conversations: 0, achieved: 0, expected: 0, status: 'on_track' });
  });

  it('gives no_data to a rate target with no conversations, and lists history newest first', async () => {
    const goal = await goalWith(user, 'UTC', [rate('week', 80)]);
    await outcomes(user, goal.id, [
      ['2026-10-06T10:00:00.000Z', true],
      ['2026-10-13T10:00:00.000Z', true],
      ['2026-10-14T10:00:00.000Z', false],
    ]);
    const target = expectOk(await progress(user, goal.id, { at: '2026-10-20T12:00:00.000Z', history: 3 })).targets[0];
    expect(target).toMatchObject({ window: { start: '2026-10-19T00:00:00.000Z', end: '2026-10-26T00:00:00.000Z' }, rate: null, status: 'no_data' });
    expect(target.history.map((w: { window: { start: string }; status: string; rate: number | null }) => [w.window.start, w.rate, w.status])).toEqual([
      ['2026-10-12T00:00:00.000Z', 50, 'missed'],
      ['2026-10-05T00:00:00.000Z', 100, 'achieved'],
      ['2026-09-28T00:00:00.000Z', null, 'no_data'],
    ]);
  });
});

describe('goals.progress moves with every outcome write', () => {
  it('moves at once when an outcome is replaced (verdict and hour) and when it is deleted', async () => {
    const user = await h.makeUser();
    const goal = await goalWith(user, 'UTC', [count('day', 2)]);
    const at = '2026-12-01T23:00:00.000Z';
    const read = async () => {
      const body = expectOk(await progress(user, goal.id, { at }));
      return [body.targets[0].conversations, body.targets[0].achieved];
    };
    const data = { goal_id: goal.id, conversation_id: 'call_9', achieved: true, occurred_at: '2026-12-01T10:15:00.000Z' };
    const outcome = await h.ok<{ id: string }>(user, { resource: 'outcomes', action: 'record', data });
    expect(await read()).toEqual([1, 1]);
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { ...data, achieved: false } });
    expect(await read()).toEqual([1, 0]);
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { ...data, achieved: null } });
    expect(await read()).toEqual([0, 0]);
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { ...data, achieved: true, occurred_at: '2026-12-01T14:15:00.000Z' } });
    expect(await read()).toEqual([1, 1]);
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { ...data, achieved: true, occurred_at: '2026-11-30T14:15:00.000Z' } });
    expect(await read()).toEqual([0, 0]);
    await h.ok(user, { resource: 'outcomes', action: 'record', data: { ...data, achieved: true } });
    expect(await read()).toEqual([1, 1]);
    await h.ok(user, { resource: 'outcomes', action: 'delete', id: outcome.id });
    expect(await read()).toEqual([0, 0]);
    const hours = await h.db.kysely.selectFrom('outcome_hours').selectAll().where('goal_id', '=', goal.id).where('conversations', '>', 0).execute();
    expect(hours).toEqual([]);
    const minutes = await h.db.kysely.selectFrom('outcome_minutes').selectAll().where('goal_id', '=', goal.id).where('conversations', '>', 0).execute();
    expect(minutes).toEqual([]);
  });
});

describe('goals.progress result', () => {
  it("reports the primary target's status as the goal's, and null with no targets", async () => {
    const user = await h.makeUser();
    const goal = await goalWith(user, 'UTC', [count('day', 1), rate('day', 50, { is_primary: true })]);
    await outcomes(user, goal.id, [['2026-12-01T01:00:00.000Z', false]]);
    const body = expectOk(await progress(user, goal.id, { at: '2026-12-01T12:00:00.000Z' }));
    expect(body).toMatchObject({ goal_id: goal.id, as_of: '2026-12-01T12:00:00.000Z', timezone: 'UTC', status: 'behind' });
    expect(body.targets.map((t: { target_id: string; is_primary: boolean }) => [t.target_id, t.is_primary])).toEqual([
      [goal.targets[0]?.id, false],
      [goal.targets[1]?.id, true],
    ]);
    expect(body.targets[0].status).toBe('behind');
    const bare = await h.makeGoal(user);
    expect(expectOk(await progress(user, bare.id))).toMatchObject({ status: null, targets: [], timezone: 'UTC' });
  });

  it('defaults as_of to now and takes at with any offset', async () => {
    const user = await h.makeUser();
    const goal = await goalWith(user, 'UTC', [count('day', 1)]);
    const body = expectOk(await progress(user, goal.id));
    expect(Math.abs(Date.parse(body.as_of) - h.clock.peek())).toBeLessThan(1000);
    expect(expectOk(await progress(user, goal.id, { at: '2026-12-01T12:00:00+05:30' })).as_of).toBe('2026-12-01T06:30:00.000Z');
  });

  it("returns 404 NOT_FOUND for another owner's goal and 400 for history above 52 or a bad at", async () => {
    const owner = await h.makeUser();
    const intruder = await h.makeUser();
    const goal = await h.makeGoal(owner);
    expectError(await progress(intruder, goal.id), 404, 'NOT_FOUND');
    expect(expectError(await progress(owner, goal.id, { history: 53 }), 400, 'VALIDATION_ERROR').details?.map((d) => d.path)).toEqual(['data.history']);
    expect(expectError(await progress(owner, goal.id, { at: 'now' }), 400, 'VALIDATION_ERROR').details?.map((d) => d.path)).toEqual(['data.at']);
  });
});

describe('include: ["progress"]', () => {
  it('adds progress without history to goals.get and to every goals.list item', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const a = await h.makeGoal(user, { agent_id: agent.id, targets: [count('year', 100)] });
    const b = await h.makeGoal(user, { agent_id: agent.id, timezone: 'Asia/Kolkata', targets: [rate('month', 40)] });
    const c = await h.makeGoal(user, { agent_id: agent.id });
    const recent = new Date(h.clock.peek() - 60_000).toISOString();
    await outcomes(user, a.id, [[recent, true]]);
    await outcomes(user, b.id, [[recent, false], [recent, true]]);

    const got = expectOk(await user.invoke({ resource: 'goals', action: 'get', id: b.id, data: { include: ['progress'] } }));
    expect(got.progress).toMatchObject({ goal_id: b.id, timezone: 'Asia/Kolkata', status: 'on_track' });
    expect(got.progress.targets[0]).toMatchObject({ conversations: 2, achieved: 1, rate: 50, history: [] });
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: b.id }))).not.toHaveProperty('progress');

    const page = expectOk(await user.invoke({ resource: 'goals', action: 'list', data: { agentId: agent.id, include: ['progress'] } }));
    const byId = new Map(page.items.map((g: { id: string; progress: unknown }) => [g.id, g.progress]));
    expect(byId.get(a.id)).toMatchObject({ targets: [{ conversations: 1, achieved: 1, history: [] }] });
    expect(byId.get(b.id)).toMatchObject({ targets: [{ conversations: 2, achieved: 1 }] });
    expect(byId.get(c.id)).toMatchObject({ status: null, targets: [] });
  });
});
