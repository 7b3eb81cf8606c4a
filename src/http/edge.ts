import type { Context } from 'hono';
import { createAuthenticator, type Authenticate } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { createEventSignal, DEFAULT_STREAM_TIMINGS, type EventSignal, type StreamTimings } from '../events/signal.js';
import { watchWrites } from '../events/writes.js';
import { systemClock } from '../platform/clock.js';
import { randomIds } from '../platform/ids.js';
import { silentLogger } from '../platform/logger.js';
import { createRateLimiter, type RateDecision, type RateLimiter } from '../platform/rate-limit.js';
import type { Services } from '../rpc/context.js';
import type { Call } from '../rpc/dispatch.js';
import { errorBody, rateLimited, type ApiError } from '../rpc/errors.js';
import type { AdminAssets } from './admin.js';
import { jsonResponse } from './headers.js';
import { readBody } from './read-body.js';

export type AppConfig = Pick<
  Config,
  | 'JWT_SECRET'
  | 'JWKS_URL'
  | 'JWT_ISSUER'
  | 'JWT_AUDIENCE'
  | 'RATE_LIMIT_PER_MINUTE'
  | 'GENERATE_PER_MINUTE'
  | 'EVALUATE_PER_MINUTE'
  | 'CORS_ORIGINS'
  | 'EVENTS_RETENTION_DAYS'
>;

/** What a composition root passes to `createApp`: the database and config; the rest has defaults. */
export type AppDeps = Pick<Services, 'db'> &
  Partial<Pick<Services, 'clock' | 'ids' | 'logger'>> & {
    config: AppConfig;
    llm?: Services['llm'] | undefined;
    /** Defaults to an in-memory limiter of RATE_LIMIT_PER_MINUTE. */
    rateLimiter?: RateLimiter;
    fetch?: typeof fetch;
    /** The admin dashboard's built files; without them GET /admin says how to build them. */
    adminAssets?: AdminAssets | undefined;
    /** GET /events intervals; tests shorten them, the Worker polls D1 less often than Node its file. */
    events?: Partial<StreamTimings> & {
      /** Whether a write wakes this process's streams at once (default true; the Worker only polls). */
      wakeOnWrite?: boolean;
    };
  };

/** What the access log learns while the request runs (never a credential or a body). */
export interface RequestNotes {
  action?: string;
  userId?: string;
}

export type HttpEnv = {
  Variables: {
    requestId: string;
    notes: RequestNotes;
    rateHeaders: Record<string, string> | undefined;
    /** The response built by `reply`, which already has every common header. */
    answered: Response | undefined;
  };
};

/** The HTTP edge's building blocks, shared by every route adapter (/invoke, /mcp, /events). */
export interface Edge {
  services: Services;
  authenticate: Authenticate;
  /** The general per-principal request budget. */
  limiter: RateLimiter;
  /** Poked after every committed batch; wakes the event streams of this process. */
  eventSignal: EventSignal;
  streamTimings: StreamTimings;
}

/** Builds the core services once, plus the edge's authenticator and limiter. */
export function createEdge(deps: AppDeps): Edge {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const { wakeOnWrite = true, ...timings } = deps.events ?? {};
  const eventSignal = createEventSignal({ wakeOnNotify: wakeOnWrite });
  const services: Services = {
    db: watchWrites(deps.db, { signal: eventSignal, clock, retentionDays: deps.config.EVENTS_RETENTION_DAYS, logger }),
    llm: deps.llm ?? null,
    clock,
    ids: deps.ids ?? randomIds,
    logger,
    budgets: {
      generate: createRateLimiter({ limit: deps.config.GENERATE_PER_MINUTE, clock }),
      evaluate: createRateLimiter({ limit: deps.config.EVALUATE_PER_MINUTE, clock }),
    },
  };
  const authenticate = createAuthenticator({
    db: deps.db,
    clock,
    jwtSecret: deps.config.JWT_SECRET,
    jwksUrl: deps.config.JWKS_URL,
    issuer: deps.config.JWT_ISSUER,
    audience: deps.config.JWT_AUDIENCE,
    logger,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const limiter = deps.rateLimiter ?? createRateLimiter({ limit: deps.config.RATE_LIMIT_PER_MINUTE, clock });
  return { services, authenticate, limiter, eventSignal, streamTimings: { ...DEFAULT_STREAM_TIMINGS, ...timings } };
}

/** A JSON answer of the API, with the common headers, the request id and any rate-limit headers. */
export function reply(c: Context<HttpEnv>, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const res = jsonResponse(status, body, { 'X-Request-Id': c.get('requestId') }, c.get('rateHeaders'), headers);
  c.set('answered', res);
  return res;
}

export const fail = (c: Context<HttpEnv>, err: ApiError): Response =>
  reply(c, err.status, errorBody(err, c.get('requestId')), err.headers);

function rateHeaders(decision: RateDecision, windowSeconds: number): Record<string, string> {
  if (decision.limit === 0) return {};
  return {
    'RateLimit-Policy': `"default";q=${decision.limit};w=${windowSeconds}`,
    RateLimit: `"default";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}

/** 401: the Bearer credential → a Principal (the same for /invoke, /mcp and /events). */
export async function authenticateRequest(c: Context<HttpEnv>, edge: Edge): Promise<Principal> {
  const principal = await edge.authenticate(c.req.header('authorization'));
  c.get('notes').userId = principal.userId;
  return principal;
}

/** 429: spends one request of the principal's budget; the answer carries the RateLimit headers. */
export function takeBudget(c: Context<HttpEnv>, edge: Edge, principal: Principal): void {
  const decision = edge.limiter.take(principal.userId);
  c.set('rateHeaders', rateHeaders(decision, edge.limiter.windowSeconds));
  if (!decision.allowed) throw rateLimited(decision.resetSeconds);
}

export interface Admitted {
  /** The body, read within the limit, not yet parsed. */
  text: string;
  principal: Principal;
  /** Who calls and under which request id, ready for `dispatch`. */
  call: Call;
}

/**
 * The first three steps of the error order for every POST entry point: 413 (body over the
 * limit), 401 (credentials), 429 (the request budget). What follows is the adapter's.
 */
export async function admit(c: Context<HttpEnv>, edge: Edge): Promise<Admitted> {
  const text = await readBody(c.req.raw);
  const principal = await authenticateRequest(c, edge);
  takeBudget(c, edge, principal);
  const notes = c.get('notes');
  const call: Call = {
    principal,
    requestId: c.get('requestId'),
    onResolved: (key) => {
      notes.action = key;
    },
  };
  return { text, principal, call };
}
