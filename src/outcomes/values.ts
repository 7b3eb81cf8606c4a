import type { LeadField } from '../goals/schemas.js';
import type { ErrorDetail } from '../rpc/errors.js';
import { checkFieldValue } from './field-values.js';

/**
 * Checks `values` against the goal's fields: one detail per unknown key or bad value, at
 * `data.values.<key>`. `missing` lists the required fields with no value (absent or null).
 */
export function checkValues(fields: readonly LeadField[], values: Record<string, unknown>): { details: ErrorDetail[]; missing: string[] } {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(values)) {
    const field = byKey.get(key);
    if (!field) {
      details.push({ path: `data.values.${key}`, message: 'Not a lead-info field of this goal.' });
      continue;
    }
    const checked = checkFieldValue(field, value);
    if (!checked.ok) details.push({ path: `data.values.${key}`, message: checked.message });
  }
  const missing = fields.filter((f) => f.required && (values[f.key] === undefined || values[f.key] === null)).map((f) => f.key);
  return { details, missing };
}
