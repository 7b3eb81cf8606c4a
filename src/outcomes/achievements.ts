import type { Target } from '../goals/schemas.js';
import { targetWindow } from '../progress/windows.js';

/** A count target's window that contains an outcome: the outcome may bring it to its target_count. */
export interface WindowCheck {
  targetId: string;
  targetCount: number;
  /** The window as goals.progress shows it (the zone's offset), and as UTC bounds for the SQL. */
  start: string;
  end: string;
  from: string;
  to: string;
}

/** The windows of the goal's count targets that contain `occurredAt` (a total target only within its dates). */
export function windowChecks(targets: readonly Target[], occurredAt: string, timeZone: string): WindowCheck[] {
  const at = Date.parse(occurredAt);
  return targets.flatMap((target) => {
    if (target.target_type !== 'count' || target.target_count === null) return [];
    const window = targetWindow(target, at, timeZone);
    if (at < window.startMs || at >= window.endMs) return [];
    return [
      {
        targetId: target.id,
        targetCount: target.target_count,
        start: window.start,
        end: window.end,
        from: new Date(window.startMs).toISOString(),
        to: new Date(window.endMs).toISOString(),
      },
    ];
  });
}
