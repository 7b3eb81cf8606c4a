import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const create = (user: TestUser, data: Record<string, unknown>) => user.invoke({ resource: 'goals', action: 'create', data });

async function rejected(user: TestUser, data: Record<string, unknown>): Promise<string[]> {
  const agent = await h.makeAgent(user);
  const before = await snapshot(h);
  const error = expectError(await create(user, { agent_id: agent.id, name: 'G', ...data }), 400, 'VALIDATION_ERROR');
  expect(await snapshot(h)).toEqual(before);
  return (error.details ?? []).map((d) => d.path);
}

describe('goal keys of release 2: channel_id, tags, timezone, targets', () => {
  it('stores them, gives targets ids, makes the first primary, and resolves a total start_date to the creation day in the zone', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = expectOk(
      await create(user, {
        agentId: agent.id,
        name: 'Book meetings',
        channelId: 'tel:+33123456789',
        tags: ['Sales', 'inbound:fr'],
        timezone: 'Pacific/Kiritimati',
        targets: [
          { period: 'week', target_type: 'count', target_count: 25, target_rate: null, start_date: null, deadline: null },
          { period: 'total', target_type: 'rate', target_rate: 35.5, deadline: '2026-12-31' },
        ],
      }),
      201,
    );
    expect(goal).toMatchObject({ channel_id: 'tel:+33123456789', tags: ['sales', 'inbound:fr'], timezone: 'Pacific/Kiritimati' });
    expect(goal.targets).toEqual([
      { id: expect.any(String), period: 'week', target_type: 'count', target_count: 25, target_rate: null, is_primary: true, start_date: null, deadline: null },
      // The clock's 2026-01-01T00:00Z is already 14:00 on January 1 at +14:00.
      { id: expect.any(String), period: 'total', target_type: 'rate', target_count: null, target_rate: 35.5, is_primary: false, start_date: '2026-01-01', deadline: '2026-12-31' },
    ]);
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }))).toEqual(goal);
  });

  it('keeps the marked primary and replaces targets wholesale on update with new ids; [] clears them', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, {
      targets: [
        { period: 'day', target_type: 'count', target_count: 1 },
        { period: 'month', target_type: 'rate', target_rate: 10, is_primary: true },
      ],
    });
    expect(goal.targets.map((t) => t.is_primary)).toEqual([false, true]);
    const updated = expectOk(
      await user.invoke({ resource: 'goals', action: 'update', id: goal.id, data: { targets: [{ period: 'day', target_type: 'count', target_count: 1 }] } }),
    );
    expect(updated.targets).toHaveLength(1);
    expect(updated.targets[0].id).not.toBe(goal.targets[0]?.id);
    expect(updated.targets[0].is_primary).toBe(true);
    const cleared = expectOk(await user.invoke({ resource: 'goals', action: 'update', id: goal.id, data: { targets: [], tags: ['x'], timezone: 'Asia/Kolkata', channel_id: null } }));
    expect(cleared).toMatchObject({ targets: [], tags: ['x'], timezone: 'Asia/Kolkata', channel_id: null });
  });

  it.each([
    ['a count target without target_count', [{ period: 'week', target_type: 'count' }], ['data.targets.0.target_count']],
    ['a count target with target_rate', [{ period: 'week', target_type: 'count', target_count: 3, target_rate: 50 }], ['data.targets.0.target_rate']],
    ['a rate target with target_count', [{ period: 'week', target_type: 'rate', target_rate: 50, target_count: 3 }], ['data.targets.0.target_count']],
    ['a rate above 100', [{ period: 'week', target_type: 'rate', target_rate: 100.5 }], ['data.targets.0.target_rate']],
    ['a count of 0', [{ period: 'week', target_type: 'count', target_count: 0 }], ['data.targets.0.target_count']],
    ['two primaries', [{ period: 'day', target_type: 'count', target_count: 1, is_primary: true }, { period: 'week', target_type: 'count', target_count: 1, is_primary: true }], ['data.targets.1.is_primary']],
    ['a total target without deadline', [{ period: 'total', target_type: 'count', target_count: 1 }], ['data.targets.0.deadline']],
    ['a deadline on a recurring target', [{ period: 'week', target_type: 'count', target_count: 1, deadline: '2026-12-31' }], ['data.targets.0.deadline']],
    ['a start_date on a recurring target', [{ period: 'week', target_type: 'count', target_count: 1, start_date: '2026-01-01' }], ['data.targets.0.start_date']],
    ['a deadline before start_date', [{ period: 'total', target_type: 'count', target_count: 1, start_date: '2026-05-02', deadline: '2026-05-01' }], ['data.targets.0.deadline']],
    ['a deadline before the creation day', [{ period: 'total', target_type: 'count', target_count: 1, deadline: '2025-12-01' }], ['data.targets.0.deadline']],
    ['a date that does not exist', [{ period: 'total', target_type: 'count', target_count: 1, deadline: '2026-02-30' }], ['data.targets.0.deadline']],
    // The day after 9999-12-31 cannot be written: the years end at 9997, so every window fits.
    ['a deadline after 9997', [{ period: 'total', target_type: 'count', target_count: 1, deadline: '9999-12-31' }], ['data.targets.0.deadline']],
    ['an unknown period', [{ period: 'decade', target_type: 'count', target_count: 1 }], ['data.targets.0.period']],
    ['eleven targets', Array.from({ length: 11 }, () => ({ period: 'day', target_type: 'count', target_count: 1 })), ['data.targets']],
  ])('returns 400 VALIDATION_ERROR at the offending key for %s', async (_name, targets, paths) => {
    const user = await h.makeUser();
    expect(await rejected(user, { targets })).toEqual(paths);
  });

  it.each([
    ['an unknown zone', { timezone: 'Mars/Olympus' }, ['data.timezone']],
    ['a duplicate tag after lowercasing', { tags: ['vip', 'VIP'] }, ['data.tags.1']],
    ['a tag with a space', { tags: ['big deal'] }, ['data.tags.0']],
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, ['data.tags']],
    ['a channel with a slash', { channel_id: 'a/b' }, ['data.channel_id']],
    ['an empty channel', { channel_id: '' }, ['data.channel_id']],
  ])('returns 400 VALIDATION_ERROR for %s', async (_name, data, paths) => {
    const user = await h.makeUser();
    expect(await rejected(user, data)).toEqual(paths);
  });

  it('computes windows at the far edges of the accepted years, in the zones furthest from UTC, and refuses instants beyond them', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, {
      timezone: 'Pacific/Kiritimati',
      targets: [
        { period: 'total', target_type: 'count', target_count: 1, deadline: '9997-12-31' },
        { period: 'year', target_type: 'count', target_count: 1 },
        { period: 'week', target_type: 'rate', target_rate: 50 },
      ],
    });
    const progress = (at: string) => user.invoke({ resource: 'goals', action: 'progress', id: goal.id, data: { at, history: 52 } });
    // The last instant accepted, 9998-01-01T13:59Z, is already January 2 at +14:00.
    const late = expectOk(await progress('9997-12-31T23:59:59-14:00'));
    expect(late.targets.map((t: { window: { end: string } }) => t.window.end)).toEqual([
      '9998-01-01T00:00:00.000+14:00',
      '9999-01-01T00:00:00.000+14:00',
      '9998-01-05T00:00:00.000+14:00',
    ]);
    // The first instant accepted is still 999 in the zone (then on local mean time, UTC−10:29:20),
    // and 52 yearly windows of history go back to 947.
    const early = expectOk(await progress('1000-01-01T00:00:00+14:00'));
    expect(early.targets[1].window.start).toMatch(/^0999-01-01T/);
    expect(early.targets[1].history).toHaveLength(52);
    expect(early.targets[1].history.at(-1).window.start).toMatch(/^0947-01-01T/);
    for (const at of ['9998-01-01T00:00:00Z', '0999-12-31T23:59:59Z']) {
      expect(expectError(await progress(at), 400, 'VALIDATION_ERROR').details?.map((d) => d.path)).toEqual(['data.at']);
    }
    const record = await user.invoke({
      resource: 'outcomes',
      action: 'record',
      data: { goal_id: goal.id, conversation_id: 'c-0999', achieved: true, occurred_at: '0999-12-31T23:59:59Z' },
    });
    expect(expectError(record, 400, 'VALIDATION_ERROR').details?.map((d) => d.path)).toEqual(['data.occurred_at']);
  });

  it('filters goals.list by channelId (alias channel_id) and by tag, with cursor paging', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const web = await h.makeGoal(user, { agent_id: agent.id, channel_id: 'web', tags: ['sales', 'vip'] });
    const phone = await h.makeGoal(user, { agent_id: agent.id, channel_id: 'phone', tags: ['sales'] });
    await h.makeGoal(user, { agent_id: agent.id, tags: ['support'] });
    const other = await h.makeUser();
    await h.makeGoal(other, { channel_id: 'web', tags: ['sales'] });
    const list = (data: Record<string, unknown>) => user.invoke({ resource: 'goals', action: 'list', data });
    const ids = (page: { items: { id: string }[] }) => page.items.map((g) => g.id);

    expect(ids(expectOk(await list({ channelId: 'web' })))).toEqual([web.id]);
    expect(ids(expectOk(await list({ channel_id: 'phone' })))).toEqual([phone.id]);
    const sales = expectOk(await list({ tag: 'SALES' }));
    expect(ids(sales)).toEqual([phone.id, web.id]);
    expect(sales.count).toBe(2);
    const first = expectOk(await list({ tag: 'sales', limit: 1 }));
    const second = expectOk(await list({ tag: 'sales', limit: 1, cursor: first.next_cursor }));
    expect([...ids(first), ...ids(second)]).toEqual([phone.id, web.id]);
    expect(second.has_more).toBe(false);
    expect(ids(expectOk(await list({ tag: 'vip', channelId: 'web' })))).toEqual([web.id]);
    // A changed tag list moves the goal between tag filters at once.
    await h.ok(user, { resource: 'goals', action: 'update', id: web.id, data: { tags: ['support'] } });
    expect(ids(expectOk(await list({ tag: 'sales' })))).toEqual([phone.id]);
  });
});
