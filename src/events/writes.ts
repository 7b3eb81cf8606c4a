import type { Db } from '../db/types.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { EventSignal } from './signal.js';
import { sweepEvents } from './store.js';

/** A sweep runs after this many batches or this much time, and deletes at most SWEEP_BATCH rows. */
const SWEEP_EVERY_WRITES = 100;
const SWEEP_EVERY_MS = 60_000;
export const SWEEP_BATCH = 500;
const DAY_MS = 86_400_000;

export interface WriteWatch {
  signal: EventSignal;
  clock: Clock;
  retentionDays: number;
  logger: Logger;
}

/**
 * The database the core writes through: after each batch commits (every change and its event is
 * one), open streams are woken and, now and then, expired events are swept: up to 500 rows every
 * 100 batches or minute, so retention keeps up with five times the write rate at a bounded cost.
 */
export function watchWrites(db: Db, { signal, clock, retentionDays, logger }: WriteWatch): Db {
  let writes = SWEEP_EVERY_WRITES;
  let lastSweep = Number.NEGATIVE_INFINITY;
  return {
    ...db,
    atomic: async (queries) => {
      const results = await db.atomic(queries);
      signal.notify();
      writes += 1;
      const now = clock.now().getTime();
      if (writes >= SWEEP_EVERY_WRITES || now - lastSweep >= SWEEP_EVERY_MS) {
        writes = 0;
        lastSweep = now;
        try {
          await sweepEvents(db, new Date(now - retentionDays * DAY_MS).toISOString(), SWEEP_BATCH);
        } catch (err) {
          // The change is committed; a sweep that fails (a busy file) is retried by a later write.
          logger.warn('events sweep failed', { err });
        }
      }
      return results;
    },
  };
}
