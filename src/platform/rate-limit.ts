import type { Clock } from './clock.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (also the Retry-After when refused). */
  resetSeconds: number;
}

export interface RateLimiter {
  readonly limit: number;
  readonly windowSeconds: number;
  /** Counts `cost` requests against `key` unless that would exceed the budget. */
  take(key: string, cost?: number): RateDecision;
  /** Whether `take(key, cost)` would be allowed now, without counting anything. */
  peek(key: string, cost?: number): RateDecision;
}

/**
 * A fixed one-window-per-key counter in memory. On Node that is the whole server; on Workers
 * each isolate counts on its own (documented). `limit` 0 turns limiting off.
 */
export function createRateLimiter(options: { limit: number; windowSeconds?: number; clock: Clock }): RateLimiter {
  const { limit, clock } = options;
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;

  const sweep = (now: number) => {
    if (now - lastSweep < windowMs) return;
    lastSweep = now;
    for (const [key, w] of windows) if (now - w.start >= windowMs) windows.delete(key);
  };

  function decide(key: string, cost: number, consume: boolean): RateDecision {
    if (limit <= 0) return { allowed: true, limit: 0, remaining: 0, resetSeconds: 0 };
    const now = clock.now().getTime();
    sweep(now);
    let w = windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      if (consume) windows.set(key, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    if (w.count + cost > limit) return { allowed: false, limit, remaining: Math.max(0, limit - w.count), resetSeconds };
    if (consume) w.count += cost;
    return { allowed: true, limit, remaining: limit - w.count - (consume ? 0 : cost), resetSeconds };
  }

  return {
    limit,
    windowSeconds: windowMs / 1000,
    take: (key, cost = 1) => decide(key, cost, true),
    peek: (key, cost = 1) => decide(key, cost, false),
  };
}
