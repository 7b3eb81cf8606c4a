import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Access } from '../../src/db/owner-scope.js';
import { admin, AGENT, cursor, GOAL, OTHER, own, planProbe, subsets, USER } from '../support/query-plans.js';
import { findAgent, findAgentOwner, listAgents, type AgentFilters } from '../../src/agents/store.js';
import { hashKey } from '../../src/auth/api-keys.js';
import { findKeyByHash } from '../../src/auth/store.js';
import type { PageRequest } from '../../src/db/listing.js';
import { attachGoal, attachState, findGoal, listGoals, updateGoal, type GoalFilters } from '../../src/goals/store.js';

/**
 * The SQL the real store functions send, checked with EXPLAIN QUERY PLAN: lists must search an
 * index that also gives the newest-first order, so a page costs the same at any table size.
 */
const { db, sqlOf, planOf } = planProbe();

const pages: Record<string, PageRequest> = {
  'first page': { limit: 50 },
  cursor: { limit: 50, cursor },
  offset: { limit: 50, offset: 100 },
};

const describeCase = (access: Access, filters: object, page: string) =>
  `${access.all ? 'admin' : 'own'} ${JSON.stringify(filters)} ${page}`;

/** A goal list narrowed by an equality filter on an indexed column can search, not walk, the index. */
const narrowed = (access: Access, f: GoalFilters | AgentFilters) =>
  !access.all || f.ownerId !== undefined || ('agentId' in f && f.agentId !== undefined) || ('status' in f && f.status !== undefined);

function expectIndexedList(table: 'goals' | 'agents', access: Access, filters: GoalFilters | AgentFilters, queries: CompiledQuery[]) {
  const [page, count] = queries;
  expect(queries).toHaveLength(2);
  if (!page || !count) return;
  const pagePlan = planOf(page);
  const countPlan = planOf(count);
  // A temp b-tree sorts every match before the page can be cut: cost grows with the matches.
  expect([...pagePlan, ...countPlan].filter((l) => l.includes('TEMP B-TREE'))).toEqual([]);
  // The page never reads the table in storage order: it searches an index, or walks the
  // (created_at, id) index newest first and stops after one page.
  expect(pagePlan.filter((l) => new RegExp(`^SCAN ${table}$`).test(l))).toEqual([]);
  if (narrowed(access, filters)) {
    expect(pagePlan.find((l) => l.startsWith(`SEARCH ${table} USING`))).toBeDefined();
    expect(countPlan.find((l) => l.startsWith(`SEARCH ${table} USING`))).toBeDefined();
    return;
  }
  expect(pagePlan.find((l) => l.startsWith(`SEARCH ${table} USING INDEX ${table}_created`) || l.startsWith(`SCAN ${table} USING INDEX ${table}_created`))).toBeDefined();
  if (filters.q === undefined) {
    // No WHERE at all: SQLite counts the entries of the smallest index without reading rows.
    expect(count.sql).not.toMatch(/ where /i);
  } else {
    // The one list whose count reads every row: an admin search by name alone (see the README).
    expect(countPlan).toEqual([`SCAN ${table}`]);
  }
}

const goalFilterSets = (access: Access) =>
  subsets<GoalFilters>({ q: 'meet', agentId: AGENT, status: 'active', ...(access.all ? { ownerId: OTHER } : {}) });

describe('goals.list query plans', () => {
  for (const access of [own, admin]) {
    for (const filters of goalFilterSets(access)) {
      for (const [page, request] of Object.entries(pages)) {
        it(`uses an index for filter and order: ${describeCase(access, filters, page)}`, async () => {
          const queries = await sqlOf(() => listGoals(db, access, filters, request));
          expectIndexedList('goals', access, filters, queries);
        });
      }
    }
  }

  it('counts an owner-scoped list within the owner’s index range, never over all goals', async () => {
    const [, count] = await sqlOf(() => listGoals(db, own, {}, { limit: 50 }));
    if (!count) throw new Error('no count query captured');
    expect(planOf(count)).toEqual([expect.stringMatching(/^SEARCH goals USING COVERING INDEX \S+ \(owner_id=\?\)$/)]);
  });
});

describe('agents.list query plans', () => {
  for (const access of [own, admin]) {
    for (const filters of subsets<AgentFilters>({ q: 'sales', ...(access.all ? { ownerId: OTHER } : {}) })) {
      for (const [page, request] of Object.entries(pages)) {
        it(`uses an index for filter and order: ${describeCase(access, filters, page)}`, async () => {
          const queries = await sqlOf(() => listAgents(db, access, filters, request));
          expectIndexedList('agents', access, filters, queries);
          // The attached goal and the owner come from primary-key lookups, one per listed row.
          const subqueries = queries.flatMap(planOf).filter((l) => /attachments|users/.test(l));
          for (const line of subqueries) expect(line).toMatch(/^SEARCH (attachments|users) USING/);
        });
      }
    }
  }
});

describe('point lookups', () => {
  it('finds an API key by its hash through the unique index', async () => {
    const hash = await hashKey(`gp_${'a'.repeat(43)}`);
    const queries = await sqlOf(() => findKeyByHash(db, hash));
    expect(queries.flatMap(planOf).every((l) => l.startsWith('SEARCH'))).toBe(true);
  });

  it.each([
    ['goals.get', () => findGoal(db, own, GOAL)],
    ['goals.get in admin mode', () => findGoal(db, admin, GOAL)],
    ['a refused update and its reasons', () => updateGoal(db, own, crypto.randomUUID(), { agent_id: AGENT }, cursor.createdAt)],
    ['the agent owner check', () => findAgentOwner(db, own, AGENT)],
    ['the reasons of a refused attach', () => attachState(db, own, AGENT, GOAL)],
    ['agents.get', () => findAgent(db, own, AGENT)],
    ['the attach upsert', () => attachGoal(db, own, AGENT, GOAL, cursor.createdAt)],
  ])('%s reads by primary key only', async (_, work) => {
    const queries = await sqlOf(work);
    expect(queries.length).toBeGreaterThan(0);
    for (const line of queries.flatMap(planOf)) expect(line).toMatch(/^SEARCH |^SCALAR SUBQUERY|^CORRELATED SCALAR SUBQUERY|^SCAN CONSTANT ROW$/);
  });
});
