/**
 * Wakes the event streams of this process when a batch has committed, so they read the new events
 * at once instead of at their next poll. Streams of other processes (or isolates) find them by polling.
 */
export interface EventSignal {
  notify(): void;
  /** Resolves at the next `notify`, after `ms`, or when `abort` fires, whichever comes first. */
  wait(ms: number, abort: AbortSignal): Promise<void>;
}

/**
 * `wakeOnNotify: false` makes streams rely on polling alone: on Workers a request must not resolve
 * promises of another request (workerd warns and may cancel them), and isolates share nothing anyway.
 */
export function createEventSignal({ wakeOnNotify = true }: { wakeOnNotify?: boolean } = {}): EventSignal {
  const waiters = new Set<() => void>();
  return {
    notify() {
      if (!wakeOnNotify) return;
      for (const wake of [...waiters]) wake();
    },
    wait(ms, abort) {
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          abort.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        waiters.add(wake);
        abort.addEventListener('abort', wake, { once: true });
        if (abort.aborted) wake();
      });
    },
  };
}

export interface StreamTimings {
  /** A `: ping` comment this often, so proxies and clients see a live connection. */
  pingMs: number;
  /** How often an open stream looks for events written by another process (or isolate). */
  pollMs: number;
  /** The stream ends itself after this long; the client reconnects with Last-Event-ID. */
  maxMs: number;
  /**
   * Whether an idle stream writes an empty comment (`:`) at each poll. workerd learns that a client
   * went away only when a write to it fails (then the request's signal aborts): without this a
   * Worker's stream would go on polling D1 until its next ping. Node sees the socket close at once.
   */
  probeEachPoll: boolean;
}

export const DEFAULT_STREAM_TIMINGS: StreamTimings = { pingMs: 15_000, pollMs: 500, maxMs: 300_000, probeEachPoll: false };
