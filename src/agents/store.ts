import { expressionBuilder, sql, type Expression, type SqlBool } from 'kysely';
import { afterCursor, nameContains, ownerColumns, runList, toOwner, whereAll, type CountArgs, type OwnerColumns, type PageArgs, type PageRequest } from '../db/listing.js';
import { ownedBy, ownerConditions, type Access } from '../db/owner-scope.js';
import { prepareQuery } from '../db/prepared.js';
import type { AgentsTable, Database, Db } from '../db/types.js';
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

const agentById = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k.selectFrom('agents').select(selection(access)).where('agents.id', '=', id).where(ownedBy('agents', access)),
);

export async function findAgent(db: Db, access: Access, id: string): Promise<Agent | undefined> {
  const row = await agentById.first(db, { access, id });
  return row && toAgent(row, access);
}

const agentOwner = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k.selectFrom('agents').select('agents.owner_id').where('agents.id', '=', id).where(ownedBy('agents', access)),
);

/** The agent's owner, for rules that compare owners. */
export async function findAgentOwner(db: Db, access: Access, id: string): Promise<string | undefined> {
  return (await agentOwner.first(db, { access, id }))?.owner_id;
}

export interface AgentFilters {
  q?: string | undefined;
  ownerId?: string | undefined;
}

function filtersOf(access: Access, f: AgentFilters): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, 'agents'>();
  return [
    ...ownerConditions('agents', access),
    ...(f.ownerId !== undefined ? [eb('agents.owner_id', '=', f.ownerId)] : []),
    ...(f.q !== undefined ? [nameContains('agents', f.q)] : []),
  ];
}

const agentPage = prepareQuery((k, { access, filters, cursor, take, skip }: PageArgs<AgentFilters>) =>
  k
    .selectFrom('agents')
    .select(selection(access))
    .$call(whereAll([...filtersOf(access, filters), ...(cursor ? [afterCursor('agents', cursor)] : [])]))
    .orderBy('agents.created_at', 'desc')
    .orderBy('agents.id', 'desc')
    .limit(take)
    .offset(skip),
);

const agentCount = prepareQuery((k, { access, filters }: CountArgs<AgentFilters>) =>
  k
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$call(whereAll(filtersOf(access, filters))),
);

export async function listAgents(
  db: Db,
  access: Access,
  filters: AgentFilters,
  page: PageRequest,
): Promise<{ items: Agent[]; count: number }> {
  return runList(db, { page: agentPage, count: agentCount }, access, filters, page, toAgent);
}

export interface NewAgent {
  id: string;
  name: string;
  description: string | null;
}

const agentInsert = prepareQuery((k, { access, agent, now }: { access: Access; agent: NewAgent; now: string }) =>
  k
    .insertInto('agents')
    .values({ ...agent, owner_id: access.userId, created_at: now, updated_at: now })
    .returning(selection(access)),
);

/** A new agent belongs to the caller, in admin mode too. */
export async function insertAgent(db: Db, access: Access, agent: NewAgent, now: string): Promise<Agent> {
  const row = await agentInsert.first(db, { access, agent, now });
  if (!row) throw new Error('The agent insert returned no row.');
  return toAgent(row, access);
}

type AgentPatch = Partial<Omit<NewAgent, 'id'>>;

const agentUpdate = prepareQuery((k, { access, id, patch, now }: { access: Access; id: string; patch: AgentPatch; now: string }) =>
  k
    .updateTable('agents')
    .set({ ...patch, updated_at: now })
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .returning(selection(access)),
);

export async function updateAgent(db: Db, access: Access, id: string, patch: AgentPatch, now: string): Promise<Agent | undefined> {
  const row = await agentUpdate.first(db, { access, id, patch, now });
  return row && toAgent(row, access);
}

const agentDelete = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k
    .deleteFrom('agents')
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('goals').select(sql`1`.as('one')).whereRef('goals.agent_id', '=', 'agents.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('outcomes').select(sql`1`.as('one')).whereRef('outcomes.agent_id', '=', 'agents.id'))))
    .returning('agents.id'),
);

const agentDependents = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k
    .selectFrom('agents')
    .select((eb) => [
      eb.exists(eb.selectFrom('goals').select(sql`1`.as('one')).whereRef('goals.agent_id', '=', 'agents.id')).as('has_goals'),
      eb.exists(eb.selectFrom('outcomes').select(sql`1`.as('one')).whereRef('outcomes.agent_id', '=', 'agents.id')).as('has_outcomes'),
    ])
    .where('agents.id', '=', id)
    .where(ownedBy('agents', access)),
);

/**
 * Deletes the agent unless it still owns goals or outcomes name it (checked in the same
 * statement); its attachment goes with it. Otherwise says what stopped it.
 */
export async function deleteAgent(db: Db, access: Access, id: string): Promise<'deleted' | 'has-goals' | 'has-outcomes' | 'missing'> {
  const row = await agentDelete.first(db, { access, id });
  if (row) return 'deleted';
  const deps = await agentDependents.first(db, { access, id });
  if (!deps) return 'missing';
  return Number(deps.has_goals) === 1 ? 'has-goals' : 'has-outcomes';
}
