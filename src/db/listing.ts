import { expressionBuilder, sql, type AliasedRawBuilder, type Expression, type SqlBool } from 'kysely';
import type { Cursor, PageRequest } from '../rpc/pagination.js';
import type { Owner } from '../rpc/common-schemas.js';
import type { Access, OwnedTable } from './owner-scope.js';
import type { Param, Params, PreparedQuery } from './prepared.js';
import type { Db } from './types.js';

/** Rows strictly after the cursor in newest-first order; uses the (…, created_at, id) indexes. */
export const afterCursor = (table: OwnedTable, cursor: Params<Cursor>): Expression<SqlBool> =>
  sql<SqlBool>`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)}) < (${cursor.createdAt}, ${cursor.id})`;

/** ANDs the conditions into the query's WHERE; with none, the query keeps no WHERE at all. */
export const whereAll =
  (conditions: readonly Expression<SqlBool>[]) =>
  <QB extends { where(expression: Expression<SqlBool>): QB }>(qb: QB): QB => {
    if (conditions.length === 0) return qb;
    return qb.where(expressionBuilder().and([...conditions]));
  };

/** Literal, ASCII case-insensitive substring match: `%` and `_` are plain characters here. */
export const nameContains = (table: OwnedTable, q: Param<string>): Expression<SqlBool> =>
  sql<SqlBool>`instr(lower(${sql.ref(`${table}.name`)}), lower(${q})) > 0`;

export interface OwnerColumns {
  owner_email: string | null;
  owner_name: string | null;
}

/** The owner's email and name as columns, for admin mode; works in SELECT and RETURNING. */
export const ownerColumns = (
  table: OwnedTable,
): [AliasedRawBuilder<string | null, 'owner_email'>, AliasedRawBuilder<string | null, 'owner_name'>] => [
  sql<string | null>`(SELECT email FROM users WHERE users.id = ${sql.ref(`${table}.owner_id`)})`.as('owner_email'),
  sql<string | null>`(SELECT name FROM users WHERE users.id = ${sql.ref(`${table}.owner_id`)})`.as('owner_name'),
];

export const toOwner = (row: { owner_id: string } & Partial<OwnerColumns>): Owner => ({
  id: row.owner_id,
  email: row.owner_email ?? null,
  name: row.owner_name ?? null,
});

/**
 * The item with its owner in admin mode. Assigned rather than `{ ...item, owner }`: a spread that
 * adds a key takes V8's slow path on Node 20, and an admin list makes one per row.
 */
export function withOwner<T extends { owner?: Owner }>(item: T, row: { owner_id: string } & Partial<OwnerColumns>, access: Access): T {
  if (access.all) item.owner = toOwner(row);
  return item;
}

export type { PageRequest };

/** The arguments of a list's page query: whose rows, which filters, and where the page starts. */
export interface PageArgs<F> {
  access: Access;
  filters: F;
  cursor: Cursor | undefined;
  /** The page size plus one: the extra row only tells whether there is a next page. */
  take: number;
  skip: number;
}

export type CountArgs<F> = Pick<PageArgs<F>, 'access' | 'filters'>;

/** Runs a list's page query and its count query, and maps the rows: one page and the filtered total. */
export async function runList<F, R, T>(
  db: Db,
  queries: { page: PreparedQuery<PageArgs<F>, R>; count: PreparedQuery<CountArgs<F>, { n: number }> },
  access: Access,
  filters: F,
  request: PageRequest,
  toItem: (row: R, access: Access) => T,
): Promise<{ items: T[]; count: number }> {
  const args = { access, filters, cursor: request.cursor, take: request.limit + 1, skip: request.offset ?? 0 };
  const rows = await queries.page.all(db, args);
  const counted = await queries.count.first(db, { access, filters });
  return { items: rows.map((row) => toItem(row, access)), count: Number(counted?.n ?? 0) };
}
