import { sql } from 'kysely';
import type { Db } from './types.js';

export interface IdempotencyClaim {
  userId: string;
  key: string;
  fingerprint: string;
  /** Unique per attempt, so only the attempt that holds the key can complete or release it. */
  claim: string;
  now: string;
  lockedUntil: string;
  expiresAt: string;
}

export interface IdempotencyRecord {
  fingerprint: string;
  response_status: number | null;
  response_body: string | null;
}

/** Expired keys removed per claim: enough to keep up with any write rate, never a long statement. */
const SWEEP_BATCH = 100;

/**
 * Claims the caller's key for one attempt, in one atomic unit that also sweeps a few expired keys.
 * An expired key, or an attempt still unfinished after its lock, is taken over. True when claimed.
 */
export async function claimIdempotencyKey(db: Db, c: IdempotencyClaim): Promise<boolean> {
  const k = db.kysely;
  const sweep = k
    .deleteFrom('idempotency_keys')
    .where(
      sql.ref('rowid'),
      'in',
      k.selectFrom('idempotency_keys').select(sql<number>`rowid`.as('rowid')).where('expires_at', '<=', c.now).limit(SWEEP_BATCH),
    );
  const claim = k
    .insertInto('idempotency_keys')
    .values({
      user_id: c.userId,
      key: c.key,
      fingerprint: c.fingerprint,
      claim: c.claim,
      response_status: null,
      response_body: null,
      created_at: c.now,
      locked_until: c.lockedUntil,
      expires_at: c.expiresAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'key'])
        .doUpdateSet({
          fingerprint: (eb) => eb.ref('excluded.fingerprint'),
          claim: (eb) => eb.ref('excluded.claim'),
          response_status: null,
          response_body: null,
          created_at: (eb) => eb.ref('excluded.created_at'),
          locked_until: (eb) => eb.ref('excluded.locked_until'),
          expires_at: (eb) => eb.ref('excluded.expires_at'),
        })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<=', c.now),
            eb.and([eb('idempotency_keys.response_status', 'is', null), eb('idempotency_keys.locked_until', '<=', c.now)]),
          ]),
        ),
    )
    .returning('claim');
  const [, claimed] = await db.atomic([sweep.compile(), claim.compile()]);
  return (claimed?.rows.length ?? 0) > 0;
}

/** The key's record unless it has expired. */
export async function findIdempotencyKey(db: Db, userId: string, key: string, now: string): Promise<IdempotencyRecord | undefined> {
  return db.kysely
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'response_status', 'response_body'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Stores the first response; a no-op when this attempt no longer holds the key. */
export async function completeIdempotencyKey(
  db: Db,
  userId: string,
  key: string,
  claim: string,
  response: { status: number; body: string },
): Promise<void> {
  await db.kysely
    .updateTable('idempotency_keys')
    .set({ response_status: response.status, response_body: response.body })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('claim', '=', claim)
    .execute();
}

/** Frees the key after a failed attempt, so a retry runs the request again. */
export async function releaseIdempotencyKey(db: Db, userId: string, key: string, claim: string): Promise<void> {
  await db.kysely
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('claim', '=', claim)
    .execute();
}
