import { sql, type Kysely } from 'kysely';
import { prepareQuery } from '../db/prepared.js';
import type { Database, Db } from '../db/types.js';
import { ALL_SCOPES, decodeKeyScopes, encodeKeyScopes, grantedScopes, type KeyScopes, type Scope } from './scopes.js';

export interface KeyRecord {
  id: string;
  user_id: string;
  /** What the key holds in this version (an all-scopes key: every scope). */
  scopes: readonly Scope[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  is_admin: boolean;
}

export interface UserRecord {
  id: string;
  email: string | null;
  name: string | null;
  is_admin: boolean;
}

const keyByHash = prepareQuery<{ hash: string }>()((k, _shape, { hash }) =>
  k
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select([
      'api_keys.id',
      'api_keys.user_id',
      'api_keys.scopes',
      'api_keys.expires_at',
      'api_keys.revoked_at',
      'api_keys.last_used_at',
      'users.is_admin',
    ])
    .where('api_keys.hash', '=', hash),
);

export async function findKeyByHash(db: Db, hash: string): Promise<KeyRecord | undefined> {
  const row = await keyByHash.first(db, { hash });
  if (!row) return undefined;
  // Field by field (not `{ ...row, scopes }`): this runs on every request, and V8's spread with
  // more keys is slow on Node 20.
  return {
    id: row.id,
    user_id: row.user_id,
    scopes: grantedScopes(decodeKeyScopes(row.scopes)),
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    last_used_at: row.last_used_at,
    is_admin: row.is_admin === 1,
  };
}

const keyTouch = prepareQuery<{ keyId: string; now: string }>()((k, _shape, { keyId, now }) =>
  k.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId),
);

export async function touchKey(db: Db, keyId: string, now: string): Promise<void> {
  await keyTouch.run(db, { keyId, now });
}

async function findUserWhere(db: Db, column: 'id' | 'email', value: string): Promise<UserRecord | undefined> {
  const row = await db.kysely
    .selectFrom('users')
    .select(['id', 'email', 'name', 'is_admin'])
    .where(column, '=', value)
    .executeTakeFirst();
  return row && { ...row, is_admin: row.is_admin === 1 };
}

export const findUser = (db: Db, id: string) => findUserWhere(db, 'id', id);
export const findUserByEmail = (db: Db, email: string) => findUserWhere(db, 'email', email);

export async function countUsers(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Creates or refreshes the user a JWT names; a claim left out (undefined) keeps the stored value.
 * An email already held by another user is not copied (emails are unique), so a session can
 * never take over another account's address.
 */
export async function upsertSessionUser(
  db: Db,
  user: { id: string; email?: string | undefined; name?: string | undefined },
  now: string,
): Promise<void> {
  const taken = (claimed: string) =>
    sql<boolean>`EXISTS (SELECT 1 FROM users AS other WHERE other.email = ${claimed} AND other.id <> ${user.id})`;
  // A new user gets no email when it is taken; an existing one keeps the email it has.
  const insertEmail = user.email === undefined ? null : sql<string | null>`CASE WHEN ${taken(user.email)} THEN NULL ELSE ${user.email} END`;
  const updateEmail = user.email === undefined ? undefined : sql<string | null>`CASE WHEN ${taken(user.email)} THEN users.email ELSE ${user.email} END`;
  const changes = { ...(updateEmail !== undefined ? { email: updateEmail } : {}), ...(user.name !== undefined ? { name: user.name } : {}) };
  await db.kysely
    .insertInto('users')
    .values({ id: user.id, email: insertEmail, name: user.name ?? null, is_admin: 0, created_at: now })
    .onConflict((oc) =>
      Object.keys(changes).length > 0
        ? oc
            .column('id')
            .doUpdateSet(changes)
            // Unchanged values write nothing: a session whose email is taken must not cost a write per request.
            .where((eb) =>
              eb.or([
                ...(updateEmail !== undefined ? [eb('users.email', 'is not', updateEmail)] : []),
                ...(user.name !== undefined ? [eb('users.name', 'is not', user.name)] : []),
              ]),
            )
        : oc.column('id').doNothing(),
    )
    .execute();
}

export interface NewKeyRow {
  keyId: string;
  hash: string;
  prefix: string;
  lastFour: string;
  scopes: KeyScopes;
  expiresAt: string | null;
}

export interface NewUserRow {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
}

/**
 * The statements that create a user (unless one with that email exists) and a key for the user
 * with that email. Compiled, not run, so the same SQL can run here or be printed for D1.
 */
export function userAndKeyStatements(k: Kysely<Database>, user: NewUserRow, key: NewKeyRow, now: string) {
  const insertUser = k
    .insertInto('users')
    .values({ id: user.id, email: user.email, name: user.name, is_admin: user.isAdmin ? 1 : 0, created_at: now })
    .onConflict((oc) => oc.column('email').doNothing());
  // The admin flag is raised, never lowered, when --admin is given for an existing user.
  const promote = k.updateTable('users').set({ is_admin: 1 }).where('email', '=', user.email);
  const insertKey = k
    .insertInto('api_keys')
    .columns(['id', 'user_id', 'hash', 'prefix', 'last_four', 'scopes', 'created_at', 'expires_at'])
    .expression((eb) =>
    eb
      .selectFrom('users')
      .select([
        eb.val(key.keyId).as('id'),
        'users.id as user_id',
        eb.val(key.hash).as('hash'),
        eb.val(key.prefix).as('prefix'),
        eb.val(key.lastFour).as('last_four'),
        eb.val(encodeKeyScopes(key.scopes)).as('scopes'),
        eb.val(now).as('created_at'),
        eb.val(key.expiresAt).as('expires_at'),
      ])
      .where('users.email', '=', user.email),
  );
  return [insertUser, ...(user.isAdmin ? [promote] : []), insertKey];
}

export async function createUserAndKey(db: Db, user: NewUserRow, key: NewKeyRow, now: string): Promise<void> {
  await db.atomic(userAndKeyStatements(db.kysely, user, key, now).map((q) => q.compile()));
}

export interface KeySummary {
  id: string;
  prefix: string;
  last_four: string;
  /** As stored: ["*"] for an all-scopes key, else exactly its scopes. */
  scopes: readonly string[];
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** The key's owner, as a last statement of printed SQL: it reports who the key went to. */
export const keyOwnerStatement = (k: Kysely<Database>, keyId: string) =>
  k.selectFrom('api_keys').select(['user_id', 'id as key_id']).where('id', '=', keyId);

export async function listKeys(db: Db, userId: string): Promise<KeySummary[]> {
  const rows = await db.kysely
    .selectFrom('api_keys')
    .select(['id', 'prefix', 'last_four', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => {
    const scopes = decodeKeyScopes(r.scopes);
    return { ...r, scopes: scopes === ALL_SCOPES ? [ALL_SCOPES] : scopes };
  });
}

/** Returns false when there is no such key. Revoking twice keeps the first revocation time. */
export async function revokeKey(db: Db, keyId: string, now: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable('api_keys')
    .set({ revoked_at: sql<string>`coalesce(revoked_at, ${now})` })
    .where('id', '=', keyId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
