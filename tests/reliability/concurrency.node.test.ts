import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { invokeHttp, startServerPair, type ServerPair, type ServerProcess } from '../support/server-process.js';

const ATTACHES = Number(process.env.CONCURRENT_ATTACHES ?? '200');
const WRITES = Number(process.env.CONCURRENT_WRITES ?? '400');
const TIMEOUT = 30_000 + (ATTACHES + WRITES) * 100;

interface AttachResult {
  agent_id: string;
  goal_id: string;
  replaced_goal_id: string | null;
}

/**
 * Concurrent attaches to one agent are linearisable when each one replaced exactly the goal that
 * the one before it left: one chain through every goal, ending at the goal that stays attached.
 */
function expectOneChain(results: AttachResult[], goalIds: string[], finalGoal: string | null | undefined): void {
  const replaced = results.map((r) => r.replaced_goal_id);
  expect(replaced.filter((id) => id === null)).toHaveLength(1);
  const nonNull = replaced.filter((id): id is string => id !== null);
  expect(new Set(nonNull).size).toBe(goalIds.length - 1);
  expect(nonNull).not.toContain(finalGoal);
  expect(new Set([...nonNull, finalGoal])).toEqual(new Set(goalIds));
}

describe('concurrent attaches, in process', () => {
  it(`holds ${ATTACHES} concurrent attaches of different goals to one agent: all succeed, one attachment remains`, async () => {
    const h = await createHarness();
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goals = await Promise.all(Array.from({ length: ATTACHES }, (_, i) => h.makeGoal(user, { agent_id: agent.id, name: `Goal ${i}` })));

    const replies = await Promise.all(
      goals.map((goal) => user.invoke({ resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } })),
    );

    expect(replies.map((r) => r.status)).toEqual(goals.map(() => 200));
    const rows = await h.db.kysely.selectFrom('attachments').selectAll().where('agent_id', '=', agent.id).execute();
    expect(rows).toHaveLength(1);
    expectOneChain(replies.map((r) => r.body.data as AttachResult), goals.map((g) => g.id), rows[0]?.goal_id);
  }, TIMEOUT);
});

describe('two server processes on one database file', () => {
  let pair: ServerPair;
  let a: ServerProcess;
  let b: ServerProcess;
  let key: string;

  beforeAll(async () => {
    pair = await startServerPair('goalpost-two-');
    ({ a, b, key } = pair);
  });
  afterAll(async () => {
    await pair?.stop();
  });

  const either = (i: number) => (i % 2 === 0 ? a.url : b.url);

  it(`holds ${ATTACHES} concurrent attaches split across both processes: all succeed, one attachment remains`, async () => {
    const agent = (await invokeHttp(a.url, key, { resource: 'agents', action: 'create', data: { name: 'Shared agent' } })).body.data;
    const goals: { id: string }[] = await Promise.all(
      Array.from({ length: ATTACHES }, async (_, i) =>
        (await invokeHttp(either(i), key, { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: `G${i}` } })).body.data,
      ),
    );

    const replies = await Promise.all(
      goals.map((goal, i) => invokeHttp(either(i), key, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } })),
    );

    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const final = await invokeHttp(b.url, key, { resource: 'agents', action: 'get', id: agent.id });
    expectOneChain(replies.map((r) => r.body.data as AttachResult), goals.map((g) => g.id), final.body.data.goal_id);
    const db = new Database(pair.path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM attachments WHERE agent_id = ?').get(agent.id)).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  }, TIMEOUT);

  it(`loses no write and lets no SQLITE_BUSY through under ${WRITES} concurrent creates and updates from both`, async () => {
    const creates = await Promise.all(
      Array.from({ length: WRITES }, (_, i) => invokeHttp(either(i), key, { resource: 'agents', action: 'create', data: { name: `Load ${i}` } })),
    );
    expect(creates.filter((r) => r.status !== 201)).toEqual([]);
    const ids = creates.map((r) => r.body.data.id as string);

    // Each agent renamed once by each process; the name of the later acknowledged write must stick.
    const renames = await Promise.all(
      ids.flatMap((id, i) => [
        invokeHttp(either(i), key, { resource: 'agents', action: 'update', id, data: { name: `First ${i}` } }),
        invokeHttp(either(i + 1), key, { resource: 'agents', action: 'update', id, data: { name: `Second ${i}` } }),
      ]),
    );
    expect(renames.filter((r) => r.status !== 200)).toEqual([]);
    expect(pair.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/);

    const db = new Database(pair.path, { readonly: true });
    try {
      const rows = db.prepare(`SELECT id, name, updated_at FROM agents WHERE name LIKE 'First %' OR name LIKE 'Second %'`).all() as {
        id: string;
        name: string;
        updated_at: string;
      }[];
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
      for (const row of rows) {
        const [first, second] = [renames[ids.indexOf(row.id) * 2], renames[ids.indexOf(row.id) * 2 + 1]];
        const latest = [first, second].filter((r) => r?.body.data.updated_at === row.updated_at).map((r) => r?.body.data.name);
        expect(latest).toContain(row.name);
      }
    } finally {
      db.close();
    }
  }, TIMEOUT);

  it('creates one row for 40 concurrent duplicates of one Idempotency-Key split across both processes', async () => {
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Exactly once' } };
    const send = (url: string) =>
      fetch(`${url}/invoke`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'two-process-key' },
        body: JSON.stringify(envelope),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { data?: { id: string }; error?: { retryable: boolean } } }));

    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => send(either(i))));

    expect(replies.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.error?.retryable === true)).toBe(true);
    expect(new Set(replies.filter((r) => r.status === 201).map((r) => r.body.data?.id)).size).toBe(1);
    const db = new Database(pair.path, { readonly: true });
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM agents WHERE name = 'Exactly once'`).get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  }, TIMEOUT);
});
