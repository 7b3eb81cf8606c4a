import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeHttp, startServerPair, type ServerPair, type ServerProcess } from '../support/server-process.js';

const RECORDS = Number(process.env.CONCURRENT_RECORDS ?? '60');

describe('concurrent records of one conversation from two server processes on one file', () => {
  let pair: ServerPair;
  let a: ServerProcess;
  let b: ServerProcess;
  let key: string;

  beforeAll(async () => {
    pair = await startServerPair('goalpost-outcomes-');
    ({ a, b, key } = pair);
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it(`leaves one outcome, one 201, and counters that match the last write after ${RECORDS} racing records`, async () => {
    const agent = (await invokeHttp(a.url, key, { resource: 'agents', action: 'create', data: { name: 'Caller' } })).body.data;
    const goal = (
      await invokeHttp(b.url, key, {
        resource: 'goals',
        action: 'create',
        data: { agent_id: agent.id, name: 'Book', targets: [{ period: 'day', target_type: 'count', target_count: 1 }] },
      })
    ).body.data;
    const hours = ['2026-01-01T08', '2026-01-01T09', '2026-01-01T10'];
    const verdicts = [true, false, null] as const;

    const replies = await Promise.all(
      Array.from({ length: RECORDS }, (_, i) =>
        invokeHttp(i % 2 === 0 ? a.url : b.url, key, {
          resource: 'outcomes',
          action: 'record',
          data: { goal_id: goal.id, conversation_id: 'call_race', achieved: verdicts[i % 3], occurred_at: `${hours[i % hours.length]}:${String(i % 60).padStart(2, '0')}:00Z` },
        }),
      ),
    );

    expect(replies.filter((r) => r.status !== 200 && r.status !== 201).map((r) => r.body)).toEqual([]);
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(replies.map((r) => r.body.data.id)).size).toBe(1);
    expect(pair.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/);

    const db = new Database(pair.path, { readonly: true });
    let at: string;
    let counted: unknown;
    try {
      const rows = db.prepare('SELECT achieved, occurred_at FROM outcomes WHERE goal_id = ?').all(goal.id) as { achieved: number | null; occurred_at: string }[];
      expect(rows).toHaveLength(1);
      const [last] = rows;
      const counters = db.prepare('SELECT hour, conversations, achieved FROM outcome_hours WHERE goal_id = ? AND conversations > 0').all(goal.id);
      expect(counters).toEqual(last && last.achieved !== null ? [{ hour: last.occurred_at.slice(0, 13), conversations: 1, achieved: last.achieved }] : []);
      const negative = db.prepare('SELECT count(*) AS n FROM outcome_hours WHERE conversations < 0 OR achieved < 0').get();
      expect(negative).toEqual({ n: 0 });

      // The per-minute counters too: progress reads them for a window edge inside an hour.
      const minutes = db.prepare('SELECT minute, conversations, achieved FROM outcome_minutes WHERE goal_id = ? AND conversations > 0 ORDER BY minute').all(goal.id);
      const perMinute = db
        .prepare(
          `SELECT substr(occurred_at, 1, 16) AS minute, count(*) AS conversations, sum(achieved) AS achieved
           FROM outcomes WHERE goal_id = ? AND achieved IS NOT NULL GROUP BY minute ORDER BY minute`,
        )
        .all(goal.id);
      expect(minutes).toEqual(perMinute);
      expect(db.prepare('SELECT count(*) AS n FROM outcome_minutes WHERE conversations < 0 OR achieved < 0').get()).toEqual({ n: 0 });

      // Late in the kept outcome's hour, on no hour or minute: progress adds the hourly counters before
      // that hour, the minute counters of that hour and the outcomes of its last minute.
      at = `${last?.occurred_at.slice(0, 13)}:59:30.000Z`;
      counted = db
        .prepare(
          `SELECT count(*) AS conversations, coalesce(sum(achieved), 0) AS achieved FROM outcomes
           WHERE goal_id = ? AND achieved IS NOT NULL AND occurred_at >= '2026-01-01T00:00:00.000Z' AND occurred_at < ?`,
        )
        .get(goal.id, at);
    } finally {
      db.close();
    }

    const listed = await invokeHttp(a.url, key, { resource: 'outcomes', action: 'list', data: { goalId: goal.id } });
    expect(listed.body.data.count).toBe(1);

    const progress = await invokeHttp(b.url, key, { resource: 'goals', action: 'progress', id: goal.id, data: { at } });
    expect(progress.status).toBe(200);
    const [day] = progress.body.data.targets;
    expect(day.window).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' });
    expect({ conversations: day.conversations, achieved: day.achieved }).toEqual(counted);
  }, 60_000);
});
