import { sql, type Expression, type SqlBool } from 'kysely';
import type { Param, Params, Shape } from './prepared.js';

/**
 * Whose records a query may touch. `all` is admin mode; otherwise only `userId`'s.
 * Every query of an owned table goes through `ownedBy`, so the rule lives in one place.
 */
export interface Access {
  userId: string;
  all: boolean;
}

/** Access while a prepared query is built: the mode chooses the SQL, the user id is bound. */
export interface AccessSql {
  all: boolean;
  userId: string | Param<string>;
}

/** The AccessSql of a prepared query whose arguments hold `access`. */
export const scoped = (shape: { access: Shape<Access> }, p: { access: Params<Access> }): AccessSql => ({
  all: shape.access.all,
  userId: p.access.userId,
});

export type OwnedTable = 'goals' | 'agents' | 'outcomes' | 'goal_tags' | 'events';

/**
 * The same rule as a list of conditions to AND: empty in admin mode, so a list with nothing else to
 * filter on sends no WHERE at all (SQLite then counts a table from its b-tree, without reading rows).
 */
export const ownerConditions = (table: OwnedTable, access: AccessSql): Expression<SqlBool>[] =>
  access.all ? [] : [sql<SqlBool>`${sql.ref(`${table}.owner_id`)} = ${access.userId}`];

export const ownedBy = (table: OwnedTable, access: AccessSql): Expression<SqlBool> =>
  ownerConditions(table, access)[0] ?? sql<SqlBool>`1 = 1`;
