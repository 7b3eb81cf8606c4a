import type { Context, Hono } from 'hono';
import { createMcpEndpoint, type McpCall } from '../mcp/server.js';
import { ApiError } from '../rpc/errors.js';
import { authenticateRequest, fail, takeBudget, type Edge, type HttpEnv } from './edge.js';
import { readBody } from './read-body.js';

/**
 * admit's steps for POST /mcp (413, 401, 429) with one difference: a spent request budget is
 * handed to a tool call, which answers it as its own RATE_LIMITED error (what an agent reads);
 * the endpoint throws it for anything else.
 */
async function admitMcp(c: Context<HttpEnv>, edge: Edge): Promise<{ text: string; call: McpCall }> {
  const text = await readBody(c.req.raw);
  const principal = await authenticateRequest(c, edge);
  let refusal: ApiError | undefined;
  try {
    takeBudget(c, edge, principal);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'RATE_LIMITED') throw err;
    refusal = err;
  }
  const notes = c.get('notes');
  const onResolved = (key: string) => {
    notes.action = key;
  };
  return { text, call: { principal, requestId: c.get('requestId'), onResolved, refusal } };
}

/** POST /mcp (DESIGN section 8), and 405 with `Allow: POST` for GET, DELETE and the rest. */
export function mcpRoutes(app: Hono<HttpEnv>, edge: Edge): void {
  const endpoint = createMcpEndpoint(edge.services);
  app.post('/mcp', async (c) => {
    const { text, call } = await admitMcp(c, edge);
    const res = await endpoint.handle(c.req.raw, text, call);
    // The SDK's answer gets what `reply` gives the API's own: the rate-limit headers (and Retry-After).
    for (const [name, value] of Object.entries({ ...c.get('rateHeaders'), ...call.refusal?.headers })) res.headers.set(name, value);
    return res;
  });
  // Stateless: no SSE stream to open with GET, no session to end with DELETE.
  app.all('/mcp', (c) => fail(c, new ApiError('METHOD_NOT_ALLOWED', `Use POST on /mcp, not ${c.req.method}.`, { headers: { Allow: 'POST' } })));
}
