import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { createAuthenticator, type Authenticate } from './auth/authenticate.js';
import type { Principal } from './auth/principal.js';
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import type { LlmPort } from './llm/port.js';
import { systemClock, type Clock } from './platform/clock.js';
import { randomIds, type Ids } from './platform/ids.js';
import { silentLogger, type Logger } from './platform/logger.js';
import { createRateLimiter, type RateDecision, type RateLimiter } from './platform/rate-limit.js';
import { catalogDocuments } from './rpc/catalog.js';
import { dispatch, type DispatchDeps } from './rpc/dispatch.js';
import { BODY_LIMIT, MAX_BATCH } from './rpc/envelope.js';
import { ApiError, errorBody, rateLimited, toApiError, validationError } from './rpc/errors.js';
import { parseIdempotencyKey } from './rpc/idempotency.js';

export { BODY_LIMIT };

export type AppConfig = Pick<
  Config,
  'JWT_SECRET' | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'RATE_LIMIT_PER_MINUTE' | 'GENERATE_PER_MINUTE' | 'EVALUATE_PER_MINUTE' | 'CORS_ORIGINS'
>;

export interface AppDeps {
  db: Db;
  config: AppConfig;
  llm?: LlmPort | null;
  clock?: Clock;
  ids?: Ids;
  logger?: Logger;
  /** Defaults to an in-memory limiter of RATE_LIMIT_PER_MINUTE. */
  rateLimiter?: RateLimiter;
  fetch?: typeof fetch;
}

type Env = { Variables: { requestId: string; rateHeaders: Record<string, string> | undefined } };

/**
 * The security headers of every response (hono's secureHeaders() defaults, written out). The API's
 * own answers carry them in one plain object: setting them one by one on a Headers object, as the
 * middleware does, was the largest single cost of a small request on Node.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads the body while counting, so a chunked body over the limit is cut off, not buffered. */
async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  const tooLarge = () => new ApiError('PAYLOAD_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
  if (declared > BODY_LIMIT) throw tooLarge();
  // A body of declared length is read whole, which skips building a web stream (costly on Node):
  // HTTP framing stops it at that length. A body longer than it claims is still measured.
  if (req.headers.has('content-length') && !req.headers.has('transfer-encoding')) {
    const text = await req.text();
    if (text.length > declared && new TextEncoder().encode(text).byteLength > BODY_LIMIT) throw tooLarge();
    return text;
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > BODY_LIMIT) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function rateHeaders(decision: RateDecision, windowSeconds: number): Record<string, string> {
  if (decision.limit === 0) return {};
  return {
    'RateLimit-Policy': `"default";q=${decision.limit};w=${windowSeconds}`,
    RateLimit: `"default";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ path: '', message: 'The body is not valid JSON.' }]);
  }
}

/** Builds the whole HTTP service from its dependencies; the Node server and the Worker share it. */
export function createApp(deps: AppDeps): Hono<Env> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const core: DispatchDeps = {
    db: deps.db,
    llm: deps.llm ?? null,
    clock,
    ids: deps.ids ?? randomIds,
    logger,
    budgets: {
      generate: createRateLimiter({ limit: deps.config.GENERATE_PER_MINUTE, clock }),
      evaluate: createRateLimiter({ limit: deps.config.EVALUATE_PER_MINUTE, clock }),
    },
  };
  const authenticate: Authenticate = createAuthenticator({
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

  const app = new Hono<Env>();

  // Responses made by `reply` already have every common header; others get them added below.
  const complete = new WeakSet<Response>();

  /** A JSON answer of the API, with the common headers, the request id and any rate-limit headers. */
  const reply = (c: Context<Env>, status: number, body: unknown, headers: Record<string, string> = {}): Response => {
    const res = new Response(JSON.stringify(body), {
      status,
      headers: {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        ...SECURITY_HEADERS,
        'X-Request-Id': c.get('requestId'),
        ...c.get('rateHeaders'),
        ...headers,
      },
    });
    complete.add(res);
    return res;
  };

  const fail = (c: Context<Env>, err: ApiError) => reply(c, err.status, errorBody(err, c.get('requestId')), err.headers);

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', requestId);
    await next();
    if (complete.has(c.res)) return;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    c.res.headers.set('X-Request-Id', requestId);
  });
  if (deps.config.CORS_ORIGINS.length > 0) {
    app.use(
      '*',
      cors({
        origin: deps.config.CORS_ORIGINS,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    );
  }

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.code === 'INTERNAL_ERROR') {
      logger.error('unhandled error', { request_id: c.get('requestId'), err: apiError.cause ?? err });
    }
    return fail(c, apiError);
  });

  app.notFound((c) => fail(c, new ApiError('NOT_FOUND', `No route ${c.req.method} ${c.req.path}.`)));

  app.get('/health', async (c) => {
    await deps.db.ping();
    return c.json({ success: true, data: { status: 'ok' } });
  });

  // The catalog describes the API and holds no data: no credentials, readable from any origin.
  const document = (c: Context<Env>, json: string) => {
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8' });
  };
  app.get('/schema', (c) => document(c, catalogDocuments().catalogJson));
  app.get('/openapi.json', (c) => document(c, catalogDocuments().openapiJson));

  app.post('/invoke', async (c) => {
    const text = await readBody(c.req.raw);
    const principal = await authenticate(c.req.header('authorization'));

    const decision = limiter.take(principal.userId);
    c.set('rateHeaders', rateHeaders(decision, limiter.windowSeconds));
    if (!decision.allowed) throw rateLimited(decision.resetSeconds);

    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const body = parseJson(text);
    const call = { principal, requestId: c.get('requestId'), idempotencyKey };
    if (!Array.isArray(body)) {
      const result = await dispatch(body, call, core);
      return reply(c, result.status, { success: true, data: result.data }, result.replayed ? { 'Idempotent-Replayed': 'true' } : {});
    }
    if (idempotencyKey !== undefined) {
      throw validationError([{ path: 'Idempotency-Key', message: 'Not supported on a batch; send the request on its own.' }]);
    }

    if (body.length === 0 || body.length > MAX_BATCH) {
      throw validationError([{ path: '', message: `A batch holds 1 to ${MAX_BATCH} envelopes.` }]);
    }
    // Every item after the first costs one more request of the caller's budget.
    if (body.length > 1) {
      const extra = limiter.take(principal.userId, body.length - 1);
      if (!extra.allowed) throw rateLimited(extra.resetSeconds);
    }
    return reply(c, 200, await runBatch(body, principal, call.requestId, core, logger));
  });

  app.all('/invoke', (c) => {
    return fail(c, new ApiError('METHOD_NOT_ALLOWED', `Use POST on /invoke, not ${c.req.method}.`, { headers: { Allow: 'POST' } }));
  });

  return app;
}

/** Items run one after another, each validated and authorised on its own; not one transaction. */
async function runBatch(items: unknown[], principal: Principal, requestId: string, core: DispatchDeps, logger: Logger) {
  const results: unknown[] = [];
  for (const item of items) {
    try {
      const result = await dispatch(item, { principal, requestId }, core);
      results.push({ success: true, data: result.data });
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code === 'INTERNAL_ERROR') logger.error('unhandled error in batch item', { request_id: requestId, err });
      results.push(errorBody(apiError, requestId));
    }
  }
  return results;
}
