import { expressionBuilder, sql, type Expression, type SqlBool } from 'kysely';
import { afterCursor, nameContains, ownerColumns, runList, whereAll, withOwner, type CountArgs, type OwnerColumns, type PageArgs, type PageRequest } from '../db/listing.js';
import { ownedBy, ownerConditions, scoped, type Access } from '../db/owner-scope.js';
import { prepareQuery, type Params, type Shape } from '../db/prepared.js';
import type { AgentsTable, Database, Db } from '../db/types.js';
import { changedRows, eventColumns, insertEvents, jsonKeysWhere } from '../events/store.js';
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

const selection = (access: { all: boolean }) => (access.all ? [...AGENT_COLUMNS, ...ownerColumns('agents')] : AGENT_COLUMNS);

function toAgent(row: AgentRow, access: Access): Agent {
  const agent: Agent = {
    id: row.id,
    name: row.name,
    description: row.description,
    goal_id: row.goal_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return withOwner(agent, row, access);
}

const agentById = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.selectFrom('agents').select(selection(s.access)).where('agents.id', '=', p.id).where(ownedBy('agents', scoped(s, p))),
);

export async function findAgent(db: Db, access: Access, id: string): Promise<Agent | undefined> {
  const row = await agentById.first(db, { access, id });
  return row && toAgent(row, access);
}

const agentOwner = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.selectFrom('agents').select('agents.owner_id').where('agents.id', '=', p.id).where(ownedBy('agents', scoped(s, p))),
);

/** The agent's owner, for rules that compare owners. */
export async function findAgentOwner(db: Db, access: Access, id: string): Promise<string | undefined> {
  return (await agentOwner.first(db, { access, id }))?.owner_id;
}

export interface AgentFilters {
  q?: string | undefined;
  ownerId?: string | undefined;
}

function filtersOf(s: Shape<CountArgs<AgentFilters>>, p: Params<CountArgs<AgentFilters>>): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, 'agents'>();
  return [
    ...ownerConditions('agents', scoped(s, p)),
    ...(s.filters.ownerId ? [eb('agents.owner_id', '=', p.filters.ownerId)] : []),
    ...(s.filters.q ? [nameContains('agents', p.filters.q)] : []),
  ];
}

const agentPage = prepareQuery<PageArgs<AgentFilters>>()((k, s, p) =>
  k
    .selectFrom('agents')
    .select(selection(s.access))
    .$call(whereAll([...filtersOf(s, p), ...(s.cursor ? [afterCursor('agents', p.cursor)] : [])]))
    .orderBy('agents.created_at', 'desc')
    .orderBy('agents.id', 'desc')
    .limit(p.take)
    .offset(p.skip),
);

const agentCount = prepareQuery<CountArgs<AgentFilters>>()((k, s, p) =>
  k
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$call(whereAll(filtersOf(s, p))),
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

const agentInsert = prepareQuery<{ access: Access; agent: NewAgent; now: string }>()((k, s, p) =>
  k
    .insertInto('agents')
    .values({ ...p.agent, owner_id: p.access.userId, created_at: p.now, updated_at: p.now })
    .returning(selection(s.access)),
);

const agentCreatedEvent = prepareQuery<{ id: string; now: string }>()((k, _s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('agents')
      .select(eventColumns({ type: 'agent.created', owner_id: sql.ref('agents.owner_id'), agent_id: sql.ref('agents.id'), occurred_at: p.now }))
      .where('agents.id', '=', p.id)
      .where(changedRows),
  ),
);

/** A new agent belongs to the caller, in admin mode too; its agent.created is in the same batch. */
export async function insertAgent(db: Db, access: Access, agent: NewAgent, now: string): Promise<Agent> {
  const [inserted] = await db.atomic([agentInsert.compile(db, { access, agent, now }), agentCreatedEvent.compile(db, { id: agent.id, now })]);
  const row = inserted?.rows[0] as AgentRow | undefined;
  if (!row) throw new Error('The agent insert returned no row.');
  return toAgent(row, access);
}

type AgentPatch = Partial<Omit<NewAgent, 'id'>>;
type UpdateArgs = { access: Access; id: string; patch: AgentPatch; now: string };

/** Each patched key with whether its stored value differs (IS NOT: NULL-safe). */
const differences = (s: Shape<UpdateArgs>, p: Params<UpdateArgs>): [string, Expression<SqlBool>][] =>
  (Object.keys(s.patch) as (keyof AgentPatch)[])
    .filter((key) => s.patch[key] === true)
    .map((key) => [key, sql<SqlBool>`${sql.ref(`agents.${key}`)} IS NOT ${p.patch[key]}`]);

const anyDiffers = (s: Shape<UpdateArgs>, p: Params<UpdateArgs>): Expression<SqlBool> =>
  expressionBuilder<Database, 'agents'>().or(differences(s, p).map(([, differs]) => differs));

// A patch to the same values keeps updated_at, so a repeat changes nothing (and emits nothing).
const agentUpdate = prepareQuery<UpdateArgs>()((k, s, p) =>
  k
    .updateTable('agents')
    .set({ ...p.patch, updated_at: sql<string>`CASE WHEN ${anyDiffers(s, p)} THEN ${p.now} ELSE agents.updated_at END` })
    .where('agents.id', '=', p.id)
    .where(ownedBy('agents', scoped(s, p)))
    .returning(selection(s.access)),
);

// Runs before the update, on the same row, to see the values it replaces.
const agentUpdatedEvent = prepareQuery<UpdateArgs>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('agents')
      .select(
        eventColumns({
          type: 'agent.updated',
          owner_id: sql.ref('agents.owner_id'),
          agent_id: sql.ref('agents.id'),
          data: sql<string>`json_object('changed', ${jsonKeysWhere(differences(s, p))})`,
          occurred_at: p.now,
        }),
      )
      .where('agents.id', '=', p.id)
      .where(ownedBy('agents', scoped(s, p)))
      .where(anyDiffers(s, p)),
  ),
);

/** Nothing is written only for an agent the caller cannot see; agent.updated only when a value changes. */
export async function updateAgent(
  db: Db,
  access: Access,
  id: string,
  patch: AgentPatch,
  now: string,
): Promise<{ kind: 'updated'; agent: Agent } | { kind: 'missing' }> {
  const args = { access, id, patch, now };
  const [, updated] = await db.atomic([agentUpdatedEvent.compile(db, args), agentUpdate.compile(db, args)]);
  const row = updated?.rows[0] as AgentRow | undefined;
  return row ? { kind: 'updated', agent: toAgent(row, access) } : { kind: 'missing' };
}

type DeleteArgs = { access: Access; id: string };

/** The agent a delete removes: the caller's, owning no goals and named by no outcome. */
function deletable(s: Shape<DeleteArgs>, p: Params<DeleteArgs>): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'agents'>();
  return eb.and([
    eb('agents.id', '=', p.id),
    ownedBy('agents', scoped(s, p)),
    eb.not(eb.exists(eb.selectFrom('goals').select(sql`1`.as('one')).whereRef('goals.agent_id', '=', 'agents.id'))),
    eb.not(eb.exists(eb.selectFrom('outcomes').select(sql`1`.as('one')).whereRef('outcomes.agent_id', '=', 'agents.id'))),
  ]);
}

const agentDelete = prepareQuery<DeleteArgs>()((k, s, p) => k.deleteFrom('agents').where(deletable(s, p)).returning('agents.id'));

// Before the delete, while the attachment it takes along is still there to be named.
const agentDeletedEvent = prepareQuery<DeleteArgs & { now: string }>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('agents')
      .select(
        eventColumns({
          type: 'agent.deleted',
          owner_id: sql.ref('agents.owner_id'),
          agent_id: sql.ref('agents.id'),
          data: sql<string>`json_object('detached_goal_id', ${attachedGoal.expression})`,
          occurred_at: p.now,
        }),
      )
      .where(deletable(s, p)),
  ),
);

const agentDependents = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k
    .selectFrom('agents')
    .select((eb) => [
      eb.exists(eb.selectFrom('goals').select(sql`1`.as('one')).whereRef('goals.agent_id', '=', 'agents.id')).as('has_goals'),
      eb.exists(eb.selectFrom('outcomes').select(sql`1`.as('one')).whereRef('outcomes.agent_id', '=', 'agents.id')).as('has_outcomes'),
    ])
    .where('agents.id', '=', p.id)
    .where(ownedBy('agents', scoped(s, p))),
);

/**
 * Deletes the agent unless it still owns goals or outcomes name it (checked in the same
 * statement), with its agent.deleted; its attachment goes with it. Otherwise says what stopped it.
 */
export async function deleteAgent(db: Db, access: Access, id: string, now: string): Promise<'deleted' | 'has-goals' | 'has-outcomes' | 'missing'> {
  const [, deleted] = await db.atomic([agentDeletedEvent.compile(db, { access, id, now }), agentDelete.compile(db, { access, id })]);
  if ((deleted?.rows.length ?? 0) > 0) return 'deleted';
  const deps = await agentDependents.first(db, { access, id });
  if (!deps) return 'missing';
  return Number(deps.has_goals) === 1 ? 'has-goals' : 'has-outcomes';
}
