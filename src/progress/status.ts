/**
 * Pace and status of one target in one window (DESIGN section 5, "Progress").
 * Decisions:
 * - Statuses compare exact values; only the returned `rate`, `expected` and `progress` are rounded.
 *   `rate` is achieved × 100 ÷ conversations and `expected` target × elapsed ÷ duration (multiplying
 *   first keeps whole results whole: 7 of 10 is 70, not 70.00000000000001).
 * - Elapsed time is real time, clamped to the window: a window not started yet expects 0 (so a `total`
 *   target before its start is `on_track`, or `no_data` for a rate), an ended one expects the target.
 * - A rate target of 0 is met by any rate: its progress is 1 whenever there is a rate.
 * - An empty window (a skipped local day) counts as ended once `asOf` reaches it.
 */
import type { Window } from './windows.js';

export type TargetStatus = 'achieved' | 'missed' | 'on_track' | 'at_risk' | 'behind' | 'no_data';

export interface TargetSpec {
  target_type: 'count' | 'rate';
  target_count: number | null;
  target_rate: number | null;
}

export interface WindowCounts {
  conversations: number;
  achieved: number;
}

export interface Measured {
  rate: number | null;
  expected: number | null;
  progress: number | null;
  status: TargetStatus;
}

/** A rate within this many points below the target is `at_risk` rather than `behind`. */
export const RATE_AT_RISK_POINTS = 10;
/** A count at or above this share of the expected pace is `at_risk` rather than `behind`. */
export const COUNT_AT_RISK_SHARE = 0.75;

/** Measures a target in a window as of an instant; `counts` are the outcomes in the window before `asOfMs`. */
export function measure(target: TargetSpec, counts: WindowCounts, window: Pick<Window, 'startMs' | 'endMs'>, asOfMs: number): Measured {
  const rate = counts.conversations > 0 ? (counts.achieved * 100) / counts.conversations : null;
  const ended = asOfMs >= window.endMs;
  const exact = target.target_type === 'count'
    ? measureCount(requireTarget(target.target_count, 'target_count', 1), counts.achieved, window, asOfMs, ended)
    : measureRate(requireTarget(target.target_rate, 'target_rate', 0), rate, ended);
  return {
    rate: rate === null ? null : roundHalfAwayFromZero(rate, 1),
    expected: exact.expected === null ? null : roundHalfAwayFromZero(exact.expected, 1),
    progress: exact.progress === null ? null : roundHalfAwayFromZero(exact.progress, 4),
    status: exact.status,
  };
}

type Exact = Omit<Measured, 'rate'>;

function measureCount(target: number, achieved: number, window: Pick<Window, 'startMs' | 'endMs'>, asOfMs: number, ended: boolean): Exact {
  const duration = window.endMs - window.startMs;
  const elapsed = Math.min(Math.max(asOfMs - window.startMs, 0), duration);
  const expected = duration > 0 ? (target * elapsed) / duration : ended ? target : 0;
  const progress = achieved / target;
  if (achieved >= target) return { expected, progress, status: 'achieved' };
  if (ended) return { expected, progress, status: 'missed' };
  if (achieved >= expected) return { expected, progress, status: 'on_track' };
  if (achieved >= COUNT_AT_RISK_SHARE * expected) return { expected, progress, status: 'at_risk' };
  return { expected, progress, status: 'behind' };
}

function measureRate(target: number, rate: number | null, ended: boolean): Exact {
  if (rate === null) return { expected: null, progress: null, status: 'no_data' };
  const progress = target === 0 ? 1 : rate / target;
  if (ended) return { expected: null, progress, status: rate >= target ? 'achieved' : 'missed' };
  if (rate >= target) return { expected: null, progress, status: 'on_track' };
  if (rate >= target - RATE_AT_RISK_POINTS) return { expected: null, progress, status: 'at_risk' };
  return { expected: null, progress, status: 'behind' };
}

/** Validation guarantees these; a target without one is a programming error, not bad input. */
function requireTarget(value: number | null, key: string, min: number): number {
  if (value === null || !Number.isFinite(value) || value < min) throw new RangeError(`The target has no valid ${key}: ${value}`);
  return value;
}

/**
 * Rounds to `decimals` places, halves away from zero, on the number as written (its shortest decimal
 * form): 0.15 → 0.2 and 1.005 → 1.01, where `Math.round(x * 10) / 10` gives 0.1 and 1 (x × 10 is inexact).
 */
export function roundHalfAwayFromZero(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`Not a count of decimals: ${decimals}`);
  const rounded = shiftDecimal(Math.round(shiftDecimal(Math.abs(value), decimals)), -decimals);
  // `+ 0` turns -0 (a small negative rounded to zero) into 0.
  return (value < 0 ? -rounded : rounded) + 0;
}

/** x × 10^places through the decimal text, exact where multiplying would round. */
function shiftDecimal(x: number, places: number): number {
  const [mantissa, exponent = '0'] = String(x).split('e');
  return Number(`${mantissa}e${Number(exponent) + places}`);
}
