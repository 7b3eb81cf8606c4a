import { decode, verify, verifyWithJwks } from 'hono/jwt';
import * as z from 'zod';
import type { Db } from '../db/types.js';
import { type Clock, isoNow } from '../platform/clock.js';
import { setBounded } from '../platform/bounded-map.js';
import type { Logger } from '../platform/logger.js';
import { unauthorized } from '../rpc/errors.js';
import { KEY_PATTERN, hashKey } from './api-keys.js';
import type { Principal } from './principal.js';
import { SCOPES } from './scopes.js';
import { findKeyByHash, findUser, touchKey, upsertSessionUser } from './store.js';

export interface AuthOptions {
  db: Db;
  clock: Clock;
  /** HS256 secret for session JWTs; null turns HS256 sessions off. */
  jwtSecret: string | null;
  /** JWKS endpoint of an RS256 identity provider; null turns it off. */
  jwksUrl: string | null;
  /** Required `iss` and `aud` of session tokens, when set. */
  issuer?: string | null;
  audience?: string | null;
  fetch?: typeof fetch;
  logger?: Logger;
}

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** last_used_at is written at most once a minute per key, so a busy key costs no write per request. */
const TOUCH_INTERVAL_MS = 60_000;
const JWKS_TTL_MS = 10 * 60_000;
/** An unknown `kid` refetches the keys (the provider rotated), but not more often than this. */
const JWKS_REFETCH_COOLDOWN_MS = 30_000;
const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** Hashes of recently accepted keys, so a busy key skips the (async) SHA-256; bounded, oldest out first. */
const HASH_MEMO_SIZE = 1_000;

const claimsSchema = z.object({
  sub: z.string().min(1).max(255),
  exp: z.number(),
  email: z.string().max(320).optional(),
  email_verified: z.boolean().optional(),
  name: z.string().max(200).optional(),
  role: z.string().optional(),
});

type JwkList = NonNullable<Parameters<typeof verifyWithJwks>[1]['keys']>;

/**
 * Turns an Authorization header into a Principal, or throws the one UNAUTHORIZED error: every
 * failure (missing, malformed, unknown, revoked, expired, bad signature) looks the same to the caller.
 */
export function createAuthenticator(options: AuthOptions): Authenticate {
  const { db, clock } = options;
  const fetchJwks = jwksLoader(options);
  // Only the hash is remembered, never the verdict: the key row is read on every request, so a
  // revoked or expired key fails on its next request.
  const hashes = new Map<string, string>();

  async function fromApiKey(token: string): Promise<Principal> {
    if (!KEY_PATTERN.test(token)) throw unauthorized();
    const hash = hashes.get(token) ?? (await hashKey(token));
    const key = await findKeyByHash(db, hash);
    const now = clock.now();
    if (!key || key.revoked_at !== null) throw unauthorized();
    if (key.expires_at !== null && Date.parse(key.expires_at) <= now.getTime()) throw unauthorized();
    if (!hashes.has(token)) setBounded(hashes, token, hash, HASH_MEMO_SIZE);
    if (key.last_used_at === null || now.getTime() - Date.parse(key.last_used_at) >= TOUCH_INTERVAL_MS) {
      await touchKey(db, key.id, now.toISOString());
    }
    return { userId: key.user_id, role: key.is_admin ? 'admin' : 'user', scopes: key.scopes, keyId: key.id };
  }

  const verification = {
    ...(options.issuer ? { iss: options.issuer } : {}),
    ...(options.audience ? { aud: options.audience } : {}),
  };

  /** The verified payload, and whether its email can be trusted as the user's address. */
  async function verifySession(token: string): Promise<{ payload: unknown; ownSigner: boolean }> {
    const { header } = decode(token);
    if (header.alg === 'HS256' && options.jwtSecret !== null) {
      return { payload: await verify(token, options.jwtSecret, { alg: 'HS256', ...verification }), ownSigner: true };
    }
    if (header.alg === 'RS256' && fetchJwks) {
      const keys = await fetchJwks(header.kid);
      return { payload: await verifyWithJwks(token, { keys, allowedAlgorithms: ['RS256'], verification }), ownSigner: false };
    }
    throw unauthorized();
  }

  async function fromSession(token: string): Promise<Principal> {
    let verified: { payload: unknown; ownSigner: boolean };
    try {
      verified = await verifySession(token);
    } catch {
      throw unauthorized();
    }
    const claims = claimsSchema.safeParse(verified.payload);
    if (!claims.success) throw unauthorized();
    const { sub, name, role } = claims.data;
    // An outside provider's email counts only when it says it verified it: operators issue keys
    // by email, so an unverified address could otherwise claim someone else's keys.
    const email = verified.ownSigner || claims.data.email_verified === true ? claims.data.email : undefined;
    const user = await findUser(db, sub);
    // A claim left out keeps what is stored: a token without `email` must not erase the user's email.
    const changed = (email !== undefined && user?.email !== email) || (name !== undefined && user?.name !== name);
    if (!user || changed) await upsertSessionUser(db, { id: sub, email, name }, isoNow(clock));
    const admin = role === 'admin' || user?.is_admin === true;
    return { userId: sub, role: admin ? 'admin' : 'user', scopes: SCOPES, keyId: null };
  }

  return async (authorization) => {
    // Auth schemes are case-insensitive (RFC 9110 §11.1): `bearer gp_…` is the same credential.
    const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (!token) throw unauthorized();
    if (token.startsWith('gp_')) return fromApiKey(token);
    if (token.split('.').length === 3) return fromSession(token);
    throw unauthorized();
  };
}

/**
 * Fetches the provider's keys once per TTL instead of on every request, and early when a token
 * names a key id the cached set lacks (a rotation), at most once per cooldown. Concurrent misses
 * share one fetch, and a failed refresh keeps serving the keys it already had.
 */
function jwksLoader(options: AuthOptions): ((kid: string | undefined) => Promise<JwkList>) | null {
  const { jwksUrl } = options;
  if (jwksUrl === null) return null;
  const url: string = jwksUrl;
  const doFetch = options.fetch ?? fetch;
  let cached: { keys: JwkList; at: number } | null = null;
  let inFlight: Promise<JwkList> | null = null;

  async function refresh(now: number): Promise<JwkList> {
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('JWKS response has no keys array');
      cached = { keys: body.keys as JwkList, at: now };
      return cached.keys;
    } catch (err) {
      // Callers only see the uniform 401; operators need to know the provider is the cause.
      options.logger?.warn('JWKS unavailable: RS256 sessions fail until it answers', { err });
      if (cached) return cached.keys;
      throw err;
    }
  }

  return async (kid) => {
    const now = options.clock.now().getTime();
    if (cached && now - cached.at < JWKS_TTL_MS) {
      const known = kid === undefined || cached.keys.some((k) => k.kid === kid);
      if (known || now - cached.at < JWKS_REFETCH_COOLDOWN_MS) return cached.keys;
    }
    inFlight ??= refresh(now).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
