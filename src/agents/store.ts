import { sql, type ExpressionBuilder } from 'kysely';
import { afterCursor, nameContains, ownerColumns, toOwner, type OwnerColumns } from '../db/listing.js';
import { ownedBy, type Access } from '../db/owner-scope.js';
import type { AgentsTable, Database, Db } from '../db/types.js';
import type { PageRequest } from '../db/listing.js';
import type { Agent } from './schemas.js';

type AgentRow = AgentsTable & { goal_id: string | null } & Partial<OwnerColumns>;

const attachedGoal = sql<string | null>`(SELECT goal_id FROM attachments WHERE attachments.agent_id = agents.id)`.as('goal_id');

const AGENT_COLUMNS = [
  'agents.id',
  'agents.owner_id',
  'agents.name',
  'agents.description',
  'agents.created_at',
  'agents.updated_at',
  attachedGoal,
] as const;

const selection = (access: Access) => (access.all ? [...AGENT_COLUMNS, ...ownerColumns('agents')] : AGENT_COLUMNS);

function toAgent(row: AgentRow, access: Access): Agent {
  const agent: Agent = {
    id: row.id,
    name: row.name,
    description: row.description,
    goal_id: row.goal_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return access.all ? { ...agent, owner: toOwner(row) } : agent;
}

export async function findAgent(db: Db, access: Access, id: string): Promise<Agent | undefined> {
  const row = await db.kysely
    .selectFrom('agents')
    .select(selection(access))
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .executeTakeFirst();
  return row && toAgent(row, access);
}

/** The agent's owner, for rules that compare owners. */
export async function findAgentOwner(db: Db, access: Access, id: string): Promise<string | undefined> {
  const row = await db.kysely
    .selectFrom('agents')
    .select('agents.owner_id')
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .executeTakeFirst();
  return row?.owner_id;
}

export interface AgentFilters {
  q?: string | undefined;
  ownerId?: string | undefined;
}

function filtersOf(eb: ExpressionBuilder<Database, 'agents'>, access: Access, f: AgentFilters) {
  return eb.and([
    ownedBy('agents', access),
    ...(f.ownerId !== undefined ? [eb('agents.owner_id', '=', f.ownerId)] : []),
    ...(f.q !== undefined ? [nameContains('agents', f.q)] : []),
  ]);
}

export async function listAgents(
  db: Db,
  access: Access,
  filters: AgentFilters,
  page: PageRequest,
): Promise<{ items: Agent[]; count: number }> {
  const { cursor, offset } = page;
  const rows = await db.kysely
    .selectFrom('agents')
    .select(selection(access))
    .where((eb) => (cursor ? eb.and([filtersOf(eb, access, filters), afterCursor('agents', cursor)]) : filtersOf(eb, access, filters)))
    .orderBy('agents.created_at', 'desc')
    .orderBy('agents.id', 'desc')
    .limit(page.limit + 1)
    .offset(offset ?? 0)
    .execute();
  const { n } = await db.kysely
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => filtersOf(eb, access, filters))
    .executeTakeFirstOrThrow();
  return { items: rows.map((r) => toAgent(r, access)), count: Number(n) };
}

export interface NewAgent {
  id: string;
  name: string;
  description: string | null;
}

/** A new agent belongs to the caller, in admin mode too. */
export async function insertAgent(db: Db, access: Access, agent: NewAgent, now: string): Promise<Agent> {
  const row = await db.kysely
    .insertInto('agents')
    .values({ ...agent, owner_id: access.userId, created_at: now, updated_at: now })
    .returning(selection(access))
    .executeTakeFirstOrThrow();
  return toAgent(row, access);
}

export async function updateAgent(
  db: Db,
  access: Access,
  id: string,
  patch: Partial<Omit<NewAgent, 'id'>>,
  now: string,
): Promise<Agent | undefined> {
  const row = await db.kysely
    .updateTable('agents')
    .set({ ...patch, updated_at: now })
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .returning(selection(access))
    .executeTakeFirst();
  return row && toAgent(row, access);
}

/**
 * Deletes the agent unless it still owns goals (checked in the same statement); its attachment
 * goes with it. 'has-goals' when goals stop it, 'missing' when no visible agent matched.
 */
export async function deleteAgent(db: Db, access: Access, id: string): Promise<'deleted' | 'has-goals' | 'missing'> {
  const row = await db.kysely
    .deleteFrom('agents')
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('goals').select(sql`1`.as('one')).whereRef('goals.agent_id', '=', 'agents.id'))))
    .returning('agents.id')
    .executeTakeFirst();
  if (row) return 'deleted';
  return (await findAgentOwner(db, access, id)) === undefined ? 'missing' : 'has-goals';
}
