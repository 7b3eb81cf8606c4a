import { sql, type Expression, type SqlBool } from 'kysely';

/**
 * Whose records a query may touch. `all` is admin mode; otherwise only `userId`'s.
 * Every query of an owned table goes through `ownedBy`, so the rule lives in one place.
 */
export interface Access {
  userId: string;
  all: boolean;
}

export type OwnedTable = 'goals' | 'agents';

export const ownedBy = (table: OwnedTable, access: Access): Expression<SqlBool> =>
  access.all ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.ref(`${table}.owner_id`)} = ${access.userId}`;
