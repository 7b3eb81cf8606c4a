import type { Db } from '../db/types.js';
import { readEdgeCounts, readHourCounts, type Counts, type EdgeSpan, type HourCount, type HourSpan } from '../outcomes/store.js';
import { measure } from '../progress/status.js';
import { previousWindows, totalWindow, windowContaining, type Window } from '../progress/windows.js';
import type { Goal, Progress, Target } from './schemas.js';

const HOUR_MS = 3_600_000;

const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
const hourKey = (ms: number): string => new Date(ms).toISOString().slice(0, 13);
const iso = (ms: number): string => new Date(ms).toISOString();

export interface ProgressRequest {
  goal: Pick<Goal, 'id' | 'timezone' | 'targets'>;
  asOfMs: number;
  history: number;
}

/** A window of a target and the span of it that counts: `[lo, hi)`, clipped at as_of. */
interface Slot {
  window: Window;
  lo: number;
  hi: number;
}

function slotOf(window: Window, asOfMs: number): Slot {
  return { window, lo: window.startMs, hi: Math.min(window.endMs, asOfMs) };
}

function windowsOf(target: Target, request: ProgressRequest): { current: Slot; history: Slot[] } {
  const { timezone } = request.goal;
  if (target.period === 'total') {
    // Validation guarantees both dates on a total target.
    const window = totalWindow(target.start_date ?? '', target.deadline ?? '', timezone);
    return { current: slotOf(window, request.asOfMs), history: [] };
  }
  const current = windowContaining(target.period, request.asOfMs, timezone);
  const history = previousWindows(target.period, current, request.history, timezone);
  return { current: slotOf(current, request.asOfMs), history: history.map((w) => slotOf(w, request.asOfMs)) };
}

/** Running sums of one goal's hourly counters, to sum any range of hours in O(log n). */
class HourSums {
  private readonly hours: string[] = [];
  private readonly conversations: number[] = [0];
  private readonly achieved: number[] = [0];

  add(row: HourCount): void {
    this.hours.push(row.hour);
    this.conversations.push((this.conversations.at(-1) ?? 0) + Number(row.conversations));
    this.achieved.push((this.achieved.at(-1) ?? 0) + Number(row.achieved));
  }

  /** Index of the first hour ≥ `hour`. */
  private lowerBound(hour: string): number {
    let lo = 0;
    let hi = this.hours.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.hours[mid] ?? '') < hour) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Counts of the hours in `[from, to)`. */
  sum(from: string, to: string): Counts {
    const a = this.lowerBound(from);
    const b = this.lowerBound(to);
    return {
      conversations: (this.conversations[b] ?? 0) - (this.conversations[a] ?? 0),
      achieved: (this.achieved[b] ?? 0) - (this.achieved[a] ?? 0),
    };
  }
}

/**
 * Progress of several goals in two statements, whatever the number of goals, targets and windows:
 * whole hours come from the hourly counters, and a window edge that is not on an hour (a
 * half-hour zone, as_of mid-hour) from [floor hour, edge): minute counters and one minute's outcomes.
 * The outcomes of [lo, hi) are then hours [floor(lo), floor(hi)) − [floor(lo), lo) + [floor(hi), hi).
 */
export async function progressOf(db: Db, requests: readonly ProgressRequest[]): Promise<Progress[]> {
  const plans = requests.map((request) => ({
    request,
    targets: request.goal.targets.map((target) => ({ target, ...windowsOf(target, request) })),
  }));

  const spans: HourSpan[] = [];
  const edges: EdgeSpan[] = [];
  const edgeIndex = new Map<string, number>();
  const edgeAt = (goalId: string, ms: number): void => {
    if (ms % HOUR_MS === 0) return;
    const key = `${goalId} ${ms}`;
    if (edgeIndex.has(key)) return;
    edgeIndex.set(key, edges.length);
    edges.push({ goalId, atMs: ms });
  };
  for (const { request, targets } of plans) {
    let from = Infinity;
    let to = -Infinity;
    for (const { current, history } of targets) {
      for (const slot of [current, ...history]) {
        if (slot.lo >= slot.hi) continue;
        from = Math.min(from, floorHour(slot.lo));
        to = Math.max(to, floorHour(slot.hi));
        edgeAt(request.goal.id, slot.lo);
        edgeAt(request.goal.id, slot.hi);
      }
    }
    if (from < to) spans.push({ goalId: request.goal.id, from: hourKey(from), to: hourKey(to) });
  }

  const [hourRows, edgeCounts] = await Promise.all([readHourCounts(db, spans), readEdgeCounts(db, edges)]);
  const sums = new Map<string, HourSums>();
  for (const row of hourRows) {
    let goalSums = sums.get(row.goal_id);
    if (!goalSums) {
      goalSums = new HourSums();
      sums.set(row.goal_id, goalSums);
    }
    goalSums.add(row);
  }

  const partial = (goalId: string, ms: number): Counts => {
    const i = edgeIndex.get(`${goalId} ${ms}`);
    return i === undefined ? { conversations: 0, achieved: 0 } : (edgeCounts[i] ?? { conversations: 0, achieved: 0 });
  };
  const countsOf = (goalId: string, slot: Slot): Counts => {
    if (slot.lo >= slot.hi) return { conversations: 0, achieved: 0 };
    const whole = sums.get(goalId)?.sum(hourKey(floorHour(slot.lo)), hourKey(floorHour(slot.hi))) ?? { conversations: 0, achieved: 0 };
    const before = partial(goalId, slot.lo);
    const after = partial(goalId, slot.hi);
    return {
      conversations: whole.conversations - before.conversations + after.conversations,
      achieved: whole.achieved - before.achieved + after.achieved,
    };
  };

  return plans.map(({ request, targets }) => {
    const goalId = request.goal.id;
    const measured = (target: Target, slot: Slot) => {
      const counts = countsOf(goalId, slot);
      return {
        window: { start: slot.window.start, end: slot.window.end },
        conversations: counts.conversations,
        achieved: counts.achieved,
        ...measure(target, counts, slot.window, request.asOfMs),
      };
    };
    const rows = targets.map(({ target, current, history }) => ({
      target_id: target.id,
      is_primary: target.is_primary,
      period: target.period,
      target_type: target.target_type,
      target_count: target.target_count,
      target_rate: target.target_rate,
      ...measured(target, current),
      history: history.map((slot) => measured(target, slot)),
    }));
    return {
      goal_id: goalId,
      as_of: iso(request.asOfMs),
      timezone: request.goal.timezone,
      status: rows.find((r) => r.is_primary)?.status ?? null,
      targets: rows,
    };
  });
}
