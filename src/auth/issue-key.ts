import type { Db } from '../db/types.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Ids } from '../platform/ids.js';
import { generateApiKey } from './api-keys.js';
import { SCOPES, type Scope } from './scopes.js';
import { countUsers, createUserAndKey, findUserByEmail, userAndKeyStatements } from './store.js';

export interface KeyRequest {
  email: string;
  name?: string | null;
  admin?: boolean;
  scopes?: readonly Scope[];
  expiresAt?: string | null;
}

export interface IssuedKey {
  user_id: string;
  key_id: string;
  /** Shown once; only its hash is stored. */
  key: string;
}

async function prepare(db: Db, request: KeyRequest, clock: Clock, ids: Ids) {
  const existing = await findUserByEmail(db, request.email);
  const userId = existing?.id ?? ids.uuid();
  const secret = await generateApiKey();
  const keyId = ids.uuid();
  const now = isoNow(clock);
  const user = { id: userId, email: request.email, name: request.name ?? null, isAdmin: request.admin ?? false };
  const key = {
    keyId,
    hash: secret.hash,
    prefix: secret.prefix,
    lastFour: secret.lastFour,
    scopes: request.scopes ?? SCOPES,
    expiresAt: request.expiresAt ?? null,
  };
  return { issued: { user_id: userId, key_id: keyId, key: secret.key }, user, key, now };
}

/** Creates the user (unless the email exists: then the key is theirs) and a new key, atomically. */
export async function issueKey(db: Db, request: KeyRequest, clock: Clock, ids: Ids): Promise<IssuedKey> {
  const { issued, user, key, now } = await prepare(db, request, clock, ids);
  await createUserAndKey(db, user, key, now);
  const owner = await findUserByEmail(db, request.email);
  return { ...issued, user_id: owner?.id ?? issued.user_id };
}

/** The same key as SQL statements with inlined values, to run on D1; nothing is written here. */
export async function issueKeySql(db: Db, request: KeyRequest, clock: Clock, ids: Ids) {
  const { issued, user, key, now } = await prepare(db, request, clock, ids);
  const statements = userAndKeyStatements(db, user, key, now).map((q) => q.compile());
  return { issued, statements };
}

/** On a database with no users, creates an admin and returns its key (printed once by the caller). */
export async function bootstrapAdmin(db: Db, email: string, clock: Clock, ids: Ids): Promise<IssuedKey | null> {
  if ((await countUsers(db)) > 0) return null;
  return issueKey(db, { email, name: 'Administrator', admin: true }, clock, ids);
}
