import type { Clock } from '../../src/platform/clock.js';

/**
 * A clock that starts at a fixed instant and moves 1 ms each time it is read, so records made
 * one after another have distinct, ordered timestamps. `advance` jumps ahead.
 */
export class TestClock implements Clock {
  private ms: number;
  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.ms = Date.parse(start);
  }
  now(): Date {
    this.ms += 1;
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  /** The last instant handed out, without moving. */
  peek(): number {
    return this.ms;
  }
  /** Moves forward to `ms` if it is later: two copies of the clock (test and Worker) stay in step. */
  catchUp(ms: number): void {
    if (Number.isFinite(ms) && ms > this.ms) this.ms = ms;
  }
}
