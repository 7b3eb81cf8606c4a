import type { Context, Hono } from 'hono';
import { dispatch } from '../rpc/dispatch.js';
import { MAX_BATCH } from '../rpc/envelope.js';
import { ApiError, rateLimited, validationError } from '../rpc/errors.js';
import { parseIdempotencyKey } from '../rpc/idempotency.js';
import { runBatch } from './batch.js';
import { admit, fail, reply, type Edge, type HttpEnv } from './edge.js';

/*
 * POST /invoke. The contract's error order, and the function that enforces each step:
 *
 *   413 PAYLOAD_TOO_LARGE   readBody (http/read-body.ts), called by admit
 *   401 UNAUTHORIZED        authenticateRequest (http/edge.ts), called by admit
 *   429 RATE_LIMITED        takeBudget (http/edge.ts) called by admit; the batch's extra items
 *                           here; an action's own budget (generate) in dispatch (rpc/dispatch.ts)
 *   400 envelope            parseIdempotencyKey, parseJson and the batch size here; resolve (rpc/dispatch.ts)
 *   403 FORBIDDEN           authorize (rpc/dispatch.ts)
 *   400 data                parseInput (rpc/dispatch.ts)
 *   404 / 409               the action and its store (src/<resource>/)
 */

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ path: '', message: 'The body is not valid JSON.' }]);
  }
}

async function invoke(c: Context<HttpEnv>, edge: Edge): Promise<Response> {
  const { text, principal, call } = await admit(c, edge);
  const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
  const body = parseJson(text);
  if (!Array.isArray(body)) {
    call.idempotencyKey = idempotencyKey;
    const result = await dispatch(body, call, edge.services);
    return reply(c, result.status, { success: true, data: result.data }, result.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  }
  c.get('notes').action = 'batch';
  if (idempotencyKey !== undefined) {
    throw validationError([{ path: 'Idempotency-Key', message: 'Not supported on a batch; send the request on its own.' }]);
  }
  if (body.length === 0 || body.length > MAX_BATCH) {
    throw validationError([{ path: '', message: `A batch holds 1 to ${MAX_BATCH} envelopes.` }]);
  }
  // Every item after the first costs one more request of the caller's budget.
  if (body.length > 1) {
    const extra = edge.limiter.take(principal.userId, body.length - 1);
    if (!extra.allowed) throw rateLimited(extra.resetSeconds);
  }
  return reply(c, 200, await runBatch(body, call, edge.services));
}

/** POST /invoke, and 405 with `Allow: POST` for any other method on it. */
export function invokeRoutes(app: Hono<HttpEnv>, edge: Edge): void {
  app.post('/invoke', (c) => invoke(c, edge));
  app.all('/invoke', (c) =>
    fail(c, new ApiError('METHOD_NOT_ALLOWED', `Use POST on /invoke, not ${c.req.method}.`, { headers: { Allow: 'POST' } })),
  );
}
