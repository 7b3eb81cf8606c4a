import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyKey,
  releaseIdempotencyKey,
} from '../db/idempotency-store.js';
import { sha256Hex } from '../platform/encoding.js';
import { isPlainObject } from '../platform/objects.js';
import type { Services } from './context.js';
import { ApiError, validationError } from './errors.js';

/** How long a key and its stored response are kept. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** After this, an attempt that never finished (a crashed server) no longer blocks its key. */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000;

const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/** The same rule as a JSON Schema: the catalog's header parameter, the MCP tools' `idempotency_key`. */
export const IDEMPOTENCY_KEY_JSON_SCHEMA = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' } as const;

/** The `Idempotency-Key` header (or `path`, where else it came from): absent, or 1–255 printable ASCII characters. */
export function parseIdempotencyKey(header: string | undefined, path = 'Idempotency-Key'): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) {
    throw validationError([{ path, message: 'Must be 1 to 255 printable ASCII characters.' }]);
  }
  return header;
}

/** What makes two requests "the same": everything the action sees except who asks (the key's scope). */
export interface IdempotentRequest {
  resource: string;
  action: string;
  id: string | undefined;
  /** The validated input, so `agentId` and `agent_id` spellings count as one request. */
  data: unknown;
  admin: boolean;
}

/** SHA-256 of the request as JSON with sorted object keys. */
export async function fingerprintOf(request: IdempotentRequest): Promise<string> {
  const canonical = JSON.stringify({ ...request, id: request.id ?? null }, (_key, value: unknown) =>
    isPlainObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  );
  return sha256Hex(canonical);
}

/** The services the idempotency runner uses. */
export type IdempotencyDeps = Pick<Services, 'db' | 'clock' | 'ids' | 'logger'>;

/** Keys belong to the caller: another user's identical key is another key. */
export interface IdempotencyScope {
  userId: string;
  key: string;
  requestId: string;
}

export interface Outcome {
  status: number;
  data: unknown;
  /** True when this is the stored response of an earlier attempt. */
  replayed?: boolean;
}

const inFlight = () =>
  new ApiError('CONFLICT', 'A request with this Idempotency-Key is still in progress; retry shortly.', {
    retryable: true,
    headers: { 'Retry-After': '1' },
  });

const mismatch = () =>
  new ApiError('CONFLICT', 'This Idempotency-Key was used with a different request; use a new key for a new request.');

/**
 * Runs `run` at most once per caller and key: claim the key (one statement), run without holding
 * the database, then store the response. A success is replayed for 24 hours; a failure frees the key.
 */
export async function runIdempotent(
  deps: IdempotencyDeps,
  scope: IdempotencyScope,
  request: IdempotentRequest,
  run: () => Promise<Outcome>,
): Promise<Outcome> {
  const { db, clock } = deps;
  const { userId, key } = scope;
  const fingerprint = await fingerprintOf(request);
  const claim = deps.ids.uuid();

  // Two rounds: a key freed by a failed attempt between our claim and our read is claimed again.
  for (let round = 0; round < 2; round += 1) {
    const now = clock.now();
    const claimed = await claimIdempotencyKey(db, {
      userId,
      key,
      fingerprint,
      claim,
      now: now.toISOString(),
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LOCK_MS).toISOString(),
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    });
    if (claimed) return runClaimed(deps, scope, claim, run);

    const record = await findIdempotencyKey(db, userId, key, now.toISOString());
    if (!record) continue;
    if (record.fingerprint !== fingerprint) throw mismatch();
    if (record.response_status === null || record.response_body === null) throw inFlight();
    return { status: record.response_status, data: JSON.parse(record.response_body) as unknown, replayed: true };
  }
  throw inFlight();
}

async function runClaimed(
  deps: IdempotencyDeps,
  scope: IdempotencyScope,
  claim: string,
  run: () => Promise<Outcome>,
): Promise<Outcome> {
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (err) {
    // A failed request changed nothing, so running it again under the same key is safe.
    await releaseIdempotencyKey(deps.db, scope.userId, scope.key, claim).catch((releaseErr: unknown) => {
      deps.logger.error('could not free an idempotency key', { request_id: scope.requestId, err: releaseErr });
    });
    throw err;
  }
  try {
    await completeIdempotencyKey(deps.db, scope.userId, scope.key, claim, {
      status: outcome.status,
      body: JSON.stringify(outcome.data),
    });
  } catch (err) {
    // The action did succeed: report it. The key stays locked until IDEMPOTENCY_LOCK_MS passes.
    deps.logger.error('could not store an idempotent response', { request_id: scope.requestId, err });
  }
  return outcome;
}
