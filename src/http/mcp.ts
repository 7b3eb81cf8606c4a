import type { Hono } from 'hono';
import type { Authenticate } from '../auth/authenticate.js';
import { rateHeaders, readBody, type Env } from '../app.js';
import { createMcpEndpoint } from '../mcp/server.js';
import type { Logger } from '../platform/logger.js';
import type { RateLimiter } from '../platform/rate-limit.js';
import type { DispatchDeps } from '../rpc/dispatch.js';
import { ApiError, rateLimited } from '../rpc/errors.js';

export interface McpRouteDeps {
  core: DispatchDeps;
  authenticate: Authenticate;
  /** The per-principal request budget of /invoke: one MCP POST spends one request. */
  limiter: RateLimiter;
  logger: Logger;
}

/** `POST /mcp` (DESIGN section 8): the edge's checks in the contract's order, then the MCP server. */
export function mountMcp(app: Hono<Env>, deps: McpRouteDeps): void {
  const endpoint = createMcpEndpoint(deps.core, deps.logger);

  app.post('/mcp', async (c) => {
    const text = await readBody(c.req.raw);
    const principal = await deps.authenticate(c.req.header('authorization'));
    const decision = deps.limiter.take(principal.userId);
    const limits = rateHeaders(decision, deps.limiter.windowSeconds);
    c.set('rateHeaders', limits);
    const refusal = decision.allowed ? undefined : rateLimited(decision.resetSeconds);
    const res = await endpoint.handle(c.req.raw, text, { principal, requestId: c.get('requestId'), refusal });
    for (const [name, value] of Object.entries({ 'Cache-Control': 'no-store', ...limits, ...refusal?.headers })) res.headers.set(name, value);
    return res;
  });

  // Stateless: no SSE stream to open with GET, no session to end with DELETE.
  app.all('/mcp', (c) => {
    throw new ApiError('METHOD_NOT_ALLOWED', `Use POST on /mcp, not ${c.req.method}.`, { headers: { Allow: 'POST' } });
  });
}
