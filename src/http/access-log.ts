import type { Context } from 'hono';
import type { Logger } from '../platform/logger.js';
import type { HttpEnv } from './edge.js';

/**
 * One `info` line per request (DESIGN section 10): method, path, action, status, duration,
 * request id and user id when known. Never a header value or a body: credentials stay out.
 * Called by the edge middleware in app.ts once the response is final (one middleware, not two).
 */
export function logAccess(logger: Logger, c: Context<HttpEnv>, startedMs: number): void {
  if (!logger.enabled('info')) return;
  const { action, userId } = c.get('notes');
  logger.info('request', {
    method: c.req.method,
    path: c.req.path,
    ...(action !== undefined ? { action } : {}),
    status: c.res.status,
    duration_ms: Math.round((performance.now() - startedMs) * 100) / 100,
    request_id: c.get('requestId'),
    ...(userId !== undefined ? { user_id: userId } : {}),
  });
}
