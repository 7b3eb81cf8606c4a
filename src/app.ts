import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
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
  'JWT_SECRET' | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'RATE_LIMIT_PER_MINUTE' | 'GENERATE_PER_MINUTE' | 'CORS_ORIGINS'
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

type Env = { Variables: { requestId: string } };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads the body while counting, so a chunked body over the limit is cut off, not buffered. */
async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  const tooLarge = () => new ApiError('PAYLOAD_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
  if (declared > BODY_LIMIT) throw tooLarge();
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
    budgets: { generate: createRateLimiter({ limit: deps.config.GENERATE_PER_MINUTE, clock }) },
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

  const fail = (c: Context<Env>, err: ApiError) => {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json(errorBody(err, c.get('requestId')), err.status as 400);
  };

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
  });
  app.use('*', secureHeaders());
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
    c.header('Cache-Control', 'no-store');
    const text = await readBody(c.req.raw);
    const principal = await authenticate(c.req.header('authorization'));

    const decision = limiter.take(principal.userId);
    const headers = rateHeaders(decision, limiter.windowSeconds);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (!decision.allowed) throw rateLimited(decision.resetSeconds);

    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const body = parseJson(text);
    const call = { principal, requestId: c.get('requestId'), idempotencyKey };
    if (!Array.isArray(body)) {
      const result = await dispatch(body, call, core);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json({ success: true, data: result.data }, result.status as 200);
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
    return c.json(await runBatch(body, principal, call.requestId, core, logger));
  });

  app.all('/invoke', (c) => {
    c.header('Allow', 'POST');
    return fail(c, new ApiError('METHOD_NOT_ALLOWED', `Use POST on /invoke, not ${c.req.method}.`));
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
