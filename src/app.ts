import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { logAccess } from './http/access-log.js';
import { adminRoutes } from './http/admin.js';
import { catalogRoutes } from './http/catalog.js';
import { createEdge, fail, type AppDeps, type HttpEnv } from './http/edge.js';
import { eventRoutes } from './http/events.js';
import { addMissingHeaders } from './http/headers.js';
import { invokeRoutes } from './http/invoke.js';
import { mcpRoutes } from './http/mcp.js';
import { requestIdFrom } from './http/request-id.js';
import { BODY_LIMIT } from './rpc/envelope.js';
import { ApiError, toApiError } from './rpc/errors.js';

export { BODY_LIMIT };
export type { AppConfig, AppDeps } from './http/edge.js';

/** Builds the whole HTTP service from its dependencies; the Node server and the Worker share it. */
export function createApp(deps: AppDeps): Hono<HttpEnv> {
  const edge = createEdge(deps);
  const { logger } = edge.services;
  const app = new Hono<HttpEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('notes', {});
    await next();
    // Answers built by `reply` already carry every common header.
    if (c.res !== c.get('answered')) addMissingHeaders(c.res.headers, requestId);
    logAccess(logger, c, started);
  });
  if (deps.config.CORS_ORIGINS.length > 0) {
    app.use(
      '*',
      cors({
        origin: deps.config.CORS_ORIGINS,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        // The MCP headers, for browser-based MCP clients (POST /mcp).
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name'],
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
  catalogRoutes(app);
  invokeRoutes(app, edge);
  adminRoutes(app, deps.adminAssets);
  mcpRoutes(app, edge);
  eventRoutes(app, edge, edge.eventSignal, edge.streamTimings);
  return app;
}
