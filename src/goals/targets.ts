import type { Ids } from '../platform/ids.js';
import { localDate } from '../progress/time-zone.js';
import { validationError } from '../rpc/errors.js';
import type { Target, TargetInput } from './schemas.js';

/**
 * Targets as stored and returned: new ids, every key present, exactly one primary (the first when
 * none is marked), and a `total` target's start_date resolved to the goal's creation day in its
 * time zone when not given. A deadline before that day is the caller's error.
 */
export function resolveTargets(inputs: readonly TargetInput[], createdAtMs: number, timeZone: string, ids: Ids): Target[] {
  const anyPrimary = inputs.some((t) => t.is_primary === true);
  const creationDay = localDate(createdAtMs, timeZone);
  const targets = inputs.map(
    (t, i): Target => ({
      id: ids.uuid(),
      period: t.period,
      target_type: t.target_type,
      target_count: t.target_type === 'count' ? (t.target_count ?? null) : null,
      target_rate: t.target_type === 'rate' ? (t.target_rate ?? null) : null,
      is_primary: anyPrimary ? t.is_primary === true : i === 0,
      start_date: t.period === 'total' ? (t.start_date ?? creationDay) : null,
      deadline: t.period === 'total' ? (t.deadline ?? null) : null,
    }),
  );
  const late = targets.flatMap((t, i) =>
    t.deadline !== null && t.start_date !== null && t.deadline < t.start_date
      ? [{ path: `data.targets.${i}.deadline`, message: `Must not be before the start date ${t.start_date} (the goal's creation day when start_date is not given).` }]
      : [],
  );
  if (late.length > 0) throw validationError(late);
  return targets;
}
