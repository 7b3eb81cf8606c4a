import type { CompiledQuery, Generated, Kysely, QueryResult } from 'kysely';

export interface UsersTable {
  id: string;
  email: string | null;
  name: string | null;
  is_admin: number;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  hash: string;
  prefix: string;
  last_four: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AgentsTable {
  id: string;
  owner_id: string;
  name: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface GoalsTable {
  id: string;
  owner_id: string;
  agent_id: string;
  name: string;
  description: string | null;
  status: string;
  priority: number | null;
  fields: string;
  created_at: string;
  updated_at: string;
}

export interface AttachmentsTable {
  agent_id: string;
  goal_id: string;
  attached_at: string;
  replaced_goal_id: string | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  fingerprint: string;
  claim: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  locked_until: string;
  expires_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  owner_id: string;
  goal_id: string | null;
  agent_id: string | null;
  outcome_id: string | null;
  /** A JSON object. */
  data: string;
  occurred_at: string;
}

export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  goals: GoalsTable;
  attachments: AttachmentsTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
}

/**
 * The database as actions see it, identical on better-sqlite3 and D1.
 * There are no interactive transactions: a write is one statement, or several through `atomic`.
 */
export interface Db {
  readonly kysely: Kysely<Database>;
  /** Runs the statements as one all-or-nothing unit: a transaction on SQLite, `batch()` on D1. */
  atomic(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>;
  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
