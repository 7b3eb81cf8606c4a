import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { SCOPES } from '../src/auth/scopes.js';
import { migrate, schemaDrift } from '../src/db/migrate.js';
import { readMigrations } from '../src/db/sqlite.js';

/**
 * The benchmark's data. Three users matter: the reader (the read scenarios), the writer (create,
 * attach, record) and the admin. The reader owns the same goals at every table size, so a read scenario
 * measured at 10,000 and at 1,000,000 rows does the same work unless the table size leaks in. One of
 * the reader's goals, the tracked goal, has targets and `outcomes` outcomes in its current window.
 */
export interface SeedOptions {
  path: string;
  rows: number;
  users: number;
  agents: number;
  outcomes: number;
}

export interface Fixture {
  rows: number;
  users: number;
  agents: number;
  keys: { admin: string; reader: string; writer: string };
  reader: {
    goalIds: string[];
    /** The agent the filtered list asks for (it has goals of every status). */
    agentId: string;
    /** A cursor 60 rows before the end of the reader's goals: a full page at the deep end. */
    deepCursor: string;
    /** Position of the deep cursor in the reader's list. */
    deepPosition: number;
  };
  /** The writer's goals all have BENCH_FIELDS as lead-info fields, which RECORD_VALUES fill. */
  writer: { agentIds: string[]; goalIds: string[] };
  /** The reader's goal with targets and all the seeded outcomes, and the instant its progress is asked at. */
  tracked: { goalId: string; at: string; outcomes: number };
  seconds: number;
  bytes: number;
}

export const READER_GOALS = 1_000;
const READER_AGENTS = 5;
const WRITER_AGENTS = 20;
const WRITER_GOALS = 200;
const STATUSES = ['active', 'active', 'paused', 'draft', 'archived'] as const;

/** Lead-info fields as a client would send them, in a few shapes so rows are not all alike. */
const FIELD_SETS = [
  [
    { key: 'email', label: 'Email address', type: 'email', required: true, description: 'Ask after the meeting time is agreed', options: null },
    { key: 'full_name', label: 'Full name', type: 'text', required: true, description: null, options: null },
    { key: 'contact_time', label: 'Preferred contact time', type: 'enum', required: false, description: null, options: ['morning', 'afternoon', 'evening'] },
  ],
  [
    { key: 'phone', label: 'Phone number', type: 'phone', required: true, description: 'With country code', options: null },
    { key: 'company', label: 'Company', type: 'text', required: false, description: null, options: null },
  ],
  [
    { key: 'budget', label: 'Monthly budget', type: 'number', required: false, description: 'In euros', options: null },
    { key: 'start_date', label: 'Start date', type: 'date', required: false, description: null, options: null },
    { key: 'website', label: 'Website', type: 'url', required: false, description: null, options: null },
    { key: 'newsletter', label: 'Newsletter opt-in', type: 'boolean', required: false, description: null, options: null },
  ],
].map((set) => JSON.stringify(set));

export const BENCH_FIELDS = JSON.parse(FIELD_SETS[0] ?? '[]') as unknown[];
/** Values for every one of BENCH_FIELDS, as a client recording an outcome sends them. */
export const RECORD_VALUES = { email: 'ana@example.com', full_name: 'Ana Lima', contact_time: 'morning' };

const newKey = () => `gp_${randomBytes(32).toString('base64url')}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const encodeCursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');
/** One goal per second of a timeline; agents and users come before every goal. */
const at = (i: number) => new Date(BASE_TIME + i * 1000).toISOString();

export function seed({ path, rows, users, agents, outcomes }: SeedOptions): Fixture {
  if (rows < 2 * (READER_GOALS + WRITER_GOALS)) throw new Error(`--rows must be at least ${2 * (READER_GOALS + WRITER_GOALS)}`);
  if (users < 10 || agents < users + READER_AGENTS + WRITER_AGENTS) throw new Error('need at least 10 users and more agents than users');
  const started = performance.now();
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  // Built as the server builds it, so it finds every migration applied and has nothing to do.
  migrate(db, readMigrations());

  const insertUser = db.prepare('INSERT INTO users (id, email, name, is_admin, created_at) VALUES (?, ?, ?, ?, ?)');
  const insertKey = db.prepare(
    'INSERT INTO api_keys (id, user_id, hash, prefix, last_four, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertAgent = db.prepare(
    'INSERT INTO agents (id, owner_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertGoal = db.prepare(
    `INSERT INTO goals (id, owner_id, agent_id, name, description, status, priority, fields, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAttachment = db.prepare('INSERT INTO attachments (agent_id, goal_id, attached_at) VALUES (?, ?, ?)');
  const scopes = JSON.stringify(SCOPES);
  const early = new Date(BASE_TIME - 86_400_000).toISOString();

  const fixture = db.transaction(() => {
    // Users: 0 admin, 1 reader, 2 writer, the rest ordinary. Every user has a key.
    const userIds: string[] = [];
    const plainKeys: string[] = [];
    for (let u = 0; u < users; u += 1) {
      const id = randomUUID();
      userIds.push(id);
      insertUser.run(id, `user${u}@bench.example`, `Bench user ${u}`, u === 0 ? 1 : 0, early);
      const key = newKey();
      plainKeys.push(key);
      insertKey.run(randomUUID(), id, sha256(key), key.slice(0, 8), key.slice(-4), scopes, early);
    }
    const userAt = (u: number) => userIds[u] ?? '';

    // Agents: the reader's and the writer's first, the rest round-robin over ordinary users.
    const agentOwner: number[] = [];
    const agentIds: string[] = [];
    for (let a = 0; a < agents; a += 1) {
      const owner = a < READER_AGENTS ? 1 : a < READER_AGENTS + WRITER_AGENTS ? 2 : 3 + (a % (users - 3));
      const id = randomUUID();
      agentIds.push(id);
      agentOwner.push(owner);
      insertAgent.run(id, userAt(owner), `Agent ${a}`, a % 3 === 0 ? null : `Handles inbound calls, line ${a}`, early, early);
    }
    const ordinaryAgents = agents - READER_AGENTS - WRITER_AGENTS;

    // Goals along one timeline; the reader's and the writer's are spread evenly through it.
    const readerStride = Math.floor(rows / READER_GOALS);
    const writerStride = Math.floor(rows / WRITER_GOALS);
    const readerGoals: { id: string; createdAt: string }[] = [];
    const writerGoals: string[] = [];
    let ordinary = 0;
    const attached = new Set<number>();
    for (let i = 0; i < rows; i += 1) {
      const id = randomUUID();
      let agent: number;
      let status: string;
      let fields = FIELD_SETS[i % FIELD_SETS.length];
      if (i % readerStride === 0 && readerGoals.length < READER_GOALS) {
        agent = readerGoals.length % READER_AGENTS;
        status = STATUSES[Math.floor(readerGoals.length / READER_AGENTS) % STATUSES.length] ?? 'active';
        readerGoals.push({ id, createdAt: at(i) });
      } else if (i % writerStride === 1 && writerGoals.length < WRITER_GOALS) {
        agent = READER_AGENTS + (writerGoals.length % WRITER_AGENTS);
        status = 'active';
        writerGoals.push(id);
        fields = FIELD_SETS[0];
      } else {
        agent = READER_AGENTS + WRITER_AGENTS + (ordinary % ordinaryAgents);
        status = STATUSES[ordinary % STATUSES.length] ?? 'active';
        ordinary += 1;
      }
      const agentId = agentIds[agent] ?? '';
      insertGoal.run(
        id,
        userAt(agentOwner[agent] ?? 0),
        agentId,
        `Goal ${i}: book a qualified meeting`,
        i % 4 === 0 ? null : 'The call ends with a confirmed meeting time and the lead-info fields collected.',
        status,
        i % 5 === 0 ? null : i % 101,
        fields ?? '[]',
        at(i),
        at(i),
      );
      if (status !== 'archived' && !attached.has(agent)) {
        attached.add(agent);
        insertAttachment.run(agentId, id, at(i));
      }
    }

    // Newest first: position p of the reader's list is readerGoals[length - 1 - p].
    const deepPosition = READER_GOALS - 60;
    const deep = readerGoals[READER_GOALS - 1 - deepPosition];
    if (!deep) throw new Error('seed: reader has too few goals');
    return {
      keys: { admin: plainKeys[0] ?? '', reader: plainKeys[1] ?? '', writer: plainKeys[2] ?? '' },
      reader: {
        goalIds: readerGoals.map((g) => g.id),
        agentId: agentIds[0] ?? '',
        deepCursor: encodeCursor(deep.createdAt, deep.id),
        deepPosition,
      },
      writer: { agentIds: agentIds.slice(READER_AGENTS, READER_AGENTS + WRITER_AGENTS), goalIds: writerGoals },
    };
  })();
  const tracked = seedOutcomes(db, fixture.reader.goalIds[0] ?? '', outcomes);
  selfCheck(db);

  db.pragma('wal_checkpoint(TRUNCATE)');
  const { n: bytes } = db.prepare('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get() as { n: number };
  db.close();
  return { rows, users, agents, ...fixture, tracked, seconds: (performance.now() - started) / 1000, bytes };
}

/**
 * The tracked goal's progress is asked as of TRACKED_AT, a Thursday mid-hour in Paris time: its week
 * began on Monday 00:00 (TRACKED_WEEK_START in UTC), and its outcomes are spread evenly over the
 * 84.5 hours between, so progress sums whole hours from the hourly counters and the half hour
 * before TRACKED_AT from the minute counters, as it does for a goal asked "now".
 */
export const TRACKED_AT = '2025-03-13T11:30:00.000Z';
const TRACKED_WEEK_START = Date.parse('2025-03-09T23:00:00.000Z');

/**
 * Gives the goal a weekly count target and a monthly rate target, and `n` outcomes of its own
 * agent in its current week (four in ten achieved, one in ten without a verdict). The hourly and
 * minute counters are filled by the schema's own triggers, as every write of the server fills them.
 */
function seedOutcomes(db: BetterSqlite3.Database, goalId: string, n: number): Fixture['tracked'] {
  const target = { target_count: null, target_rate: null, is_primary: false, start_date: null, deadline: null };
  const targets = [
    { ...target, id: randomUUID(), period: 'week', target_type: 'count', target_count: Math.max(1, Math.round(n / 2)), is_primary: true },
    { ...target, id: randomUUID(), period: 'month', target_type: 'rate', target_rate: 40 },
  ];
  const goal = db
    .prepare("UPDATE goals SET timezone = 'Europe/Paris', targets = ?, fields = ? WHERE id = ? RETURNING owner_id, agent_id")
    .get(JSON.stringify(targets), FIELD_SETS[0], goalId) as { owner_id: string; agent_id: string } | undefined;
  if (!goal) throw new Error('seed: no goal to track');
  const insertOutcome = db.prepare(
    `INSERT INTO outcomes (id, owner_id, goal_id, agent_id, conversation_id, contact_id, achieved, field_values, missing_required,
       source, occurred_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'api', ?, ?, ?)`,
  );
  const values = JSON.stringify(RECORD_VALUES);
  const noneMissing = JSON.stringify([]);
  const step = (Date.parse(TRACKED_AT) - TRACKED_WEEK_START) / n;
  // Indexes built once at the end are three times faster to seed than kept row by row; they are
  // recreated from their own definitions, so the schema stays exactly the migrations'.
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outcomes' AND sql IS NOT NULL").all() as {
    name: string;
    sql: string;
  }[];
  db.transaction(() => {
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
    for (let j = 0; j < n; j += 1) {
      const occurredAt = new Date(TRACKED_WEEK_START + Math.floor((j + 0.5) * step)).toISOString();
      const verdict = j % 10;
      const achieved = verdict === 9 ? null : verdict < 4 ? 1 : 0;
      insertOutcome.run(randomUUID(), goal.owner_id, goalId, goal.agent_id, `call_${j}`, `lead_${j % 5000}`, achieved, values, noneMissing, occurredAt, occurredAt, occurredAt);
    }
    for (const index of indexes) db.exec(index.sql);
  })();
  return { goalId, at: TRACKED_AT, outcomes: n };
}

/**
 * The seed must be what the server would have written: the schema exactly the migrations' (the
 * outcome indexes were rebuilt), and the hourly counters equal to a recount of the outcomes.
 */
function selfCheck(db: BetterSqlite3.Database): void {
  const scratch = new BetterSqlite3(':memory:');
  const drift = schemaDrift(db, scratch, readMigrations());
  scratch.close();
  if (drift.length > 0) throw new Error(`seed: the schema differs from the migrations': ${drift.join('; ')}`);
  const recount = `SELECT goal_id, substr(occurred_at, 1, 13) AS hour, count(*) AS conversations, sum(achieved) AS achieved
    FROM outcomes WHERE achieved IS NOT NULL GROUP BY goal_id, hour`;
  const counters = 'SELECT goal_id, hour, conversations, achieved FROM outcome_hours WHERE conversations > 0';
  const differing = (a: string, b: string) => `(SELECT count(*) FROM (${a} EXCEPT ${b}))`;
  const { n } = db.prepare(`SELECT ${differing(recount, counters)} + ${differing(counters, recount)} AS n`).get() as { n: number };
  if (n !== 0) throw new Error(`seed: ${n} hourly counters differ from a recount of the outcomes`);
}
