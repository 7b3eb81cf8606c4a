import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../platform/logger.js';
import type { HttpEnv } from './edge.js';

/**
 * One `info` line per request (DESIGN section 10): method, path, action, status, duration,
 * request id and user id when known. Never a header value or a body: credentials stay out.
 */
export function accessLog(logger: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const { action, userId } = c.get('notes');
    logger.info('request', {
      method: c.req.method,
      path: c.req.path,
      ...(action !== undefined ? { action } : {}),
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      request_id: c.get('requestId'),
      ...(userId !== undefined ? { user_id: userId } : {}),
    });
  };
}
