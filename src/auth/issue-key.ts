import { createSqlCompiler } from '../db/d1.js';
import type { Db } from '../db/types.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Ids } from '../platform/ids.js';
import { generateApiKey } from './api-keys.js';
import { ALL_SCOPES, type Scope } from './scopes.js';
import { countUsers, createUserAndKey, findUserByEmail, keyOwnerStatement, userAndKeyStatements } from './store.js';

export interface KeyRequest {
  email: string;
  name?: string | null;
  admin?: boolean;
  /** Omitted: an all-scopes key, which also holds the scopes later versions add. */
  scopes?: readonly Scope[];
  expiresAt?: string | null;
}

export interface IssuedKey {
  user_id: string;
  key_id: string;
  /** Shown once; only its hash is stored. */
  key: string;
}

/** The rows of a new key (and of its user, when the email is new); nothing is read or written. */
async function draft(request: KeyRequest, userId: string, clock: Clock, ids: Ids) {
  const secret = await generateApiKey();
  const keyId = ids.uuid();
  const user = { id: userId, email: request.email, name: request.name ?? null, isAdmin: request.admin ?? false };
  const key = {
    keyId,
    hash: secret.hash,
    prefix: secret.prefix,
    lastFour: secret.lastFour,
    scopes: request.scopes ?? ALL_SCOPES,
    expiresAt: request.expiresAt ?? null,
  };
  return { issued: { user_id: userId, key_id: keyId, key: secret.key }, user, key, now: isoNow(clock) };
}

/** Creates the user (unless the email exists: then the key is theirs) and a new key, atomically. */
export async function issueKey(db: Db, request: KeyRequest, clock: Clock, ids: Ids): Promise<IssuedKey> {
  const existing = await findUserByEmail(db, request.email);
  const { issued, user, key, now } = await draft(request, existing?.id ?? ids.uuid(), clock, ids);
  await createUserAndKey(db, user, key, now);
  const owner = await findUserByEmail(db, request.email);
  return { ...issued, user_id: owner?.id ?? issued.user_id };
}

/**
 * The same key as SQL to run on D1 elsewhere (wrangler), compiled without opening any database.
 * `user_id` is the id a new user gets: when the email already exists on D1 the key joins that user,
 * which the last statement (a SELECT of the key's owner) reports.
 */
export async function issueKeySql(request: KeyRequest, clock: Clock, ids: Ids) {
  const { issued, user, key, now } = await draft(request, ids.uuid(), clock, ids);
  const compiler = createSqlCompiler();
  const statements = [...userAndKeyStatements(compiler, user, key, now), keyOwnerStatement(compiler, key.keyId)];
  return { issued, statements: statements.map((q) => q.compile()) };
}

/** On a database with no users, creates an admin and returns its key (printed once by the caller). */
export async function bootstrapAdmin(db: Db, email: string, clock: Clock, ids: Ids): Promise<IssuedKey | null> {
  if ((await countUsers(db)) > 0) return null;
  return issueKey(db, { email, name: 'Administrator', admin: true }, clock, ids);
}
