import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Access } from '../../src/db/owner-scope.js';
import { admin, AGENT, cursor, GOAL, OTHER, own, planProbe, subsets, USER } from '../support/query-plans.js';
import { newOutcome } from '../support/samples.js';
import { listGoals, type GoalFilters } from '../../src/goals/store.js';
import { progressOf } from '../../src/goals/progress-report.js';
import { listOutcomes, readEdgeCounts, readHourCounts, recordOutcome, type OutcomeFilters } from '../../src/outcomes/store.js';

/**
 * The SQL of outcomes lists, the goal list's new filters and progress, checked with EXPLAIN QUERY
 * PLAN: every filter combination searches an index that also gives the order, and progress reads
 * counters by primary key and outcomes only inside one partial minute per edge.
 */
const { db, sqlOf, planOf } = planProbe();

const pages = { 'first page': { limit: 50 }, cursor: { limit: 50, cursor }, offset: { limit: 50, offset: 100 } };

const outcomeFilters = (access: Access) =>
  subsets<OutcomeFilters>({
    goalId: GOAL,
    agentId: AGENT,
    contactId: 'lead_1',
    channelId: 'web',
    conversationId: 'call_1',
    achieved: true,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-02-01T00:00:00.000Z',
    ...(access.all ? { ownerId: OTHER } : {}),
  }).flatMap((f) => (f.achieved ? [f, { ...f, achieved: false }, { ...f, achieved: null }] : [f]));

const equalityFilters = ['goalId', 'agentId', 'contactId', 'channelId', 'conversationId', 'ownerId'] as const;

describe('outcomes.list query plans', () => {
  for (const access of [own, admin]) {
    it(`searches an index that gives the order, for every filter combination and page (${access.all ? 'admin' : 'own'})`, async () => {
      const problems: string[] = [];
      for (const filters of outcomeFilters(access)) {
        for (const [page, request] of Object.entries(pages)) {
          const queries = await sqlOf(() => listOutcomes(db, access, filters, request));
          const [pageQuery, count] = queries;
          if (!pageQuery || !count) throw new Error('expected a page and a count query');
          const plan = [...planOf(pageQuery), ...planOf(count)];
          const label = `${JSON.stringify(filters)} ${page}: ${plan.join(' | ')}`;
          if (plan.some((l) => l.includes('TEMP B-TREE'))) problems.push(`temp b-tree: ${label}`);
          if (plan.some((l) => /^SCAN outcomes$/.test(l))) problems.push(`table scan: ${label}`);
          const narrowed = !access.all || equalityFilters.some((k) => filters[k] !== undefined);
          if (narrowed && !planOf(pageQuery).some((l) => l.startsWith('SEARCH outcomes USING'))) problems.push(`no search: ${label}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it.each([
    ['goalId', { goalId: GOAL }, 'outcomes_goal_occurred (goal_id=?)'],
    ['agentId', { agentId: AGENT }, 'outcomes_agent_occurred (agent_id=?)'],
    ['contactId', { contactId: 'lead_1' }, 'outcomes_contact_occurred (contact_id=?)'],
    ['channelId', { channelId: 'web' }, 'outcomes_channel_occurred (channel_id=?)'],
    ['conversationId', { conversationId: 'call_1' }, 'outcomes_conversation_occurred (conversation_id=?)'],
  ] as const)('narrows by %s through its own index, not the owner index', async (_name, filters, index) => {
    const [page, count] = await sqlOf(() => listOutcomes(db, own, filters, { limit: 50 }));
    if (!page || !count) throw new Error('no page query');
    expect(planOf(page)).toEqual([`SEARCH outcomes USING INDEX ${index}`]);
    expect(planOf(count)).toEqual([`SEARCH outcomes USING INDEX ${index}`]);
  });
});

describe('goals.list filters of release 2', () => {
  for (const access of [own, admin]) {
    for (const filters of subsets<GoalFilters>({ channelId: 'web', tag: 'sales', status: 'active', ...(access.all ? { ownerId: OTHER } : {}) })) {
      if (filters.channelId === undefined && filters.tag === undefined) continue;
      for (const [page, request] of Object.entries(pages)) {
        it(`searches an index: ${access.all ? 'admin' : 'own'} ${JSON.stringify(filters)} ${page}`, async () => {
          const queries = await sqlOf(() => listGoals(db, access, filters, request));
          const plan = queries.flatMap(planOf);
          expect(plan.filter((l) => l.includes('TEMP B-TREE'))).toEqual([]);
          expect(plan.filter((l) => /^SCAN (goals|goal_tags)$/.test(l))).toEqual([]);
          if (filters.tag !== undefined) expect(plan.find((l) => l.startsWith('SEARCH goal_tags USING'))).toBeDefined();
          else expect(plan.find((l) => /^SEARCH goals USING INDEX goals_(owner_)?channel_created/.test(l))).toBeDefined();
        });
      }
    }
  }
});

describe('progress query plans', () => {
  it('reads counters by primary-key range and edges from minute counters and the covering goal index only', async () => {
    const hours = await sqlOf(() => readHourCounts(db, [{ goalId: GOAL, from: '2026-01-01T00', to: '2026-02-01T00' }]));
    const edges = await sqlOf(() => readEdgeCounts(db, [{ goalId: GOAL, atMs: Date.parse('2026-01-01T10:30:17.250Z') }]));
    const hourPlan = hours.flatMap(planOf);
    const edgePlan = edges.flatMap(planOf);
    expect(hourPlan).toContainEqual(expect.stringMatching(/^SEARCH h USING PRIMARY KEY \(goal_id=\? AND hour>\? AND hour<\?\)$/));
    expect(edgePlan).toContainEqual(expect.stringMatching(/^SEARCH m USING PRIMARY KEY \(goal_id=\? AND minute>\? AND minute<\?\)$/));
    expect(edgePlan).toContainEqual(expect.stringMatching(/^SEARCH o USING COVERING INDEX outcomes_goal_occurred \(goal_id=\? AND occurred_at>\? AND occurred_at<\?\)$/));
    for (const line of [...hourPlan, ...edgePlan]) expect(line).not.toMatch(/^SCAN (h|m|o|outcomes|outcome_hours|outcome_minutes)$/);
  });

  it('sends two statements for any number of goals, targets and past windows, and reads outcomes only inside one partial minute per edge', async () => {
    const targets = ['day', 'week', 'month', 'quarter', 'year'].map((period, i) => ({
      id: `00000000-0000-4000-8000-00000000000${i}`,
      period: period as 'day',
      target_type: 'count' as const,
      target_count: 5,
      target_rate: null,
      is_primary: i === 0,
      start_date: null,
      deadline: null,
    }));
    const asOfMs = Date.parse('2026-06-10T12:45:17.500Z');
    const goals = Array.from({ length: 20 }, (_, i) => ({ id: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, timezone: 'Asia/Kolkata', targets }));
    const queries = await sqlOf(() => progressOf(db, goals.map((goal) => ({ goal, asOfMs, history: 52 }))));
    expect(queries).toHaveLength(2);
    const edges = queries.find((q) => q.sql.includes('outcomes'));
    if (!edges) throw new Error('no edge query');
    // Each edge reads the minute counters of one hour and the outcomes of at most one partial minute.
    const spans = JSON.parse(String(edges.parameters[0])) as [string, string, string, string, string][];
    expect(spans.length).toBeGreaterThan(0);
    for (const [, minuteFrom, minuteTo, rawFrom, rawTo] of spans) {
      expect(minuteFrom.slice(0, 13)).toBe(minuteTo.slice(0, 13));
      expect(minuteFrom.endsWith(':00')).toBe(true);
      expect(rawFrom.slice(0, 16)).toBe(minuteTo);
      expect(rawTo.slice(0, 16)).toBe(minuteTo);
      expect(rawFrom.endsWith(':00.000Z')).toBe(true);
    }
    // Half-hour zone edges are whole minutes; only as_of has a partial minute.
    expect(spans.filter(([, , , rawFrom, rawTo]) => rawFrom !== rawTo).map(([, , , , rawTo]) => rawTo)).toEqual(
      goals.map(() => '2026-06-10T12:45:17.500Z'),
    );
  });

  it('records an outcome in one batch (the upsert, its events, a target check) whose counters move by trigger, without scans', async () => {
    const queries = await sqlOf(() =>
      recordOutcome(
        db,
        own,
        newOutcome({ id: GOAL, goal_id: GOAL, conversation_id: 'c', occurred_at: cursor.createdAt }),
        cursor.createdAt,
        {
          timezone: 'UTC',
          targets: [
            { id: GOAL, period: 'day', target_type: 'count', target_count: 3, target_rate: null, is_primary: true, start_date: null, deadline: null },
          ],
        },
      ),
    );
    // outcome.recorded, the window's achievement (once, by its primary key), then its target.achieved.
    expect(queries.slice(1, 4).map((q) => q.sql.slice(0, 33))).toEqual([
      'insert into "events" ("type", "ow',
      'insert into "target_achievements"',
      'insert into "events" ("type", "ow',
    ]);
    // The upsert, then (nothing written: no such goal) the one read that says why.
    expect(queries[0]?.sql).toMatch(/^insert into "outcomes"/);
    const plan = queries.flatMap(planOf);
    for (const line of plan) expect(line).not.toMatch(/^SCAN (goals|agents|outcomes|h|m|counted|outcome_hours|outcome_minutes|target_achievements)$/);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH target_achievements USING PRIMARY KEY \(goal_id=\? AND target_id=\? AND window_start=\?\)$/));
    // A window reached already is found by its primary key before the achievement counts anything.
    const achievement = planOf(queries[2]!);
    const probe = achievement.indexOf('SEARCH reached USING PRIMARY KEY (goal_id=? AND target_id=? AND window_start=?)');
    expect(probe).toBeGreaterThan(-1);
    expect(probe).toBeLessThan(achievement.findIndex((line) => line.startsWith('SEARCH h ')));
    // The target check counts from the counters by primary key and one partial minute per edge from the index.
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH h USING PRIMARY KEY \(goal_id=\? AND hour>\? AND hour<\?\)$/));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH m USING PRIMARY KEY \(goal_id=\? AND minute>\? AND minute<\?\)$/));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH counted USING COVERING INDEX outcomes_goal_occurred \(goal_id=\? AND occurred_at>\? AND occurred_at<\?\)$/));
  });
});
